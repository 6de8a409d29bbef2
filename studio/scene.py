"""What the camera sees besides the pose: the camera itself, the clothes and
skin painted on the body, the room behind it and the leg-press sled.

Everything is chosen from the clip's parameters and its seed, so the same
clip description always gives the same scene.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from body import Body

# The direction the body's front faces in each posture (world, horizontal):
# the camera at azimuth 0 looks at the body from there, azimuth 90 from the
# body's left (standing, lying) and so on round.
FRONT = {
    "standing": (0.0, -1.0),
    "supine": (0.0, -1.0),  # from the feet
    "prone": (0.0, -1.0),  # from the head
    "side_lying": (-1.0, 0.0),  # facing the body's front
    "seated": (0.0, -1.0),  # from the footplate
}

SKIN = {
    "light": (0.87, 0.67, 0.56),
    "medium": (0.72, 0.52, 0.38),
    "tan": (0.60, 0.42, 0.30),
    "dark": (0.36, 0.24, 0.17),
}

HAIR = {"black": (0.05, 0.04, 0.04), "brown": (0.25, 0.15, 0.08), "grey": (0.6, 0.6, 0.58), "blond": (0.75, 0.6, 0.35)}


@dataclass(frozen=True)
class Outfit:
    """Clothing colours and cut."""

    shirt: tuple[float, float, float]
    bottoms: tuple[float, float, float]
    shoes: tuple[float, float, float]
    long_sleeves: bool
    long_legs: bool


OUTFITS = {
    "navy_black": Outfit((0.12, 0.2, 0.5), (0.05, 0.05, 0.06), (0.9, 0.9, 0.9), False, False),
    "red_grey": Outfit((0.7, 0.12, 0.12), (0.35, 0.35, 0.38), (0.15, 0.15, 0.15), False, True),
    "green_navy": Outfit((0.2, 0.5, 0.3), (0.1, 0.12, 0.3), (0.85, 0.85, 0.8), True, True),
    "white_black": Outfit((0.88, 0.88, 0.86), (0.06, 0.06, 0.07), (0.2, 0.2, 0.25), False, True),
    "yellow_blue": Outfit((0.85, 0.7, 0.2), (0.15, 0.25, 0.55), (0.9, 0.9, 0.9), False, False),
}


@dataclass
class Camera:
    """A pinhole camera without distortion, principal point at the centre."""

    position: np.ndarray
    target: np.ndarray
    focal_px: float
    width: int
    height: int

    def axes(self) -> np.ndarray:
        """Rows: the camera's x (image right), y (image down), z (forward)."""
        fwd = self.target - self.position
        fwd = fwd / np.linalg.norm(fwd)
        right = np.cross(fwd, np.array([0.0, 0.0, 1.0]))
        right /= np.linalg.norm(right)
        down = np.cross(fwd, right)
        return np.stack([right, down, fwd])

    def to_camera(self, points: np.ndarray) -> np.ndarray:
        """World points in camera coordinates (x right, y down, z forward), metres."""
        return (points - self.position) @ self.axes().T

    def project(self, points: np.ndarray) -> np.ndarray:
        """World points to pixel coordinates (x right, y down, pixel edges at integers)."""
        c = self.to_camera(points)
        u = self.focal_px * c[..., 0] / c[..., 2] + self.width / 2
        v = self.focal_px * c[..., 1] / c[..., 2] + self.height / 2
        return np.stack([u, v], axis=-1)

    def blender_matrix(self) -> list[list[float]]:
        """Camera-to-world matrix in Blender's convention (looks down -z, y up)."""
        x, down, fwd = self.axes()
        m = np.eye(4)
        m[:3, 0] = x
        m[:3, 1] = -down
        m[:3, 2] = -fwd
        m[:3, 3] = self.position
        return m.tolist()

    def describe(self) -> dict:
        """For the ground truth: intrinsics and pose."""
        return {
            "width": self.width,
            "height": self.height,
            "focal_px": self.focal_px,
            "principal_point": [self.width / 2, self.height / 2],
            "position_m": self.position.round(4).tolist(),
            "target_m": self.target.round(4).tolist(),
            "rotation_world_to_camera": self.axes().round(6).tolist(),
        }


