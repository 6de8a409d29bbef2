"""Ground truth of a rendered frame: the true joints in BlazePose's landmark
order, their projections, every angle formcheck measures computed from
them, and the spine's true angles read off the bones.

Each BlazePose landmark has a counterpart on the body: a rig joint (the
shoulder is the head of ``upperarm01``, the hip the head of ``upperleg01``,
the knee ``lowerleg01``, the ankle ``foot``, the wrist ``wrist``; pinky,
index and thumb the knuckles MediaPipe marks) or a mesh vertex (nose tip,
the front of each eye, eye corners, ears, mouth corners, heel, tip of the
longest toe), chosen once on the rest mesh by the rules in
``LandmarkMap``. A frame's record is also a formcheck landmark track line
(``frame``, ``t_ms``, ``width``, ``height``, ``landmarks``, ``world``), so
``formcheck analyze TRUTH.jsonl`` judges the true landmarks.

The metrics repeat formcheck's definitions (src/analysis/measure.rs) on the
true joints, written here independently so that a test can hold the two
against each other.
"""

from __future__ import annotations

import math

import numpy as np

from body import Body
from motion import part_vertices, sole_vertices
from scene import Camera
from skeleton import Posed, Skeleton

NAMES = [
    "nose", "left_eye_inner", "left_eye", "left_eye_outer", "right_eye_inner", "right_eye",
    "right_eye_outer", "left_ear", "right_ear", "mouth_left", "mouth_right", "left_shoulder",
    "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_pinky",
    "right_pinky", "left_index", "right_index", "left_thumb", "right_thumb", "left_hip", "right_hip",
    "left_knee", "right_knee", "left_ankle", "right_ankle", "left_heel", "right_heel",
    "left_foot_index", "right_foot_index",
]
J = {n: i for i, n in enumerate(NAMES)}

BONE_LANDMARKS = {
    "shoulder": "upperarm01", "elbow": "lowerarm01", "wrist": "wrist", "pinky": "finger5-1",
    "index": "finger2-1", "thumb": "finger1-3", "hip": "upperleg01", "knee": "lowerleg01", "ankle": "foot",
}


class LandmarkMap:
    """Which bone head or vertex stands for each landmark."""

    def __init__(self, body: Body):
        self.bone_of: dict[int, int] = {}
        self.vertex_of: dict[int, int] = {}
        for side, S in (("left", "L"), ("right", "R")):
            for lm, bone in BONE_LANDMARKS.items():
                self.bone_of[J[f"{side}_{lm}"]] = body.bone(f"{bone}.{S}")
            heel, toe = sole_vertices(body, S)
            self.vertex_of[J[f"{side}_heel"]] = heel
            self.vertex_of[J[f"{side}_foot_index"]] = toe
        rest = body.rest
        skin = body.vertex_groups["body"]
        eye_c = {s: body.heads[body.bone(f"eye.{s}")] for s in "LR"}
        eye_z = (eye_c["L"][2] + eye_c["R"][2]) / 2
        v = rest[skin]
        # Nose tip: the most forward point of the midline between eyes and mouth.
        mask = (np.abs(v[:, 0]) < 0.006) & (v[:, 2] < eye_z - 0.01) & (v[:, 2] > eye_z - 0.06)
        self.vertex_of[J["nose"]] = int(skin[np.where(mask)[0][v[mask, 1].argmin()]])
        for side, S, sx in (("left", "L", 1.0), ("right", "R", -1.0)):
            eyeball = body.vertex_groups[f"helper-{'l' if S == 'L' else 'r'}-eye"]
            self.vertex_of[J[f"{side}_eye"]] = int(eyeball[rest[eyeball, 1].argmin()])
            c = eye_c[S]
            near = (np.abs(v[:, 2] - c[2]) < 0.006) & (np.abs(v[:, 0] - c[0]) < 0.025) & (v[:, 1] < c[1])
            idx = np.where(near)[0]
            lateral = v[idx, 0] * sx
            self.vertex_of[J[f"{side}_eye_inner"]] = int(skin[idx[lateral.argmin()]])
            self.vertex_of[J[f"{side}_eye_outer"]] = int(skin[idx[lateral.argmax()]])
            head = (np.abs(v[:, 2] - (eye_z - 0.02)) < 0.02) & (v[:, 0] * sx > 0) & (np.abs(v[:, 1] - c[1]) < 0.1)
            idx = np.where(head)[0]
            self.vertex_of[J[f"{side}_ear"]] = int(skin[idx[(v[idx, 0] * sx).argmax()]])
        lips = np.unique(np.concatenate([f for f, m in zip(body.faces, _lip_faces(body)) if m]))
        self.vertex_of[J["mouth_left"]] = int(lips[rest[lips, 0].argmax()])
        self.vertex_of[J["mouth_right"]] = int(lips[rest[lips, 0].argmin()])
        self.vertices = np.array(sorted(set(self.vertex_of.values())))
        self.feet = part_vertices(body, "feet")

    def joints(self, skeleton: Skeleton, posed: Posed) -> np.ndarray:
        """The 33 true landmark positions in world coordinates."""
        out = np.zeros((33, 3))
        for j, b in self.bone_of.items():
            out[j] = posed.heads[b]
        skinned = skeleton.skin(posed, self.vertices)
        where = {v: i for i, v in enumerate(self.vertices)}
        for j, v in self.vertex_of.items():
            out[j] = skinned[where[v]]
        return out


