"""Motions as data: an exercise file's poses, rep timing and faults, turned
into the body's joint angles at every frame and placed on the floor.

An exercise file (``studio/exercises/NAME.toml``) holds named poses (joint
angles in degrees, see ANGLES), a rep as a list of moves ``[pose, seconds]``
from the start pose, and named faults: angle offsets that grow with how far
the body is towards one pose (a fault "at the top" peaks at the top of each
rep it is applied to) or that hold for the whole rep. The body is placed by
its posture (standing, supine, prone, side-lying, seated) and contacts: two
sets of body parts brought to the floor by pitching the body about the
floor's lateral axis, then the whole body lowered onto the floor and held
where its anchor was on the first frame.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from body import Body
from skeleton import Posed, Skeleton, rot, rot_about

EXERCISES = Path(__file__).resolve().parent / "exercises"

# Joint angles of a pose, degrees. `_l`/`_r` are the body's left and right;
# a name without a side in a file sets both sides.
SIDED = [
    "hip_flex", "hip_abd", "hip_rot", "knee_flex", "ankle_dorsi",
    "shoulder_flex", "shoulder_abd", "shoulder_rot", "elbow_flex", "wrist_ext",
]
CENTRAL = [
    "pelvis_tilt",  # anterior tilt of the pelvis, about its lateral axis
    "pelvis_drop",  # the pelvis rolls to the body's right (right side lower)
    "pelvis_turn",  # the pelvis turns to the body's left about the long axis
    "lumbar_flex",  # flexion (+) / extension (-) spread over spine05-03
    "thoracic_flex",  # over spine02-01
    "trunk_twist",  # thorax turns left of the pelvis, spread over spine04-01
    "trunk_side",  # lateral flexion to the left, spread over spine05-01
    "neck_flex",  # over neck01-03
]
ANGLES = CENTRAL + [f"{n}_{s}" for n in SIDED for s in ("l", "r")]

LUMBAR = ("spine05", "spine04", "spine03")
THORACIC = ("spine02", "spine01")
TWIST = ("spine04", "spine03", "spine02", "spine01")
SIDE_BEND = ("spine05", "spine04", "spine03", "spine02", "spine01")
NECK = ("neck01", "neck02", "neck03")

# Posture: the rotation from the body's neutral standing frame to the world.
POSTURES = {
    "standing": np.eye(3),
    "supine": rot("x", -90.0),  # on the back, head towards +y
    "prone": rot("x", 90.0),  # face down, head towards -y
    "side_lying": rot("y", -90.0) @ rot("x", -90.0),  # on the right side, head +y, facing -x
    "seated": np.eye(3),
}


def expand(angles: dict[str, float]) -> dict[str, float]:
    """A pose from a file: unsided names set both sides; checks names."""
    out: dict[str, float] = {}
    for k, v in angles.items():
        if k in SIDED:
            out[f"{k}_l"] = out[f"{k}_r"] = float(v)
        elif k in ANGLES:
            out[k] = float(v)
        else:
            raise ValueError(f"unknown joint angle `{k}` (known: {', '.join(CENTRAL + SIDED)})")
    return out


@dataclass
class Fault:
    """A named fault: angle offsets per unit size, and where they apply."""

    name: str
    kind: str  # lumbar_flexion, lumbar_extension, trunk_twist, hip_sag, ...
    unit: dict[str, float]
    at: str | None  # the pose whose nearness scales the fault; None: whole rep
    default_size: float
    description: str
    flags: list[str]  # formcheck rules that should fire on it (in their view)
    cannot: str  # why formcheck cannot flag it, when `flags` is empty


@dataclass
class Exercise:
    """A motion file."""

    name: str
    formcheck_exercise: str | None
    posture: str
    contacts: list[str]
    anchor: str
    flat_feet: bool
    poses: dict[str, dict[str, float]]
    start: str
    moves: list[tuple[str, float]]
    lead_in_s: float
    lead_out_s: float
    faults: dict[str, Fault]
    sled: dict | None = None
    description: str = ""

    @staticmethod
    def load(name: str) -> "Exercise":
        path = EXERCISES / f"{name}.toml"
        d = tomllib.loads(path.read_text())
        poses = {k: expand(v) for k, v in d["pose"].items()}
        base = poses.get("base", {})
        poses = {k: {**base, **v} for k, v in poses.items()}
        faults = {}
        for k, f in d.get("fault", {}).items():
            faults[k] = Fault(
                name=k, kind=f["kind"], unit=expand(f["unit"]), at=f.get("at"),
                default_size=float(f.get("size", 1.0)), description=f.get("description", ""),
                flags=list(f["flags"]), cannot=f.get("cannot", ""),
            )
            if not faults[k].flags and not faults[k].cannot:
                raise ValueError(f"{path}: fault `{k}` names no flags and says not why (`cannot`)")
        rep = d["rep"]
        return Exercise(
            name=name, formcheck_exercise=d.get("formcheck_exercise"), posture=d["posture"],
            contacts=d.get("contacts", []), anchor=d.get("anchor", "feet"),
            flat_feet=d.get("flat_feet", False), poses=poses, start=rep["start"],
            moves=[(m[0], float(m[1])) for m in rep["moves"]], lead_in_s=float(rep.get("lead_in_s", 1.5)),
            lead_out_s=float(rep.get("lead_out_s", 1.0)), faults=faults, sled=d.get("sled"),
            description=d.get("description", ""),
        )


@dataclass
class FaultWindow:
    """Where a fault is applied in a clip (seconds), and its size."""

    fault: str
    kind: str
    rep: int
    size: float
    start_s: float  # the fault is non-zero from here...
    end_s: float  # ...to here
    peak_start_s: float  # at 90 % of its size or more from here...
    peak_end_s: float  # ...to here


@dataclass
class Timeline:
    """Joint angles per frame and what happened when."""

    angles: list[dict[str, float]]
    rep_windows: list[tuple[float, float]]  # start and end of each rep, s
    fault_windows: list[FaultWindow] = field(default_factory=list)


def _smooth(s: float) -> float:
    """Ease in and out (minimum-jerk profile)."""
    s = min(max(s, 0.0), 1.0)
    return s * s * s * (10 - 15 * s + 6 * s * s)


def timeline(ex: Exercise, reps: int, fps: float, tempo: list[float],
             faults: dict[str, tuple[list[int], float]]) -> Timeline:
    """Angles per frame for `reps` reps; `tempo[i]` scales the duration of
    rep i (0.5 is twice as fast); `faults` maps a fault name to the reps
    (1-based) it is applied to and its size."""
    segments: list[tuple[float, float, str, str, int]] = []  # t0, t1, from, to, rep
    t = ex.lead_in_s
    rep_windows = []
    for r in range(reps):
        start = t
        prev = ex.start
        for pose, secs in ex.moves:
            d = secs * tempo[r]
            segments.append((t, t + d, prev, pose, r + 1))
            t += d
            prev = pose
        rep_windows.append((start, t))
    total = t + ex.lead_out_s
    n = int(round(total * fps))
    angles = []
    weights: dict[str, list[float]] = {k: [] for k in faults}
    for i in range(n):
        ti = i / fps
        seg = next((s for s in segments if s[0] <= ti < s[1]), None)
        if seg is None:
            a = dict(ex.poses[ex.start])
            rep = 0
            nearness = {p: float(p == ex.start) for p in ex.poses}
        else:
            t0, t1, p, q, rep = seg
            s = _smooth((ti - t0) / (t1 - t0))
            pa, qa = ex.poses[p], ex.poses[q]
            a = {k: (1 - s) * pa.get(k, 0.0) + s * qa.get(k, 0.0) for k in set(pa) | set(qa)}
            nearness = {x: (1 - s) * (p == x) + s * (q == x) for x in ex.poses}
        for name, (fault_reps, size) in faults.items():
            f = ex.faults[name]
            w = 0.0
            if rep in fault_reps:
                w = nearness.get(f.at, 0.0) if f.at else 1.0
            weights[name].append(w)
            for k, v in f.unit.items():
                a[k] = a.get(k, 0.0) + w * size * v
        angles.append(a)
    windows = []
    for name, (fault_reps, size) in faults.items():
        w = np.array(weights[name])
        for r in fault_reps:
            lo, hi = rep_windows[r - 1]
            idx = [i for i in range(n) if lo <= i / fps < hi + 1e-9]
            on = [i for i in idx if w[i] > 1e-3]
            peak = [i for i in idx if w[i] >= 0.9]
            if on:
                windows.append(FaultWindow(
                    fault=name, kind=ex.faults[name].kind, rep=r, size=size,
                    start_s=on[0] / fps, end_s=on[-1] / fps,
                    peak_start_s=(peak[0] if peak else on[0]) / fps,
                    peak_end_s=(peak[-1] if peak else on[-1]) / fps,
                ))
    return Timeline(angles, rep_windows, windows)


# Body parts by the bones that carry them (name prefixes, sides by suffix).
PARTS = {
    "feet": ("foot", "toe"),
    "toes": ("toe",),
    "heels": ("foot",),
    "knees": ("lowerleg01",),
    "hands": ("wrist", "metacarpal", "finger"),
    "forearms": ("lowerarm01", "lowerarm02"),
    "upper_back": ("spine01", "spine02", "clavicle", "shoulder01"),
    "pelvis": ("root", "pelvis", "spine05"),
    "back": ("spine01", "spine02", "spine03", "spine04", "spine05", "root", "pelvis"),
    "head": ("head",),
}


def part_vertices(body: Body, part: str) -> np.ndarray:
    """Body vertices dominated by the bones of `part` ("feet", "feet.L"...)."""
    name, _, side = part.partition(".")
    prefixes = PARTS[name]
    idx = []
    body_ids = set(body.vertex_groups["body"].tolist())
    for v, b in enumerate(body.dominant_bone):
        bone = body.bones[b]
        if v in body_ids and bone.startswith(prefixes) and (not side or bone.endswith("." + side)):
            idx.append(v)
    return np.array(idx)


class Poser:
    """Turns joint angles into a placed, posed skeleton for one body."""

    def __init__(self, body: Body, ex: Exercise):
        self.body = body
        self.skeleton = Skeleton(body)
        self.ex = ex
        b = body.bone
        self.bones = {name: b(name) for name in body.bones}
        self.contacts = [part_vertices(body, c) for c in ex.contacts]
        self.anchor = part_vertices(body, ex.anchor)
        self.all_contacts = np.concatenate(self.contacts) if self.contacts else self.anchor
        self.sole = {s: sole_points(body, s) for s in ("L", "R")}
        self.sole_vertex_ids = {s: _sole_vertices(body, s) for s in ("L", "R")}
        self.anchor_xy: np.ndarray | None = None

    def local(self, a: dict[str, float]) -> dict[int, np.ndarray]:
        """Anatomical joint rotations per bone."""
        g = lambda k: a.get(k, 0.0)  # noqa: E731
        b = self.bones
        out: dict[int, np.ndarray] = {}
        for name in LUMBAR:
            out[b[name]] = rot("x", g("lumbar_flex") / len(LUMBAR))
        for name in THORACIC:
            out[b[name]] = rot("x", g("thoracic_flex") / len(THORACIC))
        for name in SIDE_BEND:
            out[b[name]] = rot("y", g("trunk_side") / len(SIDE_BEND)) @ out.get(b[name], np.eye(3))
        for name in TWIST:
            out[b[name]] = rot("z", g("trunk_twist") / len(TWIST)) @ out.get(b[name], np.eye(3))
        for name in NECK:
            out[b[name]] = rot("x", g("neck_flex") / len(NECK))
        for s, sign in (("l", -1.0), ("r", 1.0)):
            S = s.upper()
            out[b[f"upperleg01.{S}"]] = (
                rot("z", sign * g(f"hip_rot_{s}")) @ rot("y", sign * g(f"hip_abd_{s}")) @ rot("x", -g(f"hip_flex_{s}"))
            )
            out[b[f"lowerleg01.{S}"]] = rot("x", g(f"knee_flex_{s}"))
            out[b[f"foot.{S}"]] = rot("x", -g(f"ankle_dorsi_{s}"))
            out[b[f"upperarm01.{S}"]] = (
                rot("z", sign * g(f"shoulder_rot_{s}")) @ rot("y", sign * g(f"shoulder_abd_{s}"))
                @ rot("x", -g(f"shoulder_flex_{s}"))
            )
            out[b[f"lowerarm01.{S}"]] = rot("x", -g(f"elbow_flex_{s}"))
            out[b[f"wrist.{S}"]] = rot("x", g(f"wrist_ext_{s}"))
        return out

    def root_rotation(self, a: dict[str, float]) -> np.ndarray:
        """The pelvis in the body's neutral frame."""
        return rot("z", a.get("pelvis_turn", 0.0)) @ rot("y", -a.get("pelvis_drop", 0.0)) @ rot("x", a.get("pelvis_tilt", 0.0))

    def place(self, a: dict[str, float], yaw_deg: float = 0.0) -> Posed:
        """Poses the body with angles `a`, solves the contacts and the feet,
        and returns the posed skeleton in world coordinates."""
        a = dict(a)
        for _ in range(3 if self.ex.flat_feet else 1):
            posed = self._place_once(a, yaw_deg)
            if not self.ex.flat_feet:
                break
            for s in ("L", "R"):
                heel, toe = (self.skeleton.point(posed, self.bones[f"foot.{s}"], p) for p in self.sole[s])
                d = toe - heel
                normal = self._support_normal()
                elev = math.degrees(math.asin(np.clip(d @ normal / np.linalg.norm(d), -1, 1)))
                a[f"ankle_dorsi_{s.lower()}"] = a.get(f"ankle_dorsi_{s.lower()}", 0.0) - elev
        return posed

    def _support_normal(self) -> np.ndarray:
        if self.ex.sled:
            return -np.array(self.ex.sled["rail"], float) / np.linalg.norm(self.ex.sled["rail"])
        return np.array([0.0, 0.0, 1.0])

    def _place_once(self, a: dict[str, float], yaw_deg: float) -> Posed:
        sk = self.skeleton
        local = self.local(a)
        base = rot("z", yaw_deg) @ POSTURES[self.ex.posture]
        root_rot = self.root_rotation(a)
        origin = self.body.heads[0]

        def rigid(posed: Posed, pitch: float) -> Posed:
            """The whole body turned about the root's head (contacts solved)."""
            r = rot("z", yaw_deg) @ rot("x", pitch) @ rot("z", -yaw_deg)
            return Posed(r @ posed.rotations, (posed.heads - origin) @ r.T + origin)

        if self.ex.sled:
            sled = self.ex.sled
            recline = rot("x", -float(sled["recline_deg"]))
            posed = sk.pose(local, rot("z", yaw_deg) @ recline @ root_rot, origin)
            # Put the pelvis on the seat: the hip joints' midpoint at the seat point.
            hips = (posed.heads[self.bones["upperleg01.L"]] + posed.heads[self.bones["upperleg01.R"]]) / 2
            seat = rot("z", yaw_deg) @ np.array(sled["hip_point"], float)
            posed.heads += seat - hips
            return posed
        unpitched = sk.pose(local, base @ root_rot, origin)
        pitch = 0.0
        if len(self.contacts) == 2:
            pts = [sk.skin(unpitched, c) - origin for c in self.contacts]

            def gap(p: float) -> float:
                r = (rot("z", yaw_deg) @ rot("x", p) @ rot("z", -yaw_deg))[2]
                return float((pts[0] @ r).min() - (pts[1] @ r).min())

            lo, hi = -70.0, 70.0
            glo = gap(lo)
            for _ in range(30):
                mid = (lo + hi) / 2
                gm = gap(mid)
                if (gm > 0) == (glo > 0):
                    lo, glo = mid, gm
                else:
                    hi = mid
            pitch = (lo + hi) / 2
        posed = rigid(unpitched, pitch)
        zmin = sk.skin(posed, self.all_contacts)[:, 2].min()
        posed.heads[:, 2] -= zmin
        anchor = sk.skin(posed, self.anchor)[:, :2].mean(axis=0)
        if self.anchor_xy is None:
            self.anchor_xy = anchor
        posed.heads[:, :2] += self.anchor_xy - anchor
        return posed