def place_camera(points: np.ndarray, posture: str, azimuth_deg: float, height_m: float,
                 width: int, height: int, vfov_deg: float, fill: float) -> Camera:
    """A camera at `azimuth_deg` round the body (0 in front, 90 at its left)
    and `height_m` above the floor, aimed at the middle of `points` (every
    body point over the clip) and far enough for them to fill `fill` of the
    frame."""
    f = np.array([*FRONT[posture], 0.0])
    a = math.radians(azimuth_deg)
    d = np.array([f[0] * math.cos(a) - f[1] * math.sin(a), f[0] * math.sin(a) + f[1] * math.cos(a), 0.0])
    lo, hi = points.min(axis=0), points.max(axis=0)
    centre = (lo + hi) / 2
    focal = height / 2 / math.tan(math.radians(vfov_deg) / 2)
    dist = 1.0
    for _ in range(60):
        cam = Camera(centre + d * dist + np.array([0, 0, height_m - centre[2]]), centre, focal, width, height)
        px = cam.project(points)
        ext = max((px[:, 0].max() - px[:, 0].min()) / width, (px[:, 1].max() - px[:, 1].min()) / height)
        ok = (cam.to_camera(points)[:, 2] > 0.3).all()
        if ok and ext < fill:
            # Too far: come closer; stop when within 2 %.
            if fill - ext < 0.02:
                break
            dist *= 0.97
        else:
            dist *= 1.05
    # Aim so the body's projected box is centred.
    px = cam.project(points)
    mid_px = (px.min(axis=0) + px.max(axis=0)) / 2
    axes = cam.axes()
    offset = ((mid_px[0] - width / 2) * axes[0] + (mid_px[1] - height / 2) * axes[1]) / focal
    z = (cam.to_camera(centre[None])[0, 2])
    cam.target = cam.target + offset * z
    return cam


def body_materials(body: Body, outfit: Outfit, skin: str, hair: str) -> tuple[list[dict], np.ndarray]:
    """Materials of the body and each face's material index: clothes by the
    bone that carries the face, hair on the scalp, irises, lips."""
    names = ["skin", "shirt", "bottoms", "shoes", "hair", "eye_white", "iris", "lips"]
    colours = [SKIN[skin], outfit.shirt, outfit.bottoms, outfit.shoes, HAIR[hair],
               (0.92, 0.92, 0.9), (0.12, 0.08, 0.05), tuple(0.8 * c for c in SKIN[skin][:1]) + (0.3, 0.3)]
    mats = [{"name": n, "color": list(c)} for n, c in zip(names, colours)]
    rest = body.rest
    eye_l = body.heads[body.bone("eye.L")]
    eye_z = eye_l[2]
    head_centre = body.heads[body.bone("head")]
    lips = _lips_mask(body)
    shirt = ("spine", "clavicle", "shoulder01", "breast", "upperarm")
    if outfit.long_sleeves:
        shirt += ("lowerarm",)
    bottoms = ("root", "pelvis", "upperleg")
    if outfit.long_legs:
        bottoms += ("lowerleg",)
    out = np.zeros(len(body.faces), np.int32)
    for i, (f, g) in enumerate(zip(body.faces, body.face_groups)):
        if g != "body":
            n = _face_normal(rest, f)
            out[i] = 6 if n[1] < -0.9 else 5
            continue
        bone = body.bones[np.bincount(body.dominant_bone[f]).argmax()]
        c = rest[f].mean(axis=0)
        if bone.startswith(shirt) and not (bone.startswith("spine01") and c[2] > body.heads[body.bone("neck01")][2]):
            out[i] = 1
        elif bone.startswith(bottoms):
            out[i] = 2
        elif bone.startswith(("foot", "toe")):
            out[i] = 3
        elif lips[i]:
            out[i] = 7
        elif bone in ("head",) or bone.startswith(("special", "temporalis", "oculi", "levator")):
            scalp = c[2] > eye_z + 0.045 or (c[2] > eye_z - 0.02 and c[1] > head_centre[1] + 0.01)
            out[i] = 4 if scalp else 0
    return mats, out


