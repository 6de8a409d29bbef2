#!/usr/bin/env python3
"""Contact sheets of the rendered corpus, to look at: one per exercise
(every clip of it, a row each, frames at the start, at each rep's peak and at
the end) into .cache/studio/sheets/, and one of the whole corpus (a row per
exercise from one clip with a fault) for docs/.

    .cache/venv-studio/bin/python studio/contact_sheet.py [--docs docs/rendered-corpus.png]
"""

from __future__ import annotations

import argparse
import json
import subprocess
from pathlib import Path

from PIL import Image, ImageDraw

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SAMPLES = ROOT / "samples"
THUMB = (256, 144)


def frame_at(video: Path, t: float) -> Image.Image:
    """One frame of `video` at `t` seconds, as a thumbnail."""
    out = subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-ss", f"{t:.3f}", "-i", str(video), "-frames:v", "1",
         "-f", "image2pipe", "-vcodec", "png", "-"],
        check=True, capture_output=True,
    ).stdout
    from io import BytesIO

    return Image.open(BytesIO(out)).convert("RGB").resize(THUMB, Image.LANCZOS)


def times_of(clip: dict, n: int) -> list[float]:
    """The start, the middle of each rep (its peak) and the end, up to n."""
    reps = [(a + b) / 2 for a, b in clip["rep_windows_s"]]
    end = clip["frames"] / clip["fps"] - 0.2
    return ([0.5] + reps + [end])[:n]


def row(clip: dict, n: int) -> list[tuple[Image.Image, str]]:
    out = []
    for t in times_of(clip, n):
        faults = [w["fault"] for w in clip["fault_windows"] if w["start_s"] <= t <= w["end_s"]]
        out.append((frame_at(SAMPLES / clip["video"], t), f"{t:.1f} s {' '.join(faults)}"))
    return out


def sheet(rows: list[tuple[str, list[tuple[Image.Image, str]]]], path: Path) -> None:
    cols = max(len(r) for _, r in rows)
    label_h = 16
    img = Image.new("RGB", (cols * THUMB[0], len(rows) * (THUMB[1] + label_h)), (255, 255, 255))
    draw = ImageDraw.Draw(img)
    for i, (title, cells) in enumerate(rows):
        y = i * (THUMB[1] + label_h)
        draw.text((4, y + 2), title, fill=(0, 0, 0))
        for j, (thumb, caption) in enumerate(cells):
            img.paste(thumb, (j * THUMB[0], y + label_h))
            draw.text((j * THUMB[0] + 4, y + label_h + 2), caption, fill=(255, 255, 0))
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path, optimize=True)
    print(path)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--docs", type=Path, default=None, help="also write the whole corpus's sheet here")
    args = ap.parse_args()
    clips = json.loads((SAMPLES / "manifest.json").read_text())["clips"]
    by_motion: dict[str, list[dict]] = {}
    for c in clips.values():
        by_motion.setdefault(c["motion"], []).append(c)
    for motion, cs in sorted(by_motion.items()):
        sheet([(c["name"], row(c, 5)) for c in cs], ROOT / ".cache/studio/sheets" / f"{motion}.png")
    if args.docs:
        rows = []
        for motion, cs in sorted(by_motion.items()):
            c = next((c for c in cs if c["fault_windows"]), cs[0])
            rows.append((c["name"], row(c, 4)))
        sheet(rows, args.docs)


if __name__ == "__main__":
    main()
