#!/usr/bin/env python3
"""Renders the clips of studio/corpus.toml into samples/: each clip's video,
its ground truth (JSON Lines, one record per frame) and its line in
samples/manifest.json (parameters, seed, SHA-256 of both files).

    .cache/venv-studio/bin/python studio/render.py [NAME ...] [--jobs N] [--force] [--check]

A clip whose video is up to date but whose truth code changed gets its truth
rewritten from the posed body alone (no rendering).

A clip whose manifest entry matches its parameters and whose files match
their SHA-256 is skipped, so an interrupted run loses at most the clips in
progress. --check renders into a temporary folder and compares bytes with
the committed files instead of writing them.

Needs Debian's blender, ffmpeg, python3-numpy (numpy inside Blender's Python)
and xvfb (Blender's Workbench engine needs an OpenGL context): `make samples`
installs them.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

# One thread per process: clips render in parallel processes, and threaded
# BLAS in each of them slows posing down many times over on 2 cores.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from body import Body, Shape  # noqa: E402
from motion import Exercise, Poser, timeline  # noqa: E402
from scene import OUTFITS, body_materials, place_camera, room, sled_props  # noqa: E402
from truth import LandmarkMap, record  # noqa: E402

ROOT = HERE.parent
SAMPLES = ROOT / "samples"
CORPUS = HERE / "corpus.toml"
JOBS = ROOT / ".cache" / "studio" / "jobs"
STUDIO_VERSION = 1  # bump when a change to the studio changes its output
# The modules whose code decides a clip's pixels, and the one that decides its
# ground truth from the posed body (their hashes are in each entry: a change
# to the truth alone rewrites the truth files without rendering again).
VIDEO_MODULES = ("body", "skeleton", "motion", "scene", "render_blender")
TRUTH_MODULES = ("truth",)
# How the rendered frames become the clip (hashed with the video modules).
X264 = ["-c:v", "libx264", "-preset", "medium", "-crf", "20", "-pix_fmt", "yuv420p",
        "-x264-params", "threads=1", "-fflags", "+bitexact", "-flags:v", "+bitexact", "-map_metadata", "-1"]


def load_corpus() -> tuple[dict, list[dict]]:
    d = tomllib.loads(CORPUS.read_text())
    defaults = d.get("defaults", {})
    clips = []
    names = set()
    for c in d["clip"]:
        c = {**defaults, **c}
        if c["name"] in names:
            raise SystemExit(f"{CORPUS}: clip `{c['name']}` is listed twice")
        names.add(c["name"])
        clips.append(c)
    return d, clips


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def code_sha256(modules: tuple[str, ...], extra: list[str] | None = None) -> str:
    code = b"".join((HERE / f"{m}.py").read_bytes() for m in modules)
    return hashlib.sha256(code + json.dumps(extra or []).encode()).hexdigest()


def params_of(clip: dict, corpus: dict) -> dict:
    """Everything that determines a clip's bytes: its corpus entry, its body,
    the motion as rendered (poses, timing, placement and the faults the clip
    uses, not the rules named for them), the code that renders and encodes
    it and the code that writes its truth."""
    shape = corpus["body"][clip["body"]]
    ex = Exercise.load(clip["exercise"])
    motion = {
        "posture": ex.posture, "contacts": ex.contacts, "anchor": ex.anchor, "flat_feet": ex.flat_feet,
        "poses": ex.poses, "start": ex.start, "moves": ex.moves, "lead_in_s": ex.lead_in_s,
        "lead_out_s": ex.lead_out_s, "sled": ex.sled,
        "faults": {k: {"kind": f.kind, "unit": f.unit, "at": f.at, "size": f.default_size}
                   for k, f in ex.faults.items() if k in clip.get("faults", {})},
    }
    return {
        "clip": clip,
        "body": shape,
        "studio_version": STUDIO_VERSION,
        "motion_sha256": hashlib.sha256(json.dumps(motion, sort_keys=True).encode()).hexdigest(),
        "code_sha256": code_sha256(VIDEO_MODULES, X264),
        "truth_code_sha256": code_sha256(TRUTH_MODULES),
    }


@dataclass
class Staged:
    """A clip posed and framed: everything its video and its truth are made from."""
    ex: Exercise
    body: Body
    poser: Poser
    tl: object
    poses: list
    frames: np.ndarray
    cam: object
    fps: float
    reps: int


def stage(clip: dict, corpus: dict, preview: int = 0) -> Staged:
    """Poses the clip's body frame by frame and places its camera."""
    ex = Exercise.load(clip["exercise"])
    shape = Shape(**corpus["body"][clip["body"]]["shape"])
    body = Body(shape)
    poser = Poser(body, ex)
    fps = float(clip["fps"])
    reps = int(clip["reps"])
    tempo = clip.get("tempo", 1.0)
    tempo = [float(tempo)] * reps if not isinstance(tempo, list) else [float(x) for x in tempo]
    faults = {k: (list(v["reps"]), float(v.get("size", ex.faults[k].default_size))) for k, v in clip.get("faults", {}).items()}
    tl = timeline(ex, reps, fps, tempo, faults)
    yaw = float(clip.get("yaw", 0.0))

    poses, frames = [], []
    for a in tl.angles:
        posed = poser.place(a, yaw)
        poses.append(posed)
        frames.append(poser.skeleton.skin(posed))
    frames = np.array(frames, np.float32)
    if preview:
        frames = frames[::preview]
        poses = poses[::preview]
    width, height = clip["size"]
    cam = place_camera(cloud_of(body, frames), ex.posture, float(clip["azimuth"]), float(clip["camera_height"]),
                       int(width), int(height), float(clip["vfov"]), float(clip["fill"]))
    return Staged(ex, body, poser, tl, poses, frames, cam, fps, reps)