def _face_normal(rest: np.ndarray, f: list[int]) -> np.ndarray:
    p = rest[f]
    n = np.cross(p[1] - p[0], p[2] - p[0])
    return n / (np.linalg.norm(n) + 1e-12)


def _lips_mask(body: Body) -> np.ndarray:
    """Faces inside MakeHuman's lips texture mask."""
    from body import DATA
    import zlib  # noqa: F401  (the JPEG is read by Pillow)
    from PIL import Image

    mask = np.asarray(Image.open(DATA / "textures/mpfb_lips.jpg").convert("L"), np.float32) / 255
    h, w = mask.shape
    out = np.zeros(len(body.faces), bool)
    for i, fu in enumerate(body.face_uvs):
        uv = body.uvs[fu].mean(axis=0)
        x = min(w - 1, max(0, int(uv[0] * w)))
        y = min(h - 1, max(0, int((1 - uv[1]) * h)))
        out[i] = mask[y, x] > 0.5
    return out


def _matrix(position, yaw_deg: float = 0.0) -> list[list[float]]:
    c, s = math.cos(math.radians(yaw_deg)), math.sin(math.radians(yaw_deg))
    m = np.eye(4)
    m[:2, :2] = [[c, -s], [s, c]]
    m[:3, 3] = position
    return m.tolist()


