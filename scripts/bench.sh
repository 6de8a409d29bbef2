#!/usr/bin/env bash
# Pose engine speed, side by side with MediaPipe on the same decoded frames,
# in one run: formcheck lite/full at 1 and 2 intra-op threads, then MediaPipe
# Python (video mode), then a Markdown table for BENCHMARKS.md.
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
python3 tools/bench_report.py "$out" | tee "$out/report.md"
