#!/usr/bin/env bash
# The live pipeline on 720p 30 fps input replayed in real time (as a camera
# delivers it): sustained rate, frames dropped, capture-to-assessment latency
# and peak memory, for the full and lite models, in one run; the squat is
# judged on the back's outline, so the segmentation runs: the same without it
# (the glute bridge, whose back is on the floor); then with a patient's
# session recording both videos of the set; then with the window and the
# overlay video (BENCHMARKS.md).
set -euo pipefail
cd "$(dirname "$0")/.."
out=out/bench-live
clip=.cache/bench/demo-720p.mp4
mkdir -p "$out" .cache/bench
if [ ! -f "$clip" ]; then
  .cache/venv-mediapipe/bin/python tools/make_clip.py --video .cache/samples/demo.mp4 --out "$clip"
fi
for model in full lite; do
  for threads in ${THREADS:-1 2}; do
    echo "formcheck live --realtime: $model, $threads thread(s)" >&2
    /usr/bin/time -f '%M' -o "$out/rss-$model-$threads.txt" \
      target/release/formcheck live --source "$clip" --realtime --no-window --exercise squat \
      --model "$model" --threads "$threads" --events "$out/events-$model-$threads.jsonl" \
      --cues-wav "$out/cues-$model-$threads.wav" --timings-json "$out/live-$model-$threads.json" \
      2> "$out/stderr-$model-$threads.txt"
    echo "formcheck live --realtime without the segmentation: $model, $threads thread(s)" >&2
    /usr/bin/time -f '%M' -o "$out/rss-$model-$threads-nooutline.txt" \
      target/release/formcheck live --source "$clip" --realtime --no-window --exercise glute_bridge \
      --model "$model" --threads "$threads" --events "$out/events-$model-$threads-nooutline.jsonl" \
      --cues-wav "$out/cues-$model-$threads-nooutline.wav" \
      --timings-json "$out/live-$model-$threads-nooutline.json" \
      2> "$out/stderr-$model-$threads-nooutline.txt"
  done
done
for model in full lite; do
  echo "formcheck live --realtime --patient (recording): $model, 1 thread" >&2
  rm -rf "$out/session-$model" && mkdir -p "$out/session-$model"
  # No red flags, pain 0 before and after, no spreading.
  printf 'n\nn\nn\nn\n0\n0\nn\n' | /usr/bin/time -f '%M' -o "$out/rss-$model-1-recorded.txt" \
    target/release/formcheck live --source "$clip" --realtime --no-window --exercise squat \
    --model "$model" --threads 1 --patient bench --db "$out/session-$model/formcheck.sqlite" \
    --cues-wav "$out/cues-$model-1-recorded.wav" --timings-json "$out/live-$model-1-recorded.json" \
    2> "$out/stderr-$model-1-recorded.txt"
done
# What a patient sees: the window (under Xvfb where there is no display) and
# the overlay video written, on the encoder's thread.
window=()
if [ -z "${DISPLAY:-}" ]; then window=(xvfb-run -a -s "-screen 0 1920x1080x24"); fi
for model in full lite; do
  echo "formcheck live --realtime with the window and the overlay video: $model, 2 threads" >&2
  /usr/bin/time -f '%M' -o "$out/rss-$model-2-window.txt" \
    "${window[@]}" target/release/formcheck live --source "$clip" --realtime --exercise squat \
    --model "$model" --threads 2 --mute --events "$out/events-$model-2-window.jsonl" \
    --overlay-video "$out/overlay-$model-2-window.mp4" --overwrite \
    --timings-json "$out/live-$model-2-window.json" 2> "$out/stderr-$model-2-window.txt"
done
python3 tools/bench_live_report.py "$out" | tee "$out/report.md"