def room(cam: Camera, body_points: np.ndarray, cluttered: bool, rng: np.random.Generator,
         posture: str) -> tuple[list[dict], list[dict], tuple[float, float, float]]:
    """Floor, back wall and (cluttered) furniture behind the body as seen
    from `cam`: props and their materials, and the background colour."""
    wall_col = [tuple(x) for x in ([0.86, 0.84, 0.78], [0.78, 0.82, 0.86], [0.9, 0.88, 0.86], [0.7, 0.74, 0.68])]
    floor_col = [tuple(x) for x in ([0.45, 0.33, 0.22], [0.55, 0.55, 0.55], [0.62, 0.5, 0.36], [0.3, 0.3, 0.33])]
    mats = [
        {"name": "floor", "color": list(floor_col[rng.integers(len(floor_col))])},
        {"name": "wall", "color": list(wall_col[rng.integers(len(wall_col))])},
    ]
    props = [{"kind": "box", "size": [40, 40, 0.02], "matrix": _matrix((0, 0, -0.01)), "material": "floor"}]
    lo, hi = body_points.min(axis=0), body_points.max(axis=0)
    centre = (lo + hi) / 2
    view = centre - cam.position
    view[2] = 0
    view /= np.linalg.norm(view)
    side = np.array([-view[1], view[0], 0.0])
    radius = np.linalg.norm((hi - lo)[:2]) / 2
    wall_dist = radius + 1.2 + rng.uniform(0, 0.8)
    wall_c = centre + view * wall_dist
    yaw = math.degrees(math.atan2(view[1], view[0]))
    props.append({"kind": "box", "size": [0.05, 30, 6], "matrix": _matrix((wall_c[0], wall_c[1], 3.0), yaw), "material": "wall"})
    if posture in ("supine", "prone", "side_lying"):
        mats.append({"name": "mat", "color": list([(0.2, 0.45, 0.6), (0.55, 0.2, 0.45), (0.25, 0.5, 0.3)][rng.integers(3)])})
        long_axis = np.array([0.0, 1.0, 0.0])
        ext = (hi - lo)[:2]
        props.append({"kind": "box", "size": [max(0.7, ext[0] + 0.2), max(1.9, ext[1] + 0.3), 0.006],
                      "matrix": _matrix((centre[0], centre[1], 0.003), 0.0 * long_axis[0]), "material": "mat"})
    if not cluttered:
        return props, mats, (0.8, 0.8, 0.8)
    palette = [(0.55, 0.35, 0.2), (0.3, 0.3, 0.32), (0.75, 0.7, 0.6), (0.2, 0.35, 0.25), (0.6, 0.15, 0.15),
               (0.15, 0.25, 0.45), (0.85, 0.85, 0.82), (0.4, 0.25, 0.45)]
    for i, c in enumerate(palette):
        mats.append({"name": f"prop{i}", "color": list(c)})

    def at_wall(offset_side: float, depth: float) -> np.ndarray:
        return wall_c - view * depth + side * offset_side

    spots = rng.permutation([-2.6, -1.8, -1.0, 1.0, 1.8, 2.6])
    kinds = ["sofa", "shelf", "plant", "chair", "door", "picture", "window", "box"]
    rng.shuffle(kinds)
    for k, s in zip(kinds[:6], spots):
        s = float(s) * (0.5 + radius / 2)
        m = f"prop{rng.integers(len(palette))}"
        if k == "sofa":
            p = at_wall(s, 0.5)
            props.append({"kind": "box", "size": [0.9, 1.8, 0.45], "matrix": _matrix((p[0], p[1], 0.225), yaw), "material": m})
            q = at_wall(s, 0.15)
            props.append({"kind": "box", "size": [0.25, 1.8, 0.85], "matrix": _matrix((q[0], q[1], 0.425), yaw), "material": m})
        elif k == "shelf":
            p = at_wall(s, 0.2)
            props.append({"kind": "box", "size": [0.35, 0.9, 1.8], "matrix": _matrix((p[0], p[1], 0.9), yaw), "material": m})
            for j in range(3):
                b = at_wall(s + rng.uniform(-0.3, 0.3), 0.25)
                props.append({"kind": "box", "size": [0.25, 0.2, 0.25], "matrix": _matrix((b[0], b[1], 0.45 + 0.5 * j + 0.15), yaw),
                              "material": f"prop{rng.integers(len(palette))}"})
        elif k == "plant":
            p = at_wall(s, 0.35)
            props.append({"kind": "cylinder", "radius": 0.18, "height": 0.4, "matrix": _matrix((p[0], p[1], 0.2)), "material": "prop1"})
            props.append({"kind": "cylinder", "radius": 0.3, "height": 0.7, "matrix": _matrix((p[0], p[1], 0.75)), "material": "prop3"})
        elif k == "chair":
            p = at_wall(s, 0.6)
            props.append({"kind": "box", "size": [0.45, 0.45, 0.05], "matrix": _matrix((p[0], p[1], 0.45), yaw), "material": m})
            q = at_wall(s, 0.4)
            props.append({"kind": "box", "size": [0.05, 0.45, 0.5], "matrix": _matrix((q[0], q[1], 0.7), yaw), "material": m})
            for dx in (-0.2, 0.2):
                for dy in (-0.2, 0.2):
                    leg = p + side * dx - view * dy
                    props.append({"kind": "box", "size": [0.04, 0.04, 0.45], "matrix": _matrix((leg[0], leg[1], 0.225), yaw), "material": m})
        elif k == "door":
            p = at_wall(s, 0.01)
            props.append({"kind": "box", "size": [0.04, 0.9, 2.05], "matrix": _matrix((p[0], p[1], 1.025), yaw), "material": m})
        elif k == "picture":
            p = at_wall(s, 0.01)
            props.append({"kind": "box", "size": [0.04, 0.8, 0.6], "matrix": _matrix((p[0], p[1], 1.6), yaw), "material": m})
        elif k == "window":
            p = at_wall(s, 0.01)
            props.append({"kind": "box", "size": [0.04, 1.2, 1.0], "matrix": _matrix((p[0], p[1], 1.5), yaw), "material": "prop6"})
        elif k == "box":
            p = at_wall(s, 0.4)
            props.append({"kind": "box", "size": [0.5, 0.6, 0.4], "matrix": _matrix((p[0], p[1], 0.2), yaw + 15), "material": m})
    return props, mats, (0.8, 0.8, 0.8)


