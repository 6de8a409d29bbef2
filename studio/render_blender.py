"""Renders a posed clip inside Blender (Workbench engine, headless).

Run by ``studio/render.py`` as

    blender -b --factory-startup --python-exit-code 1 -P studio/render_blender.py -- JOB_DIR

``JOB_DIR/job.json`` describes the scene (image size, camera, materials,
static props) and names numpy files: the body's faces and per-face material
indices, the skinned vertices of every frame, and per-frame poses of moving
props. Frames are written as PNG files into ``JOB_DIR/frames``. The scene
is built once and only the vertices change between frames, so one Blender
process renders a whole clip (start-up costs 2-3 s).
"""

import json
import math
import sys
from pathlib import Path

import bpy
import numpy as np
from mathutils import Matrix


def material(name, rgb):
    m = bpy.data.materials.new(name)
    m.diffuse_color = (*rgb, 1.0)
    return m


def add_mesh(name, verts, faces, mats, face_mats=None, smooth=False):
    mesh = bpy.data.meshes.new(name)
    mesh.from_pydata([tuple(v) for v in verts], [], [tuple(f) for f in faces])
    mesh.update()
    for m in mats:
        mesh.materials.append(m)
    if face_mats is not None:
        mesh.polygons.foreach_set("material_index", np.asarray(face_mats, np.int32))
    if smooth:
        mesh.polygons.foreach_set("use_smooth", np.ones(len(mesh.polygons), bool))
    obj = bpy.data.objects.new(name, mesh)
    bpy.context.scene.collection.objects.link(obj)
    return obj


def box(size, centre):
    sx, sy, sz = (s / 2 for s in size)
    cx, cy, cz = centre
    verts = [(cx + x * sx, cy + y * sy, cz + z * sz) for x in (-1, 1) for y in (-1, 1) for z in (-1, 1)]
    faces = [(0, 1, 3, 2), (4, 6, 7, 5), (0, 4, 5, 1), (2, 3, 7, 6), (0, 2, 6, 4), (1, 5, 7, 3)]
    return verts, faces


def cylinder(radius, height, centre, segments=24):
    cx, cy, cz = centre
    verts = []
    for z in (cz - height / 2, cz + height / 2):
        for i in range(segments):
            a = 2 * math.pi * i / segments
            verts.append((cx + radius * math.cos(a), cy + radius * math.sin(a), z))
    faces = [(i, (i + 1) % segments, segments + (i + 1) % segments, segments + i) for i in range(segments)]
    faces.append(tuple(reversed(range(segments))))
    faces.append(tuple(range(segments, 2 * segments)))
    return verts, faces


def prop_geometry(p):
    if p["kind"] == "box":
        return box(p["size"], (0, 0, 0))
    if p["kind"] == "cylinder":
        return cylinder(p["radius"], p["height"], (0, 0, 0))
    raise ValueError(p["kind"])


def main():
    job_dir = Path(sys.argv[sys.argv.index("--") + 1])
    job = json.loads((job_dir / "job.json").read_text())
    scene = bpy.context.scene
    for obj in list(bpy.data.objects):
        bpy.data.objects.remove(obj)

    r = scene.render
    r.engine = "BLENDER_WORKBENCH"
    r.resolution_x, r.resolution_y = job["width"], job["height"]
    r.resolution_percentage = 100
    r.image_settings.file_format = "PNG"
    r.image_settings.color_mode = "RGB"
    r.dither_intensity = 0.0
    scene.display.render_aa = job.get("antialiasing", "8")
    scene.view_settings.view_transform = "Standard"
    shading = scene.display.shading
    shading.light = "STUDIO"
    shading.color_type = "MATERIAL"
    shading.show_shadows = True
    shading.shadow_intensity = 0.35
    shading.show_cavity = False
    scene.display.light_direction = tuple(job.get("light_direction", (0.3, -0.4, 0.85)))
    shading.background_type = "VIEWPORT"
    shading.background_color = tuple(job.get("background", (0.8, 0.8, 0.8)))

    mats = {m["name"]: material(m["name"], m["color"]) for m in job["materials"]}

    body = np.load(job_dir / "body.npz", allow_pickle=False)
    counts = body["face_sizes"]
    flat = body["faces"]
    faces, i = [], 0
    for n in counts:
        faces.append(flat[i:i + n])
        i += n
    frames = np.load(job_dir / "frames.npy", mmap_mode="r")
    body_mats = [mats[n] for n in job["body_materials"]]
    body_obj = add_mesh("body", frames[0], faces, body_mats, body["face_materials"], smooth=True)
    body_mesh = body_obj.data

    for p in job["props"]:
        verts, pf = prop_geometry(p)
        obj = add_mesh(p.get("name", p["kind"]), verts, pf, [mats[p["material"]]])
        obj.matrix_world = Matrix(p["matrix"])
    moving = []
    for p in job.get("moving_props", []):
        verts, pf = prop_geometry(p)
        obj = add_mesh(p["name"], verts, pf, [mats[p["material"]]])
        moving.append((obj, np.load(job_dir / p["poses_file"])))

    cam = job["camera"]
    cam_data = bpy.data.cameras.new("camera")
    cam_data.sensor_fit = "VERTICAL"
    cam_data.sensor_height = 24.0
    cam_data.lens = cam["focal_px"] * 24.0 / job["height"]
    cam_data.clip_start = 0.05
    cam_data.clip_end = 100.0
    cam_obj = bpy.data.objects.new("camera", cam_data)
    scene.collection.objects.link(cam_obj)
    cam_obj.matrix_world = Matrix(cam["matrix"])
    scene.camera = cam_obj

    out = job_dir / "frames"
    out.mkdir(exist_ok=True)
    start = job.get("start", 0)
    for f in range(start, len(frames)):
        body_mesh.vertices.foreach_set("co", np.ascontiguousarray(frames[f], np.float32).ravel())
        body_mesh.update()
        for obj, poses in moving:
            obj.matrix_world = Matrix(poses[f].tolist())
        r.filepath = str(out / f"{f:05d}.png")
        bpy.ops.render.render(write_still=True)


main()
