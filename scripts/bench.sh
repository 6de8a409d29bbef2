#!/usr/bin/env bash
# Pose engine speed, side by side with MediaPipe on the same decoded frames,
# in one run: formcheck lite/full at 1 and 2 intra-op threads, then MediaPipe
# Python (video mode), then the whole process with decoding (formcheck pose
# and MediaPipe in alternation), then Markdown tables for BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
out=out/bench
video=.cache/samples/demo.mp4
passes=${PASSES:-3}
mkdir -p "$out"
for model in lite full; do
  for threads in 1 2; do
    echo "formcheck bench: $model, $threads thread(s)" >&2
    target/release/formcheck bench "$video" --model "$model" --threads "$threads" --passes "$passes" \
      > "$out/formcheck-$model-$threads.json"
  done
done
echo "MediaPipe bench" >&2
.cache/venv-mediapipe/bin/python tools/bench_mediapipe.py --video "$video" --passes "$passes" > "$out/mediapipe.json"
echo "Whole process, decoding included: formcheck pose and MediaPipe in alternation" >&2
.cache/venv-mediapipe/bin/python tools/bench_whole.py --formcheck target/release/formcheck --video "$video" \
  --rounds "$passes" > "$out/whole.json"
python3 tools/bench_report.py "$out" | tee "$out/report.md"
