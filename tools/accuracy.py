#!/usr/bin/env python3
"""formcheck against the ground truth of the rendered corpus, and rendered
clips against real footage: writes ACCURACY.md.

    python3 tools/accuracy.py [--binary target/release/formcheck] [--model full]
                              [--footage ../shared/footage] [--out out/accuracy]

For every clip of samples/manifest.json it runs `formcheck analyze` on the
video (the pose model's landmarks) and on the clip's truth file (the true
landmarks, so that what the rules do is told apart from what the pose model
does), then compares:
  - every metric, in the views the exercise files judge it in, with the
    truth (the same metric on the projected true joints, and for the main
    angles the 3D angle of the true joints): bias, mean absolute error and
    95th percentile of the absolute error;
  - rep counts with the clip's reps;
  - flags with the fault windows: each fault caught by one of the rules its
    motion file names (when the clip's view is one those rules judge in),
    and every flag that starts outside the windows of the faults it stands
    for counted as false.
With --footage it also runs `formcheck pose` on the real clips of the same
exercises and compares landmark visibility, jitter and angle noise.
Standard library only.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import statistics
import subprocess
import sys
import tomllib
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
EXERCISES = ROOT / "calibration" / "exercises"
MOTIONS = ROOT / "studio" / "exercises"

# Instant flags (judged on a whole rep) are raised when the rep ends: a
# flag for a fault counts when it starts inside the fault's window or this
# long after it.
REP_FLAG_GRACE_S = 2.5
# A rep is "too fast" in a clip when its tempo scale is below this.
FAST_TEMPO = 0.7
# A flag that starts this long before a fault's window still catches it
# (the fault's onset is gradual).
EARLY_S = 0.2
# Metrics compared with the 3D angle of the true joints as well.
THREE_D = {
    "hip_angle": "hip_angle_3d",
    "knee_angle": "knee_angle_3d",
    "hip_extension": "hip_extension_3d",
    "body_line": "body_line_3d",
    "trunk_from_vertical": "trunk_from_vertical_3d",
}
WRAP = {"trunk_direction": 360.0, "pelvis_tilt": 180.0, "shoulder_tilt": 180.0}
MIN_VISIBILITY = 0.5


def view_of(azimuth: float) -> str:
    """The view formcheck's rules name, from the camera's azimuth."""
    a = abs((azimuth + 180) % 360 - 180)
    if a <= 20 or a >= 160:
        return "front"
    if 70 <= a <= 110:
        return "side"
    return "oblique"


def accepts(rule_view: str, view: str) -> bool:
    return rule_view == "any" or rule_view == view


def run(binary: Path, *args: str) -> None:
    out = subprocess.run([str(binary), *args], capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"formcheck {' '.join(args)} failed:\n{out.stderr}")


def events(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def flag_intervals(evs: list[dict]) -> list[tuple[str, float, float]]:
    """(rule, start s, end s) of every flag; instant flags last an instant."""
    open_at: dict[str, float] = {}
    out = []
    for e in evs:
        if e["event"] == "flag_start":
            open_at[e["rule"]] = e["t_ms"] / 1000
            if e.get("instant"):
                out.append((e["rule"], e["t_ms"] / 1000, e["t_ms"] / 1000))
        elif e["event"] == "flag_end" and e["rule"] in open_at:
            out.append((e["rule"], open_at.pop(e["rule"]), e["t_ms"] / 1000))
    out += [(r, t, math.inf) for r, t in open_at.items()]
    return sorted(out, key=lambda x: x[1])


def catches(window: dict, start: float, end: float) -> bool:
    """Whether a flag from `start` to `end` s falls in a fault's window: from
    EARLY_S before it to REP_FLAG_GRACE_S after it."""
    return window["start_s"] - EARLY_S <= end and start <= window["end_s"] + REP_FLAG_GRACE_S


def fault_windows(clip: dict, motion: dict) -> list[dict]:
    """A rendered clip's fault windows (its manifest entry's, with the kind,
    the rules that should flag each and why none can from the motion file),
    and a `too_fast` window over each rep whose tempo scale is below
    FAST_TEMPO."""
    windows = []
    for w in clip["fault_windows"]:
        f = motion["fault"][w["fault"]]
        windows.append({**w, "kind": f["kind"], "rules": f.get("flags", []), "cannot": f.get("cannot", "")})
    tempo = clip["params"]["clip"].get("tempo", 1.0)
    tempo = tempo if isinstance(tempo, list) else [tempo] * clip["reps"]
    for r, scale in enumerate(tempo):
        if scale < FAST_TEMPO:
            a, b = clip["rep_windows_s"][r]
            windows.append({"fault": "too_fast", "kind": "tempo", "rep": r + 1, "start_s": a, "end_s": b,
                            "rules": ["tempo_too_fast"], "cannot": ""})
    return windows


def diff(metric: str, a: float, b: float) -> float:
    d = a - b
    p = WRAP.get(metric)
    return d - p * round(d / p) if p else d


def stats(errors: list[float]) -> dict:
    if not errors:
        return {}
    absolute = sorted(abs(e) for e in errors)
    return {
        "n": len(errors),
        "bias": statistics.fmean(errors),
        "mae": statistics.fmean(absolute),
        "p95": absolute[min(len(absolute) - 1, int(0.95 * len(absolute)))],
    }


def judged_views(exercise: dict) -> dict[str, set[str]]:
    """metric -> views in which a rule of the exercise judges it."""
    out: dict[str, set[str]] = defaultdict(set)
    for r in exercise.get("rule", []) + exercise.get("rep_rule", []):
        v = r.get("view", exercise.get("view", "any"))
        out[r["metric"]] |= {"side", "front", "oblique"} if v == "any" else {v}
    for key in ("reps", "hold"):
        if key in exercise:
            v = exercise.get("view", "any")
            out[exercise[key]["metric"]] |= {"side", "front", "oblique"} if v == "any" else {v}
    return out


def evaluate_clip(clip: dict, binary: Path, model: str, out: Path) -> dict:
    name = clip["name"]
    motion = tomllib.loads((MOTIONS / f"{clip['motion']}.toml").read_text())
    azimuth = clip["params"]["clip"]["azimuth"]
    view = view_of(azimuth)
    exercise_name = clip["exercise"]
    exercise = tomllib.loads((EXERCISES / f"{exercise_name}.toml").read_text()) if exercise_name else None
    analysed_as = exercise_name or "squat"
    ev_video, met_video = out / f"{name}.events.jsonl", out / f"{name}.metrics.csv"
    ev_truth = out / f"{name}.truth-events.jsonl"
    run(binary, "analyze", str(SAMPLES / clip["video"]), "--exercise", analysed_as, "--model", model,
        "--events", str(ev_video), "--metrics", str(met_video))
    run(binary, "analyze", str(SAMPLES / clip["truth"]), "--exercise", analysed_as, "--events", str(ev_truth))

    truth = [json.loads(line) for line in (SAMPLES / clip["truth"]).read_text().splitlines()]
    rows = list(csv.DictReader(met_video.open()))
    errors2d: dict[str, list[float]] = defaultdict(list)
    errors3d: dict[str, list[float]] = defaultdict(list)
    for row, t in zip(rows, truth):
        for metric, true in t["metrics"].items():
            v, vis = row.get(metric), row.get(f"{metric}_visibility")
            if true is None or not v or float(vis) < MIN_VISIBILITY:
                continue
            errors2d[metric].append(diff(metric, float(v), true))
            if metric in THREE_D:
                errors3d[metric].append(diff(metric, float(v), t["anatomy"][THREE_D[metric]]))
    summaries = [e for e in events(ev_video) if e["event"] == "set_summary"]
    result = {
        "name": name,
        "motion": clip["motion"],
        "exercise": exercise_name,
        "view": view,
        "frames": clip["frames"],
        "frames_without_person": summaries[-1]["frames_without_person"] if summaries else None,
        "errors2d": errors2d,
        "errors3d": errors3d,
    }
    if not exercise:
        result["faults"] = [{"fault": w["fault"], "rep": w["rep"], "size": w["size"], "expected": [],
                             "cannot": motion["fault"][w["fault"]].get("cannot", ""),
                             "video": None, "truth": None} for w in clip["fault_windows"]]
        return result

    rule_view = {r["id"]: r.get("view", exercise.get("view", "any"))
                 for r in exercise.get("rule", []) + exercise.get("rep_rule", [])}
    rep_view = exercise.get("view", "any")
    windows = fault_windows(clip, motion)
    flags_of = {w["fault"]: w["rules"] for w in windows}
    for kind, path in (("video", ev_video), ("truth", ev_truth)):
        evs = events(path)
        flags = flag_intervals(evs)
        reps = sum(1 for e in evs if e["event"] == "rep")
        result[f"reps_{kind}"] = reps
        false_flags = []
        for rule, start, end in flags:
            ok = any(rule in flags_of[w["fault"]] and catches(w, start, end) for w in windows)
            if not ok:
                false_flags.append({"rule": rule, "start_s": round(start, 2), "end_s": round(end, 2)})
        result[f"false_flags_{kind}"] = false_flags
        result[f"flags_{kind}"] = [{"rule": r, "start_s": round(a, 2), "end_s": round(b, 2)} for r, a, b in flags]
    result["reps_expected"] = clip["reps"] if accepts(rep_view, view) and "reps" in exercise else None
    result["margins"] = margins(exercise, rows, windows, flags_of, view, clip["rep_windows_s"])
    faults = []
    for w in windows:
        names = flags_of[w["fault"]]
        expected = [f for f in names if accepts(rule_view.get(f, "any"), view)]
        entry = {"fault": w["fault"], "rep": w["rep"], "size": w.get("size"), "expected": expected,
                 "cannot": "" if expected else (motion.get("fault", {}).get(w["fault"], {}).get("cannot")
                                               or f"the rules for it ({', '.join(names)}) judge another view")}
        for kind in ("video", "truth"):
            hit = [f for f in result[f"flags_{kind}"] if f["rule"] in expected
                   and catches(w, f["start_s"], f["end_s"])]
            entry[kind] = bool(hit) if expected else None
        faults.append(entry)
    result["faults"] = faults
    return result


BASELINE_FRAMES = 15


def margins(exercise: dict, rows: list[dict], windows: list[dict], flags_of: dict, view: str,
            rep_windows: list[list[float]]) -> list[dict]:
    """For each frame rule judged in this view: how far the measured value
    stayed from its limit outside the windows of the faults it stands for
    (positive: on the right side), and how far past it it went inside them
    (positive: flagged). For the rep metric: how far each rep went past its
    start and turn thresholds (the shallowest rep)."""
    out = []
    t = [float(r["t_ms"]) / 1000 for r in rows]

    def series(metric):
        vals = []
        for r in rows:
            v, vis = r.get(metric), r.get(f"{metric}_visibility")
            vals.append(float(v) if v and float(vis) >= MIN_VISIBILITY else None)
        return vals

    for rule in exercise.get("rule", []):
        if not accepts(rule.get("view", exercise.get("view", "any")), view):
            continue
        vals = series(rule["metric"])
        base = 0.0
        if rule.get("relative_to") == "baseline":
            first = [v for v in vals if v is not None][:BASELINE_FRAMES]
            if not first:
                continue
            base = statistics.fmean(first)
        limit, fires = rule["limit"], rule["fires"]

        def past(v):  # how far past the limit (positive: the rule fires)
            d = diff(rule["metric"], v, base) if rule.get("relative_to") == "baseline" else v
            return {"above": d - limit, "below": limit - d, "beyond": abs(d) - limit}[fires]

        mine = [w for w in windows if rule["id"] in flags_of[w["fault"]]]
        inside = lambda ti: any(w["start_s"] - 0.2 <= ti <= w["end_s"] + 0.2 for w in mine)  # noqa: E731
        out_vals = [past(v) for v, ti in zip(vals, t) if v is not None and not inside(ti)]
        in_vals = [past(v) for v, ti in zip(vals, t) if v is not None and inside(ti)]
        out.append({"rule": rule["id"], "metric": rule["metric"], "limit": limit,
                    "clear_by": -max(out_vals) if out_vals else None,
                    "past_by": max(in_vals) if in_vals else None})
    for rule in exercise.get("rep_rule", []):
        if not accepts(rule.get("view", exercise.get("view", "any")), view):
            continue
        vals = series(rule["metric"])
        pick = max if rule["extreme"] == "highest" else min
        mine = [w for w in windows if rule["id"] in flags_of[w["fault"]]]
        clear, past = [], []
        for a, b in rep_windows:
            seg = [v for v, ti in zip(vals, t) if v is not None and a <= ti < b]
            if not seg:
                continue
            x = pick(seg)
            over = x - rule["limit"] if rule["fires"] == "above" else rule["limit"] - x
            faulty = any(a <= w["start_s"] < b for w in mine)
            (past if faulty else clear).append(over)
        out.append({"rule": rule["id"], "metric": rule["metric"], "limit": rule["limit"],
                    "clear_by": -max(clear) if clear else None, "past_by": min(past) if past else None})
    reps = exercise.get("reps")
    if reps and accepts(exercise.get("view", "any"), view):
        vals = series(reps["metric"])
        sign = 1.0 if reps["turn"] > reps["start"] else -1.0
        depth = [None if v is None else sign * v for v in vals]
        per_rep = []
        # Each rep: its deepest value must pass `turn`; between reps the
        # metric must come back past `start`.
        for w in rep_windows:
            seg = [d for d, ti in zip(depth, t) if d is not None and w[0] <= ti < w[1]]
            if seg:
                per_rep.append(max(seg) - sign * reps["turn"])
        rest = [d for d, ti in zip(depth, t) if d is not None and not any(a <= ti < b for a, b in rep_windows)]
        out.append({"rule": "reps", "metric": reps["metric"], "limit": reps["turn"],
                    "past_by": min(per_rep) if per_rep else None,
                    "clear_by": (sign * reps["start"] - min(rest)) if rest else None})
    return out


# ---- rendered clips against real footage -------------------------------------

NEAR = {"left": [11, 23, 25, 27], "right": [12, 24, 26, 28]}


def track_quality(track: Path) -> dict:
    """Visibility of the near side's shoulder, hip, knee and ankle, jitter of
    those landmarks (median absolute second difference, in torso lengths per
    frame) and noise of the near knee and hip angles (median absolute second
    difference, degrees)."""
    recs = [json.loads(line) for line in track.read_text().splitlines() if line.strip()]
    recs = [r for r in recs if r.get("landmarks")]
    if len(recs) < 5:
        return {}
    w, h = recs[0]["width"], recs[0]["height"]

    def px(r, j):
        lm = r["landmarks"][j]
        return lm["x"] * w, lm["y"] * h

    z = [sum(r["world"][j]["z"] for j in NEAR["left"]) - sum(r["world"][j]["z"] for j in NEAR["right"]) for r in recs]
    side = "left" if statistics.median(z) <= 0 else "right"
    joints = NEAR[side]
    vis = [r["landmarks"][j]["visibility"] for r in recs for j in joints]
    jitter, knee, hip = [], [], []

    def angle(a, b, c):
        u, v = (a[0] - b[0], a[1] - b[1]), (c[0] - b[0], c[1] - b[1])
        nu, nv = math.hypot(*u), math.hypot(*v)
        if nu < 1e-6 or nv < 1e-6:
            return None
        return math.degrees(math.acos(max(-1, min(1, (u[0] * v[0] + u[1] * v[1]) / nu / nv))))

    for a, b, c in zip(recs, recs[1:], recs[2:]):
        if not (a["frame"] + 1 == b["frame"] and b["frame"] + 1 == c["frame"]):
            continue
        sh, hp = px(b, joints[0]), px(b, joints[1])
        torso = math.hypot(sh[0] - hp[0], sh[1] - hp[1])
        if torso < 5:
            continue
        for j in joints:
            (ax, ay), (bx, by), (cx, cy) = px(a, j), px(b, j), px(c, j)
            jitter.append(math.hypot(ax - 2 * bx + cx, ay - 2 * by + cy) / torso)
        for store, (p, q, r) in ((knee, joints[1:4]), (hip, (joints[0], joints[1], joints[2]))):
            vals = [angle(px(f, p), px(f, q), px(f, r)) for f in (a, b, c)]
            if None not in vals:
                store.append(abs(vals[0] - 2 * vals[1] + vals[2]))
    med = lambda xs: statistics.median(xs) if xs else float("nan")  # noqa: E731
    return {"frames": len(recs), "visibility": statistics.fmean(vis), "low_visibility": sum(v < 0.5 for v in vis) / len(vis),
            "jitter": med(jitter), "knee_noise": med(knee), "hip_noise": med(hip)}


FOOTAGE_EXERCISES = {
    "glutebridge": "glute_bridge", "birddog": "bird_dog", "deadbug": "dead_bug", "plank": "plank",
    "sideplank": "side_plank", "squat": "squat", "legpress": "leg_press",
}


def gap_to_reality(binary: Path, model: str, footage: Path, out: Path, clips: dict) -> list[dict]:
    rows = []
    for video in sorted(footage.glob("*.mp4")):
        prefix = video.name.split("_")[0]
        exercise = FOOTAGE_EXERCISES.get(prefix)
        if not exercise:
            continue
        track = out / f"footage-{video.stem}.track.jsonl"
        run(binary, "pose", str(video), "--model", model, "--out", str(track))
        q = track_quality(track)
        if q:
            rows.append({"exercise": exercise, "source": "footage", "clip": video.name, **q})
    for name, clip in clips.items():
        if clip["exercise"] not in FOOTAGE_EXERCISES.values():
            continue
        track = out / f"{name}.track.jsonl"
        run(binary, "pose", str(SAMPLES / clip["video"]), "--model", model, "--out", str(track))
        q = track_quality(track)
        if q:
            rows.append({"exercise": clip["exercise"], "source": "rendered", "clip": name, **q})
    return rows


# ---- the report ------------------------------------------------------------------

def fmt(x, digits=1):
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}f}"


def write_report(results: list[dict], gap: list[dict], model: str, path: Path) -> None:
    lines = [
        "# Accuracy: formcheck against the ground truth of rendered exercise videos",
        "",
        "Written by `make accuracy` (`tools/accuracy.py`); do not edit by hand. The corpus, how it is",
        "made and what its truth holds: `studio/README.md`. Pose model: "
        f"**{model}**. Every figure below is",
        "measured on the committed clips by the release binary (`formcheck analyze`), frame by frame.",
        "",
    ]
    n_frames = sum(r["frames"] for r in results)
    missed = sum(r["frames_without_person"] or 0 for r in results)
    lines += [
        f"{len(results)} clips, {n_frames} frames; the pose model found the body in "
        f"{n_frames - missed} of them.",
    ]
    intro_end = len(lines)
    lines += [
        "",
        "## Angles and ratios",
        "",
        "Error = formcheck's value − the truth, over frames where formcheck saw the landmarks",
        f"(visibility ≥ {MIN_VISIBILITY}), in the views the exercise files judge each metric in. *Truth, plane*:",
        "the same measurement on the true joints projected by the true camera (what formcheck would",
        "read with perfect landmarks). *Truth, 3D*: the angle between the true joints in space (what",
        "the body actually did). Degrees, except the ratios (hip_height, lateral_shift, heel_rise,",
        "shoulder_width_ratio).",
        "",
        "| metric | exercise | view | frames | bias (plane) | MAE (plane) | P95 (plane) | bias (3D) | MAE (3D) | P95 (3D) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    # Each metric in the views its exercise judges it in (rules, reps, holds);
    # trunk_twist, which no rule uses yet, in every view.
    judged = {f.stem: judged_views(tomllib.loads(f.read_text())) for f in EXERCISES.glob("*.toml")}
    pooled2: dict[tuple[str, str, str], list[float]] = defaultdict(list)
    pooled3: dict[tuple[str, str, str], list[float]] = defaultdict(list)
    for r in results:
        if not r["exercise"]:
            continue
        for m, errs in r["errors2d"].items():
            if r["view"] in judged[r["exercise"]].get(m, set()) or m == "trunk_twist":
                pooled2[(m, r["exercise"], r["view"])] += errs
                pooled3[(m, r["exercise"], r["view"])] += r["errors3d"].get(m, [])
    ratios = ("hip_height", "lateral_shift", "heel_rise", "shoulder_width_ratio")
    for key in sorted(pooled2):
        s2, s3 = stats(pooled2[key]), stats(pooled3[key])
        digits = 3 if key[0] in ratios else 1
        lines.append(f"| {' | '.join(key)} | {s2['n']} | {fmt(s2['bias'], digits)} | {fmt(s2['mae'], digits)} | "
                     f"{fmt(s2['p95'], digits)} | {fmt(s3.get('bias'), digits)} | {fmt(s3.get('mae'), digits)} | "
                     f"{fmt(s3.get('p95'), digits)} |")
    verdict = ["", "## Against the targets", ""]
    over = [(k, stats(pooled2[k])["mae"]) for k in sorted(pooled2)
            if k[0] not in ratios and k[0] != "trunk_twist" and stats(pooled2[k])["mae"] > 5]
    verdict.append("- Each angle its exercise judges within 5° mean absolute error of the plane truth, in the views it is "
                   "judged in: " + ("yes." if not over else "no: " + "; ".join(
                       f"{m} in {ex} ({v}) {e:.1f}°" for (m, ex, v), e in over) + "."))
    wrong_reps = [r for r in results if r.get("reps_expected") is not None and r["reps_video"] != r["reps_expected"]]
    verdict.append("- Rep counts exact where the exercise's view is the camera's: "
                   + ("yes, on every clip." if not wrong_reps else "no: " + "; ".join(
                       f"{r['name']} {r['reps_video']} of {r['reps_expected']}" for r in wrong_reps) + "."))
    missed = [(r["name"], f["fault"]) for r in results for f in r["faults"] if f["video"] is False]
    verdict.append("- Every rendered fault a rule can judge from the clip's view flagged inside its window: "
                   + ("yes." if not missed else "no: " + "; ".join(f"{n} {f}" for n, f in missed) + "."))
    false: dict[tuple[str, str], int] = defaultdict(int)
    for r in results:
        for f in r.get("false_flags_video", []):
            false[(r["name"], f["rule"])] += 1
    verdict.append("- No flag outside the fault windows: "
                   + ("none raised." if not false else "flags raised outside them: " + "; ".join(
                       f"{n} {rule} ×{k}" for (n, rule), k in sorted(false.items())) + "."))
    cannot = sorted({(r["motion"], f["fault"], f["cannot"]) for r in results for f in r["faults"] if not f["expected"]})
    if cannot:
        verdict.append("- Faults no rule can flag from the clip's view, and why:")
        verdict += [f"  - {m} / {f}: {why}" for m, f, why in cannot]
    lines += [
        "",
        "Published figures for comparison: Pose2Sim (markerless, several cameras) 3–4° against motion",
        "capture; MediaPipe from a side camera, knee angle −2.3 ± 6.4° against motion capture.",
        "",
        "## Reps",
        "",
        "*True landmarks*: formcheck run on the clip's truth file instead of the video, to tell what",
        "the rules do from what the pose model does. It is a diagnosis, not a target: formcheck judges",
        "the camera's view from the shoulders' width in the image, and the true far shoulder of a body",
        "lying on the floor, seen from a raised camera, sits further from the near one than the pose",
        "model puts it, so on some clips the true landmarks read as an oblique view, where side rules",
        "and rep counts do not run.",
        "",
        "| clip | view | reps | counted (video) | counted (true landmarks) |",
        "|---|---|---|---|---|",
    ]
    for r in results:
        if "reps_video" not in r:
            continue
        exp = r["reps_expected"]
        lines.append(f"| {r['name']} | {r['view']} | {exp if exp is not None else 'not counted in this view'} | "
                     f"{r['reps_video']} | {r['reps_truth']} |")
    lines += [
        "",
        "## Faults and flags",
        "",
        "Each rendered fault, whether one of the rules its motion file names fired inside its window",
        f"(or up to {REP_FLAG_GRACE_S} s after it, for rules judged on a whole rep), on the video and on the",
        "true landmarks. A false flag is one that starts outside the windows of the faults it stands for.",
        "",
        "| clip | view | fault (rep, size) | rules | flagged (video) | flagged (true landmarks) |",
        "|---|---|---|---|---|---|",
    ]
    yes = lambda b: "–" if b is None else ("yes" if b else "**no**")  # noqa: E731
    for r in results:
        for f in r["faults"]:
            rules = ", ".join(f["expected"]) if f["expected"] else f"none: {f['cannot']}"
            size = f", {fmt(f['size'], 0)}°" if f.get("size") is not None else ""
            lines.append(f"| {r['name']} | {r['view']} | {f['fault']} (rep {f.get('rep')}{size}) | {rules} | "
                         f"{yes(f['video'])} | {yes(f['truth'])} |")
    lines += [
        "",
        "Margins on the video: for each rule judged in the clip's view, how far the measured value",
        "stayed on the right side of its limit outside the fault windows (*clear by*) and how far past",
        "it it went inside them (*past by*); for the rep count, how far the shallowest rep went past",
        "the turn threshold and how far the body came back past the start threshold between reps.",
        "Degrees (ratios for ratio metrics). A negative number is a wrong outcome or one on the edge.",
        "",
        "| clip | rule | metric | limit | clear by | past by |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        for m in r.get("margins", []):
            lines.append(f"| {r['name']} | {m['rule']} | {m['metric']} | {m['limit']} | {fmt(m['clear_by'])} | {fmt(m['past_by'])} |")
    lines += ["", "False flags:", "", "| clip | view | on the video | on the true landmarks |", "|---|---|---|---|"]
    any_false = False
    for r in results:
        fv, ft = r.get("false_flags_video", []), r.get("false_flags_truth", [])
        if fv or ft:
            any_false = True
            show = lambda fl: "; ".join(f"{f['rule']} {f['start_s']}–{f['end_s']} s" for f in fl) or "none"  # noqa: E731
            lines.append(f"| {r['name']} | {r['view']} | {show(fv)} | {show(ft)} |")
    if not any_false:
        lines.append("| (none) | | | |")
    if gap:
        lines += [
            "",
            "## The gap to reality",
            "",
            "The same exercises on real footage (`../shared/footage/`, not committed) and on the rendered",
            "clips, through the same pose model: mean visibility of the near side's shoulder, hip, knee",
            "and ankle (and the share of those below 0.5); jitter, the median frame-to-frame second",
            "difference of those landmarks in torso lengths (motion and noise together); noise of the near",
            "knee and hip angles, the median absolute second difference in degrees.",
            "",
            "| exercise | source | clips | frames | visibility | below 0.5 | jitter (‰ torso) | knee noise ° | hip noise ° |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
        for g in gap:
            groups[(g["exercise"], g["source"])].append(g)
        for (ex, src), gs in sorted(groups.items()):
            mean = lambda k: statistics.fmean(g[k] for g in gs if not math.isnan(g[k]))  # noqa: E731
            lines.append(f"| {ex} | {src} | {len(gs)} | {sum(g['frames'] for g in gs)} | {fmt(mean('visibility'), 2)} | "
                         f"{fmt(100 * mean('low_visibility'), 0)} % | {fmt(1000 * mean('jitter'), 1)} | {fmt(mean('knee_noise'), 2)} | "
                         f"{fmt(mean('hip_noise'), 2)} |")
        ratios_j, ratios_k = [], []
        for ex in sorted({ex for ex, _ in groups}):
            real, rendered = groups.get((ex, "footage")), groups.get((ex, "rendered"))
            if not real or not rendered:
                continue
            m = lambda gs, k: statistics.fmean(g[k] for g in gs)  # noqa: E731
            if m(rendered, "jitter") > 0:
                ratios_j.append(m(real, "jitter") / m(rendered, "jitter"))
            if m(rendered, "knee_noise") > 0:
                ratios_k.append(m(real, "knee_noise") / m(rendered, "knee_noise"))
        if ratios_j and ratios_k:
            lines += [
                "",
                f"Across these exercises the real clips jitter {statistics.median(ratios_j):.1f} times as much as the rendered",
                f"ones (median of the per-exercise ratios) and their knee angle is {statistics.median(ratios_k):.1f} times as noisy:",
                "the renders have no sensor noise, motion blur, loose clothing or hair, perfect light, and bodies",
                "that hold perfectly still, and the pose model sees their joints as well as a real person's",
                "(the same visibility) except where a real machine hides the body. Errors against the truth",
                "above are therefore a lower bound on what real footage gives: a rule that is on the edge on a",
                "render will be wrong on a real person.",
            ]
    lines[intro_end:intro_end] = verdict
    path.write_text("\n".join(lines) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", type=Path, default=ROOT / "target/release/formcheck")
    ap.add_argument("--model", default="full")
    ap.add_argument("--footage", type=Path, default=ROOT.parent / "shared" / "footage")
    ap.add_argument("--out", type=Path, default=ROOT / "out" / "accuracy")
    ap.add_argument("--report", type=Path, default=ROOT / "ACCURACY.md")
    ap.add_argument("--report-only", action="store_true",
                    help="rewrite the report from the last run's results in --out, running nothing")
    ap.add_argument("names", nargs="*")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    clips = json.loads((SAMPLES / "manifest.json").read_text())["clips"]
    if args.names:
        clips = {k: v for k, v in clips.items() if k in args.names}
    if args.report_only:
        results = json.loads((args.out / "results.json").read_text())
        gap = json.loads((args.out / "gap.json").read_text())
        write_report(results, gap, args.model, args.report)
        return
    results = []
    for name, clip in clips.items():
        print(f"{name}", file=sys.stderr)
        results.append(evaluate_clip(clip, args.binary, args.model, args.out))
    (args.out / "results.json").write_text(json.dumps(results, indent=1))
    gap = gap_to_reality(args.binary, args.model, args.footage, args.out, clips) if args.footage.is_dir() else []
    (args.out / "gap.json").write_text(json.dumps(gap, indent=1))
    if not args.names:
        write_report(results, gap, args.model, args.report)
        print(f"wrote {args.report}", file=sys.stderr)


if __name__ == "__main__":
    main()
