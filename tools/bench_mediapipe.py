#!/usr/bin/env python3
"""Measures MediaPipe Pose (Python solution, 0.10.14) video-mode speed, the
upstream baseline for formcheck's engine, plus this machine's single-core
float32 multiply-add rate.

    .cache/venv-mediapipe/bin/python tools/bench_mediapipe.py [--video PATH] [--passes N]

All frames of the video are decoded (cv2.VideoCapture) and converted BGR->RGB
before any timing. For lite and full: a fresh Pose(static_image_mode=False),
one warm-up pass over all frames, then N timed passes; each process() call is
timed with time.perf_counter. fps = median over passes of frames / total time;
latencies are the median and 95th percentile over all timed calls. The passes
run back to back on the same Pose, so tracking state carries over from the
last frame of one pass to the first of the next (as the warm-up does).
MediaPipe runs its TFLite models with XNNPACK on a single inference thread.
The output also says how many CPU cores other processes used meanwhile
(`other_processes_cpu_cores`): numbers taken on a busy machine are low.

Prints one JSON object on stdout.
"""

import os

# Single-threaded BLAS for the GMAC/s measurement: must precede `import numpy`.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

import mediapipe_setup as setup  # noqa: E402

MODELS = {"lite": 0, "full": 1}


def percentile(values, q: float) -> float:
    return float(np.percentile(np.asarray(values, dtype=np.float64), q))


def _busy_cpu_seconds():
    """Busy CPU seconds of the whole machine (Linux /proc/stat), or None."""
    try:
        with open("/proc/stat") as f:
            fields = [int(v) for v in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


class ForeignLoad:
    """Average number of CPU cores used by *other* processes over a block:
    machine busy time minus this process's CPU time, divided by wall time.
    Well above 0 means the timing competed for the CPU."""

    def __enter__(self):
        self.t0, self.busy0, self.own0 = time.perf_counter(), _busy_cpu_seconds(), sum(os.times()[:2])
        return self

    def __exit__(self, *exc):
        wall = time.perf_counter() - self.t0
        busy1, own1 = _busy_cpu_seconds(), sum(os.times()[:2])
        self.own_cores = (own1 - self.own0) / wall
        self.cores = None if busy1 is None else max(0.0, (busy1 - self.busy0 - (own1 - self.own0)) / wall)
        return False


def single_core_gmacs(n: int = 1024, runs: int = 20) -> float:
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    c = np.empty((n, n), dtype=np.float32)
    np.matmul(a, b, out=c)  # warm-up
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        np.matmul(a, b, out=c)
        times.append(time.perf_counter() - t0)
    return n**3 / statistics.median(times) / 1e9


def bench_model(model: str, frames, passes: int) -> dict:
    import mediapipe as mp

    with mp.solutions.pose.Pose(
        static_image_mode=False,
        model_complexity=MODELS[model],
        smooth_landmarks=True,
        enable_segmentation=False,
        min_detection_confidence=0.5,
        min_tracking_confidence=0.5,
    ) as pose:
        for rgb in frames:  # warm-up pass
            pose.process(rgb)
        fps, latencies = [], []
        found = 0
        with ForeignLoad() as load:
            for _ in range(passes):
                pass_times = []
                for rgb in frames:
                    t0 = time.perf_counter()
                    res = pose.process(rgb)
                    pass_times.append(time.perf_counter() - t0)
                    found += res.pose_landmarks is not None
                fps.append(len(frames) / sum(pass_times))
                latencies.extend(pass_times)
    return {
        "fps": round(statistics.median(fps), 2),
        "fps_per_pass": [round(f, 2) for f in fps],
        "latency_ms_p50": round(percentile(latencies, 50) * 1e3, 3),
        "latency_ms_p95": round(percentile(latencies, 95) * 1e3, 3),
        "frames_with_person_per_pass": found / passes,
        # CPU cores used on average during the timed passes by MediaPipe itself
        # (its graph runs calculators on worker threads) and by other processes.
        "own_cpu_cores": round(load.own_cores, 2),
        "other_processes_cpu_cores": None if load.cores is None else round(load.cores, 2),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--video", type=Path, default=setup.PROJECT_ROOT / ".cache" / "samples" / "demo.mp4",
                    help="video to run on (default .cache/samples/demo.mp4)")
    ap.add_argument("--passes", type=int, default=3, help="timed passes per model (default 3)")
    ap.add_argument("--models", default="lite,full", help="comma-separated subset of lite,full")
    args = ap.parse_args()

    import cv2

    setup.ensure_lite_model()
    version = setup.check_mediapipe_version()
    frames = [cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB) for _, bgr in setup.read_video_frames(args.video)]
    if not frames:
        print(f"no frames decoded from {args.video}", file=sys.stderr)
        return 1
    h, w = frames[0].shape[:2]

    load_before = os.getloadavg()[0]
    results = {}
    for model in args.models.split(","):
        results[model] = bench_model(model, frames, args.passes)
        print(f"{model}: {results[model]}", file=sys.stderr)

    out = {
        "mediapipe": results,
        "single_core_gmacs": round(single_core_gmacs(), 2),
        "frames": len(frames),
        "video": args.video.name,
        "resolution": [w, h],
        "passes": args.passes,
        "mediapipe_version": version,
        "numpy_version": np.__version__,
        "opencv_version": cv2.__version__,
        "cpu_count": os.cpu_count(),
        # 1-minute load average around the model runs: well above 1 means other
        # processes competed for the CPU and the numbers are low.
        "loadavg_1m": [round(load_before, 2), round(os.getloadavg()[0], 2)],
    }
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
