#!/usr/bin/env python3
"""Generates the upstream MediaPipe Pose reference outputs in tests/reference/.

Run from the project root inside the reference venv:

    python3 -m venv .cache/venv-mediapipe
    .cache/venv-mediapipe/bin/pip install -r tools/requirements-mediapipe.txt
    .cache/venv-mediapipe/bin/python tools/mediapipe_reference.py

Writes (model = lite | full):
  static_<model>.json  static_image_mode=True on astronaut.png, chelsea.png and
                       demo.mp4 frames 0, 10, ..., 220
  video_<model>.json   static_image_mode=False, one Pose fed every demo.mp4 frame
  footage_full.json    static mode, full model, 5 evenly spaced frames of each
                       ../shared/footage/*.mp4 clip (skipped when absent)

All paths default to project-relative locations; see --help.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import mediapipe_setup as setup

ROOT = setup.PROJECT_ROOT
MODELS = {"lite": 0, "full": 1}
STATIC_IMAGES = ["astronaut.png", "chelsea.png"]
STATIC_VIDEO_STEP = 10
STATIC_VIDEO_LAST = 220
FOOTAGE_FRAMES = 5


def f32(v: float) -> float:
    """Shortest decimal that round-trips to the same float32 (the protobuf
    fields are float32); json then writes it without extra digits."""
    import numpy as np

    return float(str(np.float32(v)))


def landmarks_json(results):
    if not results.pose_landmarks:
        return None, None
    lms = [
        {"x": f32(p.x), "y": f32(p.y), "z": f32(p.z), "visibility": f32(p.visibility)}
        for p in results.pose_landmarks.landmark
    ]
    world = None
    if results.pose_world_landmarks:
        world = [
            {"x": f32(p.x), "y": f32(p.y), "z": f32(p.z)}
            for p in results.pose_world_landmarks.landmark
        ]
    assert len(lms) == 33, len(lms)
    assert world is None or len(world) == 33
    return lms, world


POSE_PARAMS = dict(
    smooth_landmarks=True,
    enable_segmentation=False,
    min_detection_confidence=0.5,
    min_tracking_confidence=0.5,
)

# Extra graph outputs of pose_landmark_cpu recorded next to the landmarks, to
# help debugging a reimplementation stage by stage.
EXTRA_OUTPUTS = ["pose_detection", "pose_rect_from_detection", "pose_rect_from_landmarks"]


def make_pose(model: str, static: bool):
    """The stock mediapipe.solutions.pose.Pose."""
    import mediapipe as mp

    return mp.solutions.pose.Pose(
        static_image_mode=static, model_complexity=MODELS[model], **POSE_PARAMS)


def make_reference_pose(model: str, static: bool):
    """mediapipe.solutions.pose.Pose with the same graph, side packets and
    calculator options as the stock one (copied from Pose.__init__ of 0.10.14),
    that also observes EXTRA_OUTPUTS. Observing more streams does not change
    the computation; main() checks the landmarks against the stock Pose."""
    from mediapipe.python.solution_base import SolutionBase
    from mediapipe.python.solutions import pose as mp_pose

    class ReferencePose(mp_pose.Pose):
        def __init__(self, static_image_mode, model_complexity, smooth_landmarks,
                     enable_segmentation, min_detection_confidence, min_tracking_confidence):
            mp_pose._download_oss_pose_landmark_model(model_complexity)
            SolutionBase.__init__(
                self,
                binary_graph_path=mp_pose._BINARYPB_FILE_PATH,
                side_inputs={
                    "model_complexity": model_complexity,
                    "smooth_landmarks": smooth_landmarks and not static_image_mode,
                    "enable_segmentation": enable_segmentation,
                    "smooth_segmentation": not static_image_mode,  # Pose default smooth_segmentation=True
                    "use_prev_landmarks": not static_image_mode,
                },
                calculator_params={
                    "posedetectioncpu__TensorsToDetectionsCalculator.min_score_thresh":
                        min_detection_confidence,
                    "poselandmarkbyroicpu__tensorstoposelandmarksandsegmentation__ThresholdingCalculator.threshold":
                        min_tracking_confidence,
                },
                outputs=["pose_landmarks", "pose_world_landmarks", "segmentation_mask"] + EXTRA_OUTPUTS,
            )

    return ReferencePose(static_image_mode=static, model_complexity=MODELS[model], **POSE_PARAMS)


def detection_json(det):
    if det is None:
        return None
    loc = det.location_data
    box = loc.relative_bounding_box
    return {
        "score": f32(det.score[0]) if det.score else None,
        "box": [f32(box.xmin), f32(box.ymin), f32(box.width), f32(box.height)],
        "keypoints": [[f32(k.x), f32(k.y)] for k in loc.relative_keypoints],
    }


def rect_json(rect):
    if rect is None:
        return None
    return {"x_center": f32(rect.x_center), "y_center": f32(rect.y_center),
            "width": f32(rect.width), "height": f32(rect.height), "rotation": f32(rect.rotation)}


def frame_record(pose, source: str, index: int, bgr, extras: bool = True) -> dict:
    import cv2

    rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    results = pose.process(rgb)
    lms, world = landmarks_json(results)
    h, w = bgr.shape[:2]
    rec = {
        "source": source,
        "frame": index,
        "width": int(w),
        "height": int(h),
        "bgr_sha256": setup.bgr_sha256(bgr),
        "landmarks": lms,
        "world": world,
    }
    if extras:
        rec["detection"] = detection_json(results.pose_detection)
        rec["roi_from_detection"] = rect_json(results.pose_rect_from_detection)
        rec["roi_from_landmarks"] = rect_json(results.pose_rect_from_landmarks)
    return rec


CORE_KEYS = ("source", "frame", "width", "height", "bgr_sha256", "landmarks", "world")


def core(rec: dict) -> dict:
    return {k: rec[k] for k in CORE_KEYS}


def static_inputs(samples: Path):
    """(source, frame, bgr) for the static reference set."""
    import cv2

    for name in STATIC_IMAGES:
        bgr = cv2.imread(str(samples / name), cv2.IMREAD_COLOR)
        if bgr is None:
            raise RuntimeError(f"cannot read {samples / name}")
        yield name, 0, bgr
    wanted = set(range(0, STATIC_VIDEO_LAST + 1, STATIC_VIDEO_STEP))
    got = set()
    for index, bgr in setup.read_video_frames(samples / "demo.mp4", wanted):
        got.add(index)
        yield "demo.mp4", index, bgr
    if got != wanted:
        raise RuntimeError(f"demo.mp4: missing frames {sorted(wanted - got)}")


def footage_inputs(footage: Path):
    for clip in sorted(footage.glob("*.mp4")):
        count = sum(1 for _ in setup.read_video_frames(clip))
        # Centres of FOOTAGE_FRAMES equal segments (avoids fade-in/out ends).
        wanted = sorted({(2 * i + 1) * count // (2 * FOOTAGE_FRAMES) for i in range(FOOTAGE_FRAMES)})
        for index, bgr in setup.read_video_frames(clip, set(wanted)):
            yield clip.name, index, bgr


def run_static(model: str, inputs, verify_every: int = 0) -> list:
    """One static-mode Pose for the whole set (static mode keeps no state between
    images: no tracking, no smoothing). With verify_every=k, every k-th image is
    re-run on a fresh stock Pose and must give identical numbers."""
    pose = make_reference_pose(model, static=True)
    frames = []
    try:
        for n, (source, index, bgr) in enumerate(inputs):
            rec = frame_record(pose, source, index, bgr)
            if verify_every and n % verify_every == 0:
                with make_pose(model, static=True) as fresh:
                    again = frame_record(fresh, source, index, bgr, extras=False)
                if again != core(rec):
                    raise RuntimeError(f"static {model}: {source}#{index} differs on a fresh stock Pose")
            frames.append(rec)
            det = rec["detection"]
            print(f"  {model} static {source}#{index}: "
                  f"{'person' if rec['landmarks'] else 'none'}"
                  f" (detection score {det['score'] if det else None})", file=sys.stderr)
    finally:
        pose.close()
    return frames


def run_video(model: str, video: Path) -> list:
    frames = []
    with make_reference_pose(model, static=False) as pose:
        for index, bgr in setup.read_video_frames(video):
            frames.append(frame_record(pose, video.name, index, bgr))
    with make_pose(model, static=False) as stock:
        for index, bgr in setup.read_video_frames(video):
            if frame_record(stock, video.name, index, bgr, extras=False) != core(frames[index]):
                raise RuntimeError(f"video {model}: frame {index} differs from the stock Pose")
    found = sum(1 for f in frames if f["landmarks"])
    detector = sum(1 for f in frames if f["detection"] is not None)
    print(f"  {model} video {video.name}: {found}/{len(frames)} frames with a person, "
          f"detector found a person on {detector}", file=sys.stderr)
    return frames


def timestamp_step_us() -> int:
    """The per-process() increment of SolutionBase's simulated timestamp, read
    from the installed package (0.10.14: 33333, i.e. a simulated 30 fps)."""
    import re
    from mediapipe.python import solution_base

    src = Path(solution_base.__file__).read_text()
    steps = re.findall(r"self\._simulated_timestamp \+= (\d+)", src)
    if len(steps) != 1:
        raise RuntimeError("cannot find the simulated timestamp step in solution_base.py")
    return int(steps[0])


def write_json(path: Path, doc: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(doc, separators=(",", ":"))
    # One frame per line keeps diffs readable without bloating the file.
    text = text.replace(',{"source":', ',\n{"source":').replace('"frames":[{', '"frames":[\n{')
    path.write_text(text + "\n")
    print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}", file=sys.stderr)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--samples", type=Path, default=ROOT / ".cache" / "samples",
                    help="folder with demo.mp4, astronaut.png, chelsea.png (default .cache/samples)")
    ap.add_argument("--footage", type=Path, default=ROOT.parent / "shared" / "footage",
                    help="folder of exercise clips (default ../shared/footage)")
    ap.add_argument("--out", type=Path, default=ROOT / "tests" / "reference",
                    help="output folder (default tests/reference)")
    ap.add_argument("--only", choices=["static", "video", "footage"], action="append",
                    help="generate only these sets (repeatable; default all)")
    args = ap.parse_args()
    todo = set(args.only or ["static", "video", "footage"])

    setup.ensure_lite_model()
    version = setup.check_mediapipe_version()
    head = {"mediapipe_version": version}

    if "static" in todo:
        for model in MODELS:
            frames = run_static(model, static_inputs(args.samples), verify_every=5)
            write_json(args.out / f"static_{model}.json",
                       {**head, "model": model, "mode": "static", "frames": frames})
    if "video" in todo:
        step = timestamp_step_us()
        for model in MODELS:
            frames = run_video(model, args.samples / "demo.mp4")
            write_json(args.out / f"video_{model}.json",
                       {**head, "model": model, "mode": "video", "timestamp_step_us": step,
                        "first_timestamp_us": step, "frames": frames})
    if "footage" in todo:
        if not any(args.footage.glob("*.mp4")):
            print(f"no clips in {args.footage}: footage_full.json not written", file=sys.stderr)
        else:
            frames = run_static("full", footage_inputs(args.footage), verify_every=5)
            write_json(args.out / "footage_full.json",
                       {**head, "model": "full", "mode": "static", "frames": frames})
    return 0


if __name__ == "__main__":
    sys.exit(main())