def _lip_faces(body: Body) -> np.ndarray:
    from scene import _lips_mask

    return _lips_mask(body)


# ---- formcheck's measurements, on true joints -------------------------------

def _angle_at(a, b, c):
    u, v = a - b, c - b
    nu, nv = np.linalg.norm(u), np.linalg.norm(v)
    if nu < 1e-9 or nv < 1e-9:
        return None
    return math.degrees(math.acos(float(np.clip(u @ v / nu / nv, -1, 1))))


def _bend_above_line(a, mid, b):
    interior = _angle_at(a, mid, b)
    along = b - a
    if interior is None or abs(along[0]) < 1e-9:
        return None
    t = (mid[0] - a[0]) / along[0]
    line_y = a[1] + t * along[1]
    return (1.0 if mid[1] <= line_y else -1.0) * (180.0 - interior)


def _direction_from_up(frm, to):
    d = to - frm
    if np.linalg.norm(d) < 1e-9:
        return None
    return math.degrees(math.atan2(d[0], -d[1]))


def _elevation(frm, to):
    d = to - frm
    n = np.linalg.norm(d)
    if n < 1e-9:
        return None
    return math.degrees(math.asin(float(np.clip(-d[1] / n, -1, 1))))


def _line_tilt(a, b):
    d = b - a
    if np.linalg.norm(d) < 1e-9:
        return None
    deg = math.degrees(math.atan2(-d[1], d[0]))
    if deg > 90:
        deg -= 180
    elif deg <= -90:
        deg += 180
    return deg


def _twist_about(axis, a, b):
    n = axis / np.linalg.norm(axis)
    pa = a - n * (a @ n)
    pb = b - n * (b @ n)
    if np.linalg.norm(pa) < 1e-9 or np.linalg.norm(pb) < 1e-9:
        return None
    pa, pb = pa / np.linalg.norm(pa), pb / np.linalg.norm(pb)
    return math.degrees(math.atan2(n @ np.cross(pa, pb), pa @ pb))


def nearer_side(world: np.ndarray) -> str:
    """formcheck's choice of the side facing the camera (world z away from it)."""
    left = sum(world[J[f"left_{n}"], 2] for n in ("shoulder", "hip", "knee", "ankle"))
    right = sum(world[J[f"right_{n}"], 2] for n in ("shoulder", "hip", "knee", "ankle"))
    return "left" if left <= right else "right"


