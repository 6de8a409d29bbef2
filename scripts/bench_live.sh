#!/usr/bin/env bash
# The live pipeline on 720p 30 fps input replayed in real time (as a camera
# delivers it): sustained rate, frames dropped, capture-to-assessment latency
# and peak memory, for the full and lite models, in one run; the squat is
# judged on the back's outline, so the segmentation runs: the same without it
# (the glute bridge, whose back is on the floor); then with a patient's
# session recording both videos of the set; then with the window and the
# overlay video; then all of these at once at 720p and 1768x994
# (BENCHMARKS.md).
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
# Everything at once, as a station runs it: the window, the overlay video and a
# patient's session recording the set's two videos, at 720p and at the sample's
# own 1768x994, full model, one thread (the default). Always on a virtual
# display, where the session's questions are answered with keys (xdotool):
# Left then Enter answers 0 to a pain question and no to a yes/no one, and is
# no command of the live run, so it can be sent all along.
native=.cache/bench/demo-native.mp4
if [ ! -f "$native" ]; then
  .cache/venv-mediapipe/bin/python tools/make_clip.py --video .cache/samples/demo.mp4 --out "$native" \
    --width 1768 --height 994
fi
for input in 720p native; do
  source_clip=$clip tag=window-recorded
  if [ "$input" = native ]; then source_clip=$native tag=native-window-recorded; fi
  echo "formcheck live --realtime, window, overlay video and session recording: $input, full, 1 thread" >&2
  rm -rf "$out/session-$tag" && mkdir -p "$out/session-$tag"
  SOURCE="$source_clip" OUT="$out" TAG="$tag" xvfb-run -a -s "-screen 0 1920x1080x24" bash -c '
    /usr/bin/time -f "%M" -o "$OUT/rss-full-1-$TAG.txt" \
      target/release/formcheck live --source "$SOURCE" --realtime --exercise squat --mute \
      --patient bench --db "$OUT/session-$TAG/formcheck.sqlite" \
      --overlay-video "$OUT/overlay-full-1-$TAG.mp4" --overwrite \
      --timings-json "$OUT/live-full-1-$TAG.json" 2> "$OUT/stderr-full-1-$TAG.txt" &
    run=$!
    while kill -0 "$run" 2>/dev/null; do xdotool key Left Return 2>/dev/null; sleep 0.5; done
    wait "$run"'
done
python3 tools/bench_live_report.py "$out" | tee "$out/report.md"