def sled_props(sled: dict, plate_centres: np.ndarray, yaw_deg: float) -> tuple[list[dict], list[dict], list[dict]]:
    """A 45-degree leg press: seat, backrest, rails and frame (static) and the
    footplate, which follows the feet along the rail (one pose per frame)."""
    mats = [{"name": "sled_frame", "color": [0.25, 0.25, 0.28]}, {"name": "sled_pad", "color": [0.1, 0.1, 0.1]},
            {"name": "sled_plate", "color": [0.6, 0.6, 0.62]}]
    rail = np.array(sled["rail"], float)
    rail /= np.linalg.norm(rail)
    recline = math.radians(float(sled["recline_deg"]))
    hip = np.array(sled["hip_point"], float)
    yaw = math.radians(yaw_deg)
    rz = np.array([[math.cos(yaw), -math.sin(yaw), 0], [math.sin(yaw), math.cos(yaw), 0], [0, 0, 1]])

    def oriented(size, centre, tilt_deg):
        m = np.eye(4)
        t = math.radians(tilt_deg)
        rx = np.array([[1, 0, 0], [0, math.cos(t), -math.sin(t)], [0, math.sin(t), math.cos(t)]])
        m[:3, :3] = rz @ rx
        m[:3, 3] = rz @ np.asarray(centre, float)
        return {"kind": "box", "size": list(size), "matrix": m.tolist()}

    props = []
    # Backrest behind the trunk (the body reclines towards +y), seat under the pelvis.
    back_dir = np.array([0.0, math.sin(recline), math.cos(recline)])
    back_normal = np.array([0.0, math.cos(recline), -math.sin(recline)])
    back_c = hip + back_dir * 0.32 + back_normal * float(sled["pad_offset"])
    props.append({**oriented((0.5, 0.08, 0.75), back_c, -math.degrees(recline)), "material": "sled_pad"})
    seat_c = hip + np.array([0.0, 0.05, -float(sled["seat_below"])])
    props.append({**oriented((0.5, 0.45, 0.08), seat_c, 0.0), "material": "sled_pad"})
    props.append({**oriented((0.5, 0.5, seat_c[2] - 0.04), (0.0, seat_c[1], (seat_c[2] - 0.04) / 2), 0.0), "material": "sled_frame"})
    rail_angle = math.degrees(math.atan2(rail[2], rail[1]))
    # Rails run under the footplate, from behind it to well past it.
    up = np.array([0.0, -rail[2], rail[1]]) if rail[1] < 0 else np.array([0.0, rail[2], -rail[1]])
    if up[2] < 0:
        up = -up
    mid = plate_centres.mean(axis=0)
    travel = (plate_centres - mid) @ rail
    for x in (-0.3, 0.3):
        start = mid - up * 0.34 + rail * (travel.min() - 0.3) + np.array([x, 0.0, 0.0])
        end = mid - up * 0.34 + rail * (travel.max() + 0.9) + np.array([x, 0.0, 0.0])
        length = float(np.linalg.norm(end - start))
        props.append({**oriented((0.06, length, 0.06), rz.T @ ((start + end) / 2), rail_angle), "material": "sled_frame"})
    plates = []
    for c in plate_centres:
        m = np.eye(4)
        t = math.radians(rail_angle)
        rx = np.array([[1, 0, 0], [0, math.cos(t), -math.sin(t)], [0, math.sin(t), math.cos(t)]])
        m[:3, :3] = rz @ rx
        m[:3, 3] = c
        plates.append(m)
    moving = [{"name": "footplate", "kind": "box", "size": [0.75, 0.05, 0.6], "material": "sled_plate",
               "poses": np.array(plates)}]
    return props, mats, moving