def metrics(px: np.ndarray, world: np.ndarray, side: str) -> dict[str, float | None]:
    """formcheck's 19 metrics from pixel positions and world landmarks."""
    p = lambda n: px[J[n]]  # noqa: E731
    s, h, k, a, heel, toe = (f"{side}_{n}" for n in ("shoulder", "hip", "knee", "ankle", "heel", "foot_index"))
    mid_sh = (p("left_shoulder") + p("right_shoulder")) / 2
    mid_hip = (p("left_hip") + p("right_hip")) / 2
    mid_ankle = (p("left_ankle") + p("right_ankle")) / 2
    m: dict[str, float | None] = {}
    d = _direction_from_up(mid_hip, mid_sh)
    m["trunk_direction"] = d
    m["trunk_from_vertical"] = None if d is None else abs(d)
    m["hip_angle"] = _angle_at(p(s), p(h), p(k))
    m["knee_angle"] = _angle_at(p(h), p(k), p(a))
    b = _bend_above_line(p(s), p(h), p(k))
    m["hip_extension"] = None if b is None else 180 + b
    m["body_line"] = _bend_above_line(p(s), p(h), p(a))
    left = _angle_at(p("left_hip"), p("left_knee"), p("left_ankle"))
    right = _angle_at(p("right_hip"), p("right_knee"), p("right_ankle"))
    m["knee_angle_left"], m["knee_angle_right"] = left, right
    m["knee_asymmetry"] = None if left is None or right is None else abs(left - right)
    m["pelvis_tilt"] = _line_tilt(p("left_hip"), p("right_hip"))
    m["shoulder_tilt"] = _line_tilt(p("left_shoulder"), p("right_shoulder"))
    w = lambda n: world[J[n]]  # noqa: E731
    axis = (w("left_shoulder") + w("right_shoulder")) / 2 - (w("left_hip") + w("right_hip")) / 2
    m["trunk_twist"] = _twist_about(axis, w("right_hip") - w("left_hip"), w("right_shoulder") - w("left_shoulder"))
    la, ra = p("left_ankle"), p("right_ankle")
    high, low = (("left", "right") if la[1] <= ra[1] else ("right", "left"))
    m["raised_leg_elevation"] = _elevation(p(f"{high}_hip"), p(f"{high}_ankle"))
    m["lowered_leg_elevation"] = _elevation(p(f"{low}_hip"), p(f"{low}_ankle"))
    trunk_len = np.linalg.norm(mid_sh - mid_hip)
    hip_w = np.linalg.norm(p("left_hip") - p("right_hip"))
    foot_len = np.linalg.norm(p(toe) - p(heel))
    ratio = lambda num, den: float(num / den) if den > 1e-9 else None  # noqa: E731
    m["hip_height"] = ratio(mid_ankle[1] - mid_hip[1], trunk_len)
    m["lateral_shift"] = ratio(mid_hip[0] - mid_ankle[0], hip_w)
    m["heel_rise"] = ratio(p(toe)[1] - p(heel)[1], foot_len)
    m["shoulder_width_ratio"] = ratio(np.linalg.norm(p("left_shoulder") - p("right_shoulder")), trunk_len)
    m["midline_bend"] = _bend_above_line(mid_sh, mid_hip, mid_ankle)
    return {k: (None if v is None else round(float(v), 3)) for k, v in m.items()}


# ---- the body's true angles, from the bones ---------------------------------

