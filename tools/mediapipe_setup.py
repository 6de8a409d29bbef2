"""Shared setup for the MediaPipe reference tools (run inside .cache/venv-mediapipe).

MediaPipe's Python `solutions.pose` ships only `pose_landmark_full.tflite`; with
model_complexity=0 it tries to download `pose_landmark_lite.tflite` from GitHub
at run time, which cannot work on a machine that only reaches package
registries. `ensure_lite_model()` puts the same file in place by hand, taken
from the npm package @mediapipe/pose (whose `pose_landmark_full.tflite` is
byte-identical to the one in the PyPI wheel), so the solution finds it and
never downloads.

Paths are relative to the project root (the parent of tools/) unless given.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

EXPECTED_MEDIAPIPE_VERSION = "0.10.14"
NPM_PACKAGE = "@mediapipe/pose"
NPM_VERSION = "0.5.1675469404"
LITE_NAME = "pose_landmark_lite.tflite"
LITE_SHA256 = "f17bfbecadb61c3be1baa8b8d851cc6619c870a87167b32848ad20db306b9d61"

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CACHE_DIR = PROJECT_ROOT / ".cache"
NPM_DIR = CACHE_DIR / "npm-mediapipe-pose"


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _log(msg: str) -> None:
    print(f"mediapipe_setup: {msg}", file=sys.stderr)


def npm_lite_model(npm_dir: Path = NPM_DIR) -> Path:
    """Returns the path of pose_landmark_lite.tflite from the npm package,
    running `npm pack` and extracting the tarball into npm_dir if needed."""
    npm_dir = Path(npm_dir)
    extracted = npm_dir / "package" / LITE_NAME
    if extracted.is_file() and sha256_file(extracted) == LITE_SHA256:
        return extracted
    npm_dir.mkdir(parents=True, exist_ok=True)
    tarball = npm_dir / f"mediapipe-pose-{NPM_VERSION}.tgz"
    if not tarball.is_file():
        _log(f"npm pack {NPM_PACKAGE}@{NPM_VERSION} into {npm_dir}")
        subprocess.run(
            ["npm", "pack", f"{NPM_PACKAGE}@{NPM_VERSION}", "--silent"],
            cwd=npm_dir,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    with tarfile.open(tarball, "r:gz") as tar:
        member = tar.getmember(f"package/{LITE_NAME}")
        src = tar.extractfile(member)
        assert src is not None
        extracted.parent.mkdir(parents=True, exist_ok=True)
        tmp = extracted.with_suffix(".part")
        with open(tmp, "wb") as out:
            shutil.copyfileobj(src, out)
        os.replace(tmp, extracted)
    digest = sha256_file(extracted)
    if digest != LITE_SHA256:
        raise RuntimeError(f"{extracted}: sha256 {digest}, expected {LITE_SHA256}")
    return extracted


def ensure_lite_model(npm_dir: Path = NPM_DIR) -> Path:
    """Makes sure <site-packages>/mediapipe/modules/pose_landmark/pose_landmark_lite.tflite
    exists (copying it from the npm package if missing). Returns its path."""
    import mediapipe  # noqa: F401  (imported here so the module can be used without it)

    dest = Path(mediapipe.__file__).resolve().parent / "modules" / "pose_landmark" / LITE_NAME
    if dest.is_file() and sha256_file(dest) == LITE_SHA256:
        return dest
    src = npm_lite_model(npm_dir)
    _log(f"installing {LITE_NAME} into the mediapipe package")
    tmp = dest.with_suffix(".part")
    shutil.copyfile(src, tmp)
    os.chmod(tmp, 0o644)
    os.replace(tmp, dest)
    return dest


def check_mediapipe_version() -> str:
    import mediapipe

    version = getattr(mediapipe, "__version__", "unknown")
    if version != EXPECTED_MEDIAPIPE_VERSION:
        _log(f"warning: mediapipe {version}, expected {EXPECTED_MEDIAPIPE_VERSION}")
    return version


def read_video_frames(path: Path, wanted=None):
    """Yields (index, bgr) for the frames of `path` decoded with cv2.VideoCapture by
    sequential reads (index = read count from 0). `wanted`: optional set of indices
    to yield (all frames are still decoded, so indices match sequential reads)."""
    import cv2

    cap = cv2.VideoCapture(str(path))
    if not cap.isOpened():
        raise RuntimeError(f"cannot open {path}")
    try:
        index = 0
        while True:
            ok, bgr = cap.read()
            if not ok:
                break
            if wanted is None or index in wanted:
                yield index, bgr
            index += 1
    finally:
        cap.release()


def video_info(path: Path) -> dict:
    import cv2

    cap = cv2.VideoCapture(str(path))
    try:
        return {
            "fps": cap.get(cv2.CAP_PROP_FPS),
            "frame_count_prop": int(cap.get(cv2.CAP_PROP_FRAME_COUNT)),
            "width": int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)),
            "height": int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)),
        }
    finally:
        cap.release()


def bgr_sha256(bgr) -> str:
    import numpy as np

    return hashlib.sha256(np.ascontiguousarray(bgr).tobytes()).hexdigest()


if __name__ == "__main__":
    print(ensure_lite_model())
    print("mediapipe", check_mediapipe_version())