def sole_points(body: Body, side: str) -> tuple[np.ndarray, np.ndarray]:
    """Rest positions of the heel's back-bottom and the tip of the longest
    toe of one foot: the heel and foot-index counterparts, and the sole line."""
    idx = part_vertices(body, f"feet.{side}")
    v = body.rest[idx]
    low = v[v[:, 2] < v[:, 2].min() + 0.025]
    heel = low[low[:, 1].argmax()]
    toe = v[v[:, 1].argmin()]
    return heel, toe


def _sole_vertices(body: Body, side: str) -> np.ndarray:
    """The vertices of the sole of one foot (within 2.5 cm of its lowest point at rest)."""
    idx = part_vertices(body, f"feet.{side}")
    z = body.rest[idx, 2]
    return idx[z < z.min() + 0.025]


def sole_vertices(body: Body, side: str) -> tuple[int, int]:
    """Vertex indices of the heel and toe tip (see sole_points)."""
    idx = part_vertices(body, f"feet.{side}")
    v = body.rest[idx]
    low = np.where(v[:, 2] < v[:, 2].min() + 0.025)[0]
    heel = idx[low[v[low, 1].argmax()]]
    toe = idx[v[:, 1].argmin()]
    return int(heel), int(toe)


__all__ = ["Exercise", "Timeline", "FaultWindow", "Poser", "timeline", "rot_about"]
