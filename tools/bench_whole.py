#!/usr/bin/env python3
"""Whole-process speed, decoding included: `formcheck pose` against MediaPipe
Pose (Python solution, 0.10.14) on the same video file, in alternation.

    .cache/venv-mediapipe/bin/python tools/bench_whole.py --formcheck target/release/formcheck [--rounds N]

Each round runs, one after the other: MediaPipe lite and full over the whole
file (cv2.VideoCapture, BGR->RGB, `process` per frame; timed from opening the
file to the last result), then `formcheck pose VIDEO --model M --threads T
--out /dev/null` for lite and full at 1 and 2 ONNX Runtime threads (its own
frames/s line: from the first frame read to the last landmark line written).
Start-up is left out of both: MediaPipe's Pose objects are built and warmed up
once before the rounds, and formcheck's figure starts after its models are
loaded. A ratio is formcheck's frames/s over MediaPipe's for the same model in
the same round; the medians over the rounds are reported.

Prints one JSON object on stdout.
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

import mediapipe_setup as setup
from bench_mediapipe import MODELS

FPS_LINE = re.compile(r"([0-9.]+) frames/s")


def mediapipe_pass(pose, video: Path) -> float:
    """Frames per second of one pass over `video`, decoding included."""
    import cv2

    start = time.perf_counter()
    cap = cv2.VideoCapture(str(video))
    frames = 0
    while True:
        ok, bgr = cap.read()
        if not ok:
            break
        pose.process(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
        frames += 1
    cap.release()
    return frames / (time.perf_counter() - start)


def formcheck_pass(binary: Path, video: Path, model: str, threads: int) -> float:
    """Frames per second that `formcheck pose` reports for one run."""
    run = subprocess.run(
        [str(binary), "pose", str(video), "--model", model, "--threads", str(threads), "--out", "/dev/null"],
        capture_output=True, text=True, check=True,
    )
    found = FPS_LINE.findall(run.stderr)
    if not found:
        raise RuntimeError(f"no frames/s line from formcheck: {run.stderr}")
    return float(found[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--formcheck", type=Path, required=True, help="the formcheck binary")
    ap.add_argument("--video", type=Path, default=setup.PROJECT_ROOT / ".cache" / "samples" / "demo.mp4",
                    help="video to run on (default .cache/samples/demo.mp4)")
    ap.add_argument("--rounds", type=int, default=3, help="alternating rounds (default 3)")
    args = ap.parse_args()

    import mediapipe as mp

    setup.ensure_lite_model()
    version = setup.check_mediapipe_version()
    poses = {
        model: mp.solutions.pose.Pose(static_image_mode=False, model_complexity=complexity,
                                      smooth_landmarks=True, enable_segmentation=False,
                                      min_detection_confidence=0.5, min_tracking_confidence=0.5)
        for model, complexity in MODELS.items()
    }
    for model, pose in poses.items():  # warm-up
        mediapipe_pass(pose, args.video)

    load_before = os.getloadavg()[0]
    mediapipe = {model: [] for model in MODELS}
    formcheck = {f"{model}-{threads}": [] for model in MODELS for threads in (1, 2)}
    ratios = {key: [] for key in formcheck}
    for round_ in range(args.rounds):
        for model, pose in poses.items():
            mediapipe[model].append(mediapipe_pass(pose, args.video))
        for model in MODELS:
            for threads in (1, 2):
                key = f"{model}-{threads}"
                fps = formcheck_pass(args.formcheck, args.video, model, threads)
                formcheck[key].append(fps)
                ratios[key].append(fps / mediapipe[model][-1])
        print(f"round {round_ + 1}: MediaPipe {mediapipe}, formcheck {formcheck}", file=sys.stderr)
    for pose in poses.values():
        pose.close()

    def median(values):
        return round(statistics.median(values), 2)

    out = {
        "mediapipe": {model: {"fps": median(v), "fps_per_round": [round(x, 2) for x in v]}
                      for model, v in mediapipe.items()},
        "formcheck": {key: {"fps": median(v), "fps_per_round": [round(x, 2) for x in v],
                            "ratio": median(ratios[key])}
                      for key, v in formcheck.items()},
        "video": args.video.name,
        "rounds": args.rounds,
        "mediapipe_version": version,
        "cpu_count": os.cpu_count(),
        "loadavg_1m": [round(load_before, 2), round(os.getloadavg()[0], 2)],
    }
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
