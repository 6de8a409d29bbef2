#!/usr/bin/env python3
"""Renders formcheck's spoken cues to WAV files with espeak-ng.

Every rule's `cue` in calibration/exercises/*.toml and every cue in
calibration/cues.toml is spoken by espeak-ng (Debian package `espeak-ng`)
into OUT (default .cache/cues/), one mono 16-bit WAV per cue text, and
OUT/index.json maps each text to its file: formcheck finds a cue's sound
there. Nothing recorded is shipped; the voice is espeak-ng's own.

Idempotent: when the index already holds every cue, rendered by the same
espeak-ng with the same voice and speed, it only checks and returns.
Standard library only (Python 3.11+ for tomllib).
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CALIBRATION = ROOT / "calibration"
# espeak-ng voice and speed (words per minute; its default is 175): a little
# slower than the default, for someone listening mid-exercise.
VOICE = "en"
SPEED_WPM = 160
INDEX = "index.json"


def cue_texts():
    """Every cue text, in a stable order, without repeats."""
    texts = []
    for path in sorted((CALIBRATION / "exercises").glob("*.toml")):
        with open(path, "rb") as f:
            exercise = tomllib.load(f)
        texts += [rule["cue"] for rule in exercise.get("rule", [])]
    with open(CALIBRATION / "cues.toml", "rb") as f:
        fixed = tomllib.load(f)
    texts += [v for v in fixed.values() if isinstance(v, str)]
    texts += [str(n) for n in fixed.get("reps", [])]
    texts += list(fixed.get("guide", {}).values())
    return list(dict.fromkeys(t.strip() for t in texts if t.strip()))


def file_name(text):
    """A readable file name for a cue text: `Can't see you` -> `can-t-see-you.wav`."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return f"{slug or 'cue'}.wav"


def espeak_version(espeak):
    out = subprocess.run([espeak, "--version"], capture_output=True, text=True, check=True)
    return out.stdout.strip()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / ".cache" / "cues")
    args = parser.parse_args()

    espeak = shutil.which("espeak-ng")
    if espeak is None:
        sys.exit("render_cues: espeak-ng is not installed: run `make setup`")
    texts = cue_texts()
    files = {t: file_name(t) for t in texts}
    clashes = {}
    for text, name in files.items():
        clashes.setdefault(name, []).append(text)
    clashes = [ts for ts in clashes.values() if len(ts) > 1]
    if clashes:
        sys.exit(f"render_cues: cue texts that differ only in punctuation or case: {clashes}")

    renderer = {"renderer": espeak_version(espeak), "voice": VOICE, "speed_wpm": SPEED_WPM}
    index_path = args.out / INDEX
    try:
        index = json.loads(index_path.read_text())
    except (OSError, ValueError):
        index = {}
    if (
        {k: index.get(k) for k in renderer} == renderer
        and index.get("cues") == files
        and all((args.out / name).is_file() for name in files.values())
    ):
        print(f"render_cues: {len(files)} cues up to date in {args.out}")
        return

    args.out.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    for text, name in files.items():
        part = args.out / (name + ".part")
        # The text goes in on stdin, so that no cue can be read as an option.
        subprocess.run(
            [espeak, "-v", VOICE, "-s", str(SPEED_WPM), "-w", str(part)],
            input=text.encode(),
            check=True,
        )
        os.replace(part, args.out / name)
    for stale in args.out.glob("*.wav"):
        if stale.name not in files.values():
            stale.unlink()
    part = args.out / (INDEX + ".part")
    part.write_text(json.dumps({**renderer, "cues": files}, indent=1, ensure_ascii=False) + "\n")
    os.replace(part, index_path)
    took = time.monotonic() - start
    print(f"render_cues: {len(files)} cues rendered to {args.out} in {took:.2f} s")


if __name__ == "__main__":
    main()
