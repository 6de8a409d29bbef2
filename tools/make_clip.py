"""Writes a benchmark clip: the sample video resized to WIDTHxHEIGHT and
looped N times, at the sample's own frame rate (mp4v)."""

import argparse

import cv2


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--video", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--width", type=int, default=1280)
    p.add_argument("--height", type=int, default=720)
    p.add_argument("--loops", type=int, default=4)
    a = p.parse_args()
    frames = []
    cap = cv2.VideoCapture(a.video)
    fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        frames.append(cv2.resize(frame, (a.width, a.height), interpolation=cv2.INTER_AREA))
    if not frames:
        raise SystemExit(f"{a.video}: no frames")
    out = cv2.VideoWriter(a.out, cv2.VideoWriter_fourcc(*"mp4v"), fps, (a.width, a.height))
    for _ in range(a.loops):
        for frame in frames:
            out.write(frame)
    out.release()
    print(f"{a.out}: {len(frames) * a.loops} frames {a.width}x{a.height} at {fps:.2f} fps")


if __name__ == "__main__":
    main()
