"""Forward kinematics and linear-blend skinning of the MakeHuman rig.

Joint rotations are given in *anatomical* terms about the axes of a neutral
standing pose (arms hanging a little away from the body, legs straight),
which MakeHuman's A-pose is first swung into. In that neutral pose the
studio's axes are every segment's anatomical axes: x lateral (towards the
body's left), y posterior, z up. A bone's posed rotation is

    G_b = G'_b N_b,   G'_b = G'_parent A_b

where N_b swings the bone from rest to neutral and A_b is the anatomical
rotation of its joint; a bone's head moves with its parent,
``h'_b = h'_p + G_p (h_b - h_p)``, and a vertex is skinned as
``sum_b w_vb (G_b (v - h_b) + h'_b)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from body import Body

# Neutral directions (studio frame, unit) of the bones that MakeHuman's rest
# pose holds elsewhere: the arms hang 8 degrees out from the body, the legs
# straight down 2 degrees apart. A bone not listed keeps its parent's swing.
ARM_OUT_DEG = 8.0
LEG_OUT_DEG = 2.0


def rot(axis: str, deg: float) -> np.ndarray:
    """Rotation by `deg` degrees about the studio axis 'x', 'y' or 'z'."""
    c, s = np.cos(np.radians(deg)), np.sin(np.radians(deg))
    if axis == "x":
        return np.array([[1, 0, 0], [0, c, -s], [0, s, c]])
    if axis == "y":
        return np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])


def rot_about(axis: np.ndarray, deg: float) -> np.ndarray:
    """Rotation by `deg` degrees about a unit vector (Rodrigues)."""
    a = axis / np.linalg.norm(axis)
    k = np.array([[0, -a[2], a[1]], [a[2], 0, -a[0]], [-a[1], a[0], 0]])
    t = np.radians(deg)
    return np.eye(3) + np.sin(t) * k + (1 - np.cos(t)) * (k @ k)


def swing(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """The smallest rotation taking direction `src` onto direction `dst`."""
    a = src / np.linalg.norm(src)
    b = dst / np.linalg.norm(dst)
    axis = np.cross(a, b)
    s = np.linalg.norm(axis)
    if s < 1e-9:
        return np.eye(3)
    return rot_about(axis, np.degrees(np.arctan2(s, a @ b)))


@dataclass
class Posed:
    """A posed skeleton: each bone's rotation from rest and its head."""

    rotations: np.ndarray  # (bones, 3, 3)
    heads: np.ndarray  # (bones, 3)


class Skeleton:
    """The rig of one body, with its neutral pose."""

    def __init__(self, body: Body):
        self.body = body
        n = len(body.bones)
        self.neutral = np.repeat(np.eye(3)[None], n, axis=0)
        h = body.heads
        b = body.bone
        out_arm, out_leg = np.radians(ARM_OUT_DEG), np.radians(LEG_OUT_DEG)
        targets = {}
        for side, sx in (("L", 1.0), ("R", -1.0)):
            arm = np.array([sx * np.sin(out_arm), 0.0, -np.cos(out_arm)])
            leg = np.array([sx * np.sin(out_leg), 0.0, -np.cos(out_leg)])
            targets[f"upperarm01.{side}"] = (h[b(f"lowerarm01.{side}")] - h[b(f"upperarm01.{side}")], arm)
            targets[f"lowerarm01.{side}"] = (h[b(f"wrist.{side}")] - h[b(f"lowerarm01.{side}")], arm)
            targets[f"wrist.{side}"] = (h[b(f"finger3-1.{side}")] - h[b(f"wrist.{side}")], arm)
            targets[f"upperleg01.{side}"] = (h[b(f"lowerleg01.{side}")] - h[b(f"upperleg01.{side}")], leg)
            targets[f"lowerleg01.{side}"] = (h[b(f"foot.{side}")] - h[b(f"lowerleg01.{side}")], leg)
        for i, name in enumerate(body.bones):
            p = body.parent[i]
            if name in targets:
                src, dst = targets[name]
                self.neutral[i] = swing(src, dst)
            elif p >= 0:
                self.neutral[i] = self.neutral[p]

    def pose(self, local: dict[int, np.ndarray], root_rotation: np.ndarray, root_head: np.ndarray) -> Posed:
        """Poses the skeleton: `local` maps bone indices to anatomical
        rotations (identity where absent); the root bone is rotated by
        `root_rotation` (in the neutral frame) and its head put at
        `root_head`."""
        body = self.body
        n = len(body.bones)
        g_anat = np.empty((n, 3, 3))
        g = np.empty((n, 3, 3))
        heads = np.empty((n, 3))
        eye = np.eye(3)
        for i in range(n):
            p = body.parent[i]
            a = local.get(i, eye)
            if p < 0:
                g_anat[i] = root_rotation @ a
                heads[i] = root_head
            else:
                g_anat[i] = g_anat[p] @ a
                heads[i] = heads[p] + g[p] @ (body.heads[i] - body.heads[p])
            g[i] = g_anat[i] @ self.neutral[i]
        return Posed(g, heads)

    def skin(self, posed: Posed, vertices: np.ndarray | None = None) -> np.ndarray:
        """Skinned positions of all vertices, or of the given vertex indices."""
        body = self.body
        idx = slice(None) if vertices is None else vertices
        m = np.empty((len(body.bones), 3, 4))
        m[:, :, :3] = posed.rotations
        m[:, :, 3] = posed.heads - np.einsum("bij,bj->bi", posed.rotations, body.heads)
        blend = (body.weights[idx] @ m.reshape(len(body.bones), 12).astype(np.float32)).reshape(-1, 3, 4)
        rest = body.rest[idx].astype(np.float32)
        return np.einsum("vij,vj->vi", blend[:, :, :3], rest) + blend[:, :, 3]

    def point(self, posed: Posed, bone: int, rest_point: np.ndarray) -> np.ndarray:
        """Where a rest-pose point rigidly attached to `bone` goes."""
        return posed.heads[bone] + posed.rotations[bone] @ (rest_point - self.body.heads[bone])