def cloud_of(body: Body, frames: np.ndarray) -> np.ndarray:
    """A sample of the body's skin over the clip, to frame the camera and the room."""
    body_ids = body.vertex_groups["body"]
    return frames[:: max(1, len(frames) // 40), body_ids].reshape(-1, 3)[::7].astype(np.float64)


def truth_lines(st: Staged) -> list[str]:
    """The clip's ground truth, one JSON line per frame."""
    lmap = LandmarkMap(st.body)
    lines = []
    side = None
    windows = [w.__dict__ for w in st.tl.fault_windows]
    camera = st.cam.describe()
    for i, posed in enumerate(st.poses):
        t = i / st.fps
        rep = next((r + 1 for r, (a, b) in enumerate(st.tl.rep_windows) if a <= t < b), None)
        active = [w["fault"] for w in windows if w["start_s"] <= t <= w["end_s"]]
        joints = lmap.joints(st.poser.skeleton, posed)
        rec, side = record(i, st.fps, st.cam, joints, posed, st.body, side, {
            "rep": rep,
            "faults_active": active,
            "camera": camera,
        })
        lines.append(json.dumps(rec, separators=(",", ":")))
    return lines


def rewrite_truth(clip: dict, corpus: dict, entry: dict) -> dict:
    """Writes the clip's truth again from its posed body, without rendering:
    for a change to the truth's code alone. Returns the updated entry."""
    t0 = time.time()
    truth = SAMPLES / entry["truth"]
    truth.write_text("\n".join(truth_lines(stage(clip, corpus))) + "\n")
    print(f"{clip['name']}: truth rewritten in {time.time() - t0:.1f} s")
    return entry | {"truth_sha256": sha256(truth), "params": params_of(clip, corpus)}


def render_clip(clip: dict, corpus: dict, out_dir: Path, log=print, preview: int = 0) -> dict | None:
    """Poses, renders and encodes one clip into out_dir; returns its manifest entry."""
    t0 = time.time()
    name = clip["name"]
    st = stage(clip, corpus, preview)
    ex, body, poser, tl, frames, cam, fps, reps = st.ex, st.body, st.poser, st.tl, st.frames, st.cam, st.fps, st.reps
    width, height = clip["size"]
    yaw = float(clip.get("yaw", 0.0))
    cloud = cloud_of(body, frames)
    rng = np.random.default_rng(int(clip["seed"]))
    props, room_mats, background = room(cam, cloud, clip["background"] == "cluttered", rng, ex.posture)
    materials, face_mats = body_materials(body, OUTFITS[clip["outfit"]], clip["skin"], clip["hair"])
    moving = []
    if ex.sled:
        rail = np.array(ex.sled["rail"], float)
        rail /= np.linalg.norm(rail)
        soles = np.concatenate([poser.sole_vertex_ids[s] for s in ("L", "R")])
        centres = []
        for f in frames:
            v = f[soles].astype(np.float64)
            along = (v @ rail).max()
            mid = v.mean(axis=0)
            centres.append(mid - rail * (mid @ rail) + rail * (along + 0.026))
        sprops, smats, moving = sled_props(ex.sled, np.array(centres), yaw)
        props += sprops
        room_mats += smats
    windows = [w.__dict__ for w in tl.fault_windows]
    lines = truth_lines(st)

    # Render.
    job = JOBS / name
    if job.exists():
        shutil.rmtree(job)
    job.mkdir(parents=True)
    np.save(job / "frames.npy", frames)
    np.savez(job / "body.npz", faces=np.concatenate(body.faces), face_sizes=np.array([len(f) for f in body.faces]),
             face_materials=face_mats)
    moving_specs = []
    for m in moving:
        np.save(job / f"{m['name']}.npy", m["poses"])
        moving_specs.append({k: v for k, v in m.items() if k != "poses"} | {"poses_file": f"{m['name']}.npy"})
    (job / "job.json").write_text(json.dumps({
        "width": int(width), "height": int(height), "antialiasing": "FXAA",
        "camera": {"matrix": cam.blender_matrix(), "focal_px": cam.focal_px},
        "materials": materials + room_mats, "body_materials": [m["name"] for m in materials],
        "props": props, "moving_props": moving_specs, "background": list(background),
    }))
    env = dict(os.environ, LP_NUM_THREADS="1")
    subprocess.run(
        ["xvfb-run", "-a", "blender", "-b", "--factory-startup", "--python-exit-code", "1",
         "-P", str(HERE / "render_blender.py"), "--", str(job)],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    if preview:
        sheet = out_dir / f"{name}.png"
        cols = 4
        rows = (len(frames) + cols - 1) // cols
        subprocess.run(["ffmpeg", "-y", "-loglevel", "error", "-i", str(job / "frames" / "%05d.png"),
                        "-vf", f"scale=320:-1,tile={cols}x{rows}", "-frames:v", "1", str(sheet)], check=True)
        log(f"{sheet}")
        return None
    video = out_dir / f"{name}.mp4"
    subprocess.run(
        ["ffmpeg", "-y", "-loglevel", "error", "-framerate", f"{fps:g}", "-i", str(job / "frames" / "%05d.png"),
         *X264, str(video)],
        check=True,
    )
    truth = out_dir / f"{name}.truth.jsonl"
    truth.write_text("\n".join(lines) + "\n")
    shutil.rmtree(job)
    entry = {
        "name": name,
        "video": video.name,
        "truth": truth.name,
        "video_sha256": sha256(video),
        "truth_sha256": sha256(truth),
        "frames": len(frames),
        "fps": fps,
        "width": int(width),
        "height": int(height),
        "exercise": ex.formcheck_exercise,
        "motion": clip["exercise"],
        "reps": reps,
        "rep_windows_s": [[round(a, 4), round(b, 4)] for a, b in tl.rep_windows],
        "fault_windows": windows,
        "seed": int(clip["seed"]),
        "body": {"name": clip["body"], **corpus["body"][clip["body"]]},
        "params": params_of(clip, corpus),
        "render_s": round(time.time() - t0, 1),
    }
    log(f"{name}: {len(frames)} frames in {entry['render_s']} s")
    return entry


def _worker(args):
    clip, corpus, out_dir = args
    return render_clip(clip, corpus, Path(out_dir))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("names", nargs="*", help="clips to render (default: all)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--force", action="store_true", help="render even when up to date")
    ap.add_argument("--check", action="store_true", help="render into a temporary folder and compare bytes")
    ap.add_argument("--preview", type=int, default=0, metavar="K",
                    help="render every K-th frame into a contact sheet in .cache/studio/preview")
    args = ap.parse_args()
    corpus, clips = load_corpus()
    if args.names:
        unknown = set(args.names) - {c["name"] for c in clips}
        if unknown:
            raise SystemExit(f"not in {CORPUS.name}: {', '.join(sorted(unknown))}")
        clips = [c for c in clips if c["name"] in args.names]
    if args.preview:
        for c in clips:
            render_clip(c, corpus, ROOT / ".cache" / "studio" / "preview", preview=args.preview)
        return
    manifest_path = SAMPLES / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {"clips": {}}

    if args.check:
        with tempfile.TemporaryDirectory() as tmp:
            with ProcessPoolExecutor(args.jobs) as pool:
                entries = list(pool.map(_worker, [(c, corpus, tmp) for c in clips]))
            bad = 0
            for e in entries:
                old = manifest["clips"].get(e["name"])
                for key in ("video_sha256", "truth_sha256"):
                    same = old is not None and old[key] == e[key]
                    print(f"{e['name']} {key.split('_')[0]}: {'identical' if same else 'DIFFERS'}")
                    bad += not same
            sys.exit(1 if bad else 0)

    def video_up_to_date(c: dict) -> bool:
        e = manifest["clips"].get(c["name"])
        if e is None or {**e["params"], "truth_code_sha256": None} != {**params_of(c, corpus), "truth_code_sha256": None}:
            return False
        return (SAMPLES / e["video"]).exists() and sha256(SAMPLES / e["video"]) == e["video_sha256"]

    def truth_up_to_date(c: dict) -> bool:
        e = manifest["clips"][c["name"]]
        return (e["params"] == params_of(c, corpus) and (SAMPLES / e["truth"]).exists()
                and sha256(SAMPLES / e["truth"]) == e["truth_sha256"])

    def save() -> None:
        manifest["clips"] = dict(sorted(manifest["clips"].items()))
        manifest_path.write_text(json.dumps(manifest, indent=1) + "\n")

    todo = [c for c in clips if args.force or not video_up_to_date(c)]
    retruth = [c for c in clips if c not in todo and not truth_up_to_date(c)]
    print(f"{len(todo)} of {len(clips)} clips to render, {len(retruth)} truths to rewrite")
    for c in retruth:
        manifest["clips"][c["name"]] = rewrite_truth(c, corpus, manifest["clips"][c["name"]])
        save()
    with ProcessPoolExecutor(args.jobs) as pool:
        for e in pool.map(_worker, [(c, corpus, str(SAMPLES)) for c in todo]):
            manifest["clips"][e["name"]] = e
            save()
    listed = {c["name"] for c in load_corpus()[1]}
    stale = set(manifest["clips"]) - listed
    for name in stale:
        print(f"{name}: no longer in the corpus; its files stay until removed by hand")


if __name__ == "__main__":
    main()