def anatomy(body: Body, posed: Posed, joints: np.ndarray, side: str) -> dict[str, float]:
    """Angles read off the skeleton, not the landmarks: the spine's bend and
    twist between pelvis and thorax, hips and knees in 3D, and the 3D
    versions of the plane angles formcheck measures."""
    g = posed.rotations
    pelvis = g[body.bone("root")]
    lumbar = pelvis.T @ g[body.bone("spine03")]
    spine = pelvis.T @ g[body.bone("spine01")]
    out: dict[str, float] = {}
    u = lumbar @ np.array([0.0, 0.0, 1.0])
    out["lumbar_flexion"] = math.degrees(math.atan2(-u[1], u[2]))
    u = spine @ np.array([0.0, 0.0, 1.0])
    out["spine_flexion"] = math.degrees(math.atan2(-u[1], u[2]))
    out["spine_side_bend"] = math.degrees(math.atan2(u[0], u[2]))
    v = spine @ np.array([1.0, 0.0, 0.0])
    out["spine_twist"] = math.degrees(math.atan2(v[1], v[0]))
    x = pelvis @ np.array([1.0, 0.0, 0.0])
    out["pelvis_obliquity"] = math.degrees(math.asin(float(np.clip(x[2], -1, 1))))
    up_axis = pelvis @ np.array([0.0, 0.0, 1.0])
    out["pelvis_from_vertical"] = math.degrees(math.acos(float(np.clip(up_axis[2], -1, 1))))
    P = lambda n: joints[J[n]]  # noqa: E731
    mid_sh = (P("left_shoulder") + P("right_shoulder")) / 2
    mid_hip = (P("left_hip") + P("right_hip")) / 2
    trunk = mid_sh - mid_hip
    out["trunk_from_vertical_3d"] = math.degrees(math.acos(float(np.clip(trunk[2] / np.linalg.norm(trunk), -1, 1))))
    for sd in ("left", "right"):
        out[f"hip_angle_3d_{sd}"] = _angle_at(P(f"{sd}_shoulder"), P(f"{sd}_hip"), P(f"{sd}_knee"))
        out[f"knee_angle_3d_{sd}"] = _angle_at(P(f"{sd}_hip"), P(f"{sd}_knee"), P(f"{sd}_ankle"))
    s = side
    out["hip_angle_3d"] = out[f"hip_angle_3d_{s}"]
    out["knee_angle_3d"] = out[f"knee_angle_3d_{s}"]
    # Bend of the hip out of the shoulder-ankle line, + towards the ceiling.
    sh, hp, an = P(f"{s}_shoulder"), P(f"{s}_hip"), P(f"{s}_ankle")
    interior = _angle_at(sh, hp, an)
    line = an - sh
    t = (hp - sh) @ line / (line @ line)
    off = hp - (sh + t * line)
    out["body_line_3d"] = (1.0 if off[2] >= 0 else -1.0) * (180.0 - interior)
    interior = _angle_at(sh, hp, P(f"{s}_knee"))
    line = P(f"{s}_knee") - sh
    t = (hp - sh) @ line / (line @ line)
    off = hp - (sh + t * line)
    out["hip_extension_3d"] = 180.0 + (1.0 if off[2] >= 0 else -1.0) * (180.0 - interior)
    return {k: round(float(v), 2) for k, v in out.items()}


def record(frame: int, fps: float, cam: Camera, joints: np.ndarray, posed: Posed, body: Body,
           side: str | None, extra: dict) -> tuple[dict, str]:
    """One line of ground truth (also a formcheck track record)."""
    px = cam.project(joints)
    cc = cam.to_camera(joints)
    hip_mid = (cc[J["left_hip"]] + cc[J["right_hip"]]) / 2
    world = cc - hip_mid
    if side is None:
        side = nearer_side(world)
    z_norm = (cc[:, 2] - hip_mid[2]) * cam.focal_px / hip_mid[2] / cam.width
    landmarks = []
    for j in range(33):
        u, v = px[j]
        inside = 0 <= u < cam.width and 0 <= v < cam.height and cc[j, 2] > 0
        landmarks.append({"x": round(u / cam.width, 5), "y": round(v / cam.height, 5), "z": round(float(z_norm[j]), 4),
                          "visibility": 1 if inside else 0})
    rec = {
        "frame": frame,
        "t_ms": round(frame * 1000.0 / fps, 3),
        "width": cam.width,
        "height": cam.height,
        "landmarks": landmarks,
        "world": [{"x": round(float(w[0]), 4), "y": round(float(w[1]), 4), "z": round(float(w[2]), 4)} for w in world],
        "joints_m": [[round(float(c), 4) for c in p] for p in joints],
        "side": side,
        "metrics": metrics(px, world, side),
        "anatomy": anatomy(body, posed, joints, side),
        **extra,
    }
    return rec, side
