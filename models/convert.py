#!/usr/bin/env python3
"""Convert the MediaPipe BlazePose TFLite models to ONNX, reproducibly.

Run from anywhere (paths are relative to this file), in the venv made from
requirements-convert.txt:

    .cache/venv-convert/bin/python models/convert.py [--heavy] [--check]

Steps:
  1. fetch the sources into .cache/model-sources/ (pip download of the
     mediapipe wheel, npm pack of @mediapipe/pose) and check their SHA-256;
  2. pose_detection: replace its 38 DENSIFY ops (sparse fp16 weights) by
     dense constant buffers, since tf2onnx cannot convert DENSIFY;
  3. convert with tf2onnx (opset 17), static shapes; landmark models: prune
     the segmentation output (Identity_2), and build each lite and full model
     a second time with it kept (`*_segmentation.onnx`, for the exercises that
     measure the back's outline); then canonicalise node order and
     generated names and fix the metadata, so the bytes are reproducible;
  4. compare ONNX Runtime with TFLite on real images / video frames and fail
     if a difference exceeds the tolerance;
  5. write models/*.onnx and models/manifest.toml.

--heavy also builds pose_landmark_heavy.onnx (not committed). Without it the
heavy entry of the existing manifest is kept as it is.
--check fails if a built model's onnx_sha256 differs from the one already in
models/manifest.toml (reproducibility check).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import warnings  # noqa: E402

warnings.filterwarnings("ignore", message=".*tf.lite.Interpreter is deprecated.*")

import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CACHE = ROOT / ".cache"
SOURCES = CACHE / "model-sources"
SAMPLES = CACHE / "samples"

OPSET = 17
WHEEL_SPEC = "mediapipe==0.10.14"
NPM_SPEC = "@mediapipe/pose@0.5.1675469404"
NPM_TARBALL = "mediapipe-pose-0.5.1675469404.tgz"

# name -> where it comes from. tflite_sha256 pins the source bytes.
MODELS = {
    "pose_detection": dict(
        package=f"pypi: {WHEEL_SPEC}",
        member="mediapipe/modules/pose_detection/pose_detection.tflite",
        tflite_sha256="9ba9dd3d42efaaba86b4ff0122b06f29c4122e756b329d89dca1e297fd8f866c",
        committed=True,
    ),
    "pose_landmark_lite": dict(
        package=f"npm: {NPM_SPEC}",
        member="package/pose_landmark_lite.tflite",
        tflite_sha256="f17bfbecadb61c3be1baa8b8d851cc6619c870a87167b32848ad20db306b9d61",
        committed=True,
    ),
    "pose_landmark_full": dict(
        package=f"pypi: {WHEEL_SPEC}",
        member="mediapipe/modules/pose_landmark/pose_landmark_full.tflite",
        tflite_sha256="e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f",
        committed=True,
    ),
    "pose_landmark_heavy": dict(
        package=f"npm: {NPM_SPEC}",
        member="package/pose_landmark_heavy.tflite",
        tflite_sha256="59e42d71bcd44cbdbabc419f0ff76686595fd265419566bd4009ef703ea8e1fe",
        committed=False,
    ),
}
# The same landmark models with their segmentation output kept, for the
# exercises that measure the back's outline: `<name>_segmentation`.
for _base in ("pose_landmark_lite", "pose_landmark_full"):
    MODELS[f"{_base}_segmentation"] = dict(MODELS[_base], source=_base, segmentation=True)
NPM_FULL_MEMBER = "package/pose_landmark_full.tflite"

DETECTOR_IO = {
    "inputs": {"input_1": [1, 224, 224, 3]},
    "outputs": {"Identity": [1, 2254, 12], "Identity_1": [1, 2254, 1]},
}
LANDMARK_IO = {
    "inputs": {"input_1": [1, 256, 256, 3]},
    "outputs": {
        "Identity": [1, 195],
        "Identity_1": [1, 1],
        "Identity_3": [1, 64, 64, 39],
        "Identity_4": [1, 117],
    },
}
SEGMENTATION_OUTPUT = "Identity_2"
LANDMARK_SEGMENTATION_IO = {
    "inputs": LANDMARK_IO["inputs"],
    # In the model's own order: the segmentation is its third output.
    "outputs": {
        "Identity": [1, 195],
        "Identity_1": [1, 1],
        SEGMENTATION_OUTPUT: [1, 256, 256, 1],
        "Identity_3": [1, 64, 64, 39],
        "Identity_4": [1, 117],
    },
}

# ORT vs TFLite (reference kernels), per output and input:
#   max |ort - tflite| <= ATOL + RTOL * max |tflite|.
# Landmark coordinates are in 256-px units, detector boxes in 224-px units;
# raw outputs for inputs without a person reach |values| of several hundred,
# hence the relative term. TFLite's own XNNPACK-vs-reference spread is printed
# alongside for scale.
ATOL = 1e-3
RTOL = 1e-4


def log(msg: str) -> None:
    print(msg, flush=True)


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def rel(path: Path) -> str:
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


# --------------------------------------------------------------------------
# 1. sources


def fetch_sources() -> dict[str, Path]:
    SOURCES.mkdir(parents=True, exist_ok=True)
    wheels = sorted(SOURCES.glob("mediapipe-0.10.14-cp311-cp311-manylinux*.whl"))
    if not wheels:
        log(f"fetch: pip download {WHEEL_SPEC}")
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
             "--only-binary=:all:", "--python-version", "3.11", "--implementation", "cp",
             "--abi", "cp311", "--platform", "manylinux_2_17_x86_64",
             "-d", str(SOURCES), WHEEL_SPEC],
            check=True,
        )
        wheels = sorted(SOURCES.glob("mediapipe-0.10.14-cp311-cp311-manylinux*.whl"))
    if not wheels:
        sys.exit("fetch: mediapipe wheel not found after pip download")
    tarball = SOURCES / NPM_TARBALL
    if not tarball.exists():
        log(f"fetch: npm pack {NPM_SPEC}")
        subprocess.run(["npm", "pack", "--silent", NPM_SPEC, "--pack-destination", str(SOURCES)],
                       check=True, stdout=subprocess.DEVNULL)
    if not tarball.exists():
        sys.exit(f"fetch: {tarball} not found after npm pack")

    out = SOURCES / "tflite"
    out.mkdir(exist_ok=True)

    def extract(archive: Path, member: str, dest: Path) -> Path:
        if not dest.exists():
            if archive.suffix == ".whl":
                with zipfile.ZipFile(archive) as z, z.open(member) as src:
                    data = src.read()
            else:
                with tarfile.open(archive) as t:
                    data = t.extractfile(member).read()
            tmp = dest.with_suffix(".part")
            tmp.write_bytes(data)
            tmp.replace(dest)
        return dest

    paths = {}
    for name, info in MODELS.items():
        if "source" in info:
            continue
        archive = wheels[0] if info["package"].startswith("pypi") else tarball
        paths[name] = extract(archive, info["member"], out / f"{name}.tflite")
        got = sha256(paths[name])
        if got != info["tflite_sha256"]:
            sys.exit(f"fetch: {name}.tflite sha256 {got} != pinned {info['tflite_sha256']}")
    npm_full = extract(tarball, NPM_FULL_MEMBER, out / "npm_pose_landmark_full.tflite")
    same = sha256(npm_full) == sha256(paths["pose_landmark_full"])
    log(f"fetch: npm pose_landmark_full.tflite {'==' if same else '!='} wheel's (wheel's is used)")
    return paths


# --------------------------------------------------------------------------
# 2. detector: DENSIFY -> dense constants


def tflite_interpreter(path: Path, reference: bool = True, preserve: bool = False):
    import tensorflow as tf

    kwargs = {}
    if reference:
        kwargs["experimental_op_resolver_type"] = (
            tf.lite.experimental.OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
    it = tf.lite.Interpreter(model_path=str(path),
                             experimental_preserve_all_tensors=preserve, **kwargs)
    it.allocate_tensors()
    return it


def densify_detector(src: Path, dst: Path) -> int:
    """Writes dst: src with every DENSIFY op removed, its sparse input tensor
    replaced by the dense values (read from the TFLite reference kernels) and
    its consumers rewired to that tensor. Returns the number of ops removed."""
    import flatbuffers
    from tensorflow.lite.python import schema_py_generated as S

    it = tflite_interpreter(src, reference=True, preserve=True)
    inp = it.get_input_details()[0]
    it.set_tensor(inp["index"], np.zeros(inp["shape"], inp["dtype"]))
    it.invoke()

    model = S.ModelT.InitFromObj(S.Model.GetRootAs(src.read_bytes(), 0))
    assert len(model.subgraphs) == 1
    sg = model.subgraphs[0]

    def code(op) -> int:
        c = model.operatorCodes[op.opcodeIndex]
        return max(c.builtinCode, c.deprecatedBuiltinCode)

    buffer_users: dict[int, int] = {}
    for t in sg.tensors:
        buffer_users[t.buffer] = buffer_users.get(t.buffer, 0) + 1

    removed = 0
    keep = []
    for op in sg.operators:
        if code(op) != S.BuiltinOperator.DENSIFY:
            keep.append(op)
            continue
        (sparse_idx,), (dense_idx,) = list(op.inputs), list(op.outputs)
        st = sg.tensors[sparse_idx]
        assert st.sparsity is not None and st.buffer > 0 and buffer_users[st.buffer] == 1
        dense = np.ascontiguousarray(it.get_tensor(dense_idx))
        assert list(dense.shape) == list(st.shape), (dense.shape, st.shape)
        assert st.type == S.TensorType.FLOAT16 and dense.dtype == np.float16
        # The sparse buffer holds exactly the non-zero values (fp16).
        nnz = int(np.count_nonzero(dense))
        assert nnz <= len(model.buffers[st.buffer].data) // 2, (nnz, st.name)
        model.buffers[st.buffer].data = np.frombuffer(dense.tobytes(), dtype=np.uint8)
        st.sparsity = None
        for other in sg.operators:
            if other.inputs is not None:
                other.inputs = [sparse_idx if i == dense_idx else i for i in other.inputs]
        assert dense_idx not in list(sg.outputs)
        removed += 1
    sg.operators = keep

    # Drop the now unused DENSIFY operator code.
    used = sorted({op.opcodeIndex for op in sg.operators})
    remap = {old: new for new, old in enumerate(used)}
    model.operatorCodes = [model.operatorCodes[i] for i in used]
    for op in sg.operators:
        op.opcodeIndex = remap[op.opcodeIndex]

    builder = flatbuffers.Builder(1 << 22)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    dst.write_bytes(bytes(builder.Output()))
    return removed


# --------------------------------------------------------------------------
# 3. conversion


def fix_static_shapes(model, io: dict) -> None:
    for group, values in (("inputs", model.graph.input), ("outputs", model.graph.output)):
        names = [v.name for v in values]
        assert names == list(io[group]), f"{group}: got {names}, want {list(io[group])}"
        for v in values:
            want = io[group][v.name]
            dims = v.type.tensor_type.shape.dim
            assert len(dims) == len(want), (v.name, dims)
            for d, w in zip(dims, want):
                if d.HasField("dim_value") and d.dim_value not in (0, w):
                    raise SystemExit(f"{v.name}: dim {d.dim_value} != {w}")
                d.Clear()
                d.dim_value = w
            assert v.type.tensor_type.elem_type == 1, (v.name, "not float32")


def canonicalize(model) -> None:
    """Make the bytes depend only on the graph's structure.

    tf2onnx's optimizers iterate over sets and name what they create with a
    process-global counter, so two runs give equivalent graphs with different
    node order and generated names (const_fold_opt__812 vs __844, ...). Here
    nodes are put in a canonical topological order (post-order DFS from the
    graph outputs, inputs visited in order) and every node, intermediate value
    and initializer is renamed from its position in that order. Graph inputs
    and outputs keep their names. value_info (optional shape hints) is dropped.
    """
    import onnx

    g = model.graph
    producer = {o: n for n in g.node for o in n.output if o}
    inits = {i.name: i for i in g.initializer}
    io_names = {v.name for v in g.input} | {v.name for v in g.output}
    assert not g.sparse_initializer
    for n in g.node:
        assert n.domain in ("", "ai.onnx"), n.domain
        assert all(a.type not in (onnx.AttributeProto.GRAPH, onnx.AttributeProto.GRAPHS)
                   for a in n.attribute), n.name

    order, done = [], set()
    for out in g.output:
        stack = [(producer[out.name], False)]
        while stack:
            node, expanded = stack.pop()
            if id(node) in done:
                continue
            if expanded:
                done.add(id(node))
                order.append(node)
                continue
            stack.append((node, True))
            for i in reversed(node.input):
                if i in producer and id(producer[i]) not in done:
                    stack.append((producer[i], False))
    assert len(order) == len(g.node), (len(order), len(g.node))

    rename, new_inits = {}, []
    for k, node in enumerate(order):
        for i in node.input:
            if i in inits and i not in rename:
                rename[i] = f"const_{len(new_inits)}"
                t = onnx.TensorProto()
                t.CopyFrom(inits[i])
                t.name = rename[i]
                new_inits.append(t)
        node.name = f"{node.op_type}_{k}"
        outs = [o for o in node.output if o]
        for j, o in enumerate(node.output):
            if o and o not in io_names:
                rename[o] = node.name if len(outs) == 1 else f"{node.name}_{j}"
    new_nodes = []
    for node in order:
        n = onnx.NodeProto()
        n.CopyFrom(node)
        n.doc_string = ""
        n.ClearField("input")
        n.input.extend(rename.get(i, i) for i in node.input)
        n.ClearField("output")
        n.output.extend(rename.get(o, o) for o in node.output)
        new_nodes.append(n)
    g.ClearField("node")
    g.node.extend(new_nodes)
    g.ClearField("initializer")
    g.initializer.extend(new_inits)
    g.ClearField("value_info")
    del model.opset_import[:]
    model.opset_import.append(onnx.helper.make_opsetid("", OPSET))


def convert(name: str, tflite: Path, dst: Path, io: dict, prune: bool) -> None:
    import onnx
    import tf2onnx

    # tf2onnx keeps the tflite tensor names (input_1, Identity, Identity_1, ...).
    model, _ = tf2onnx.convert.from_tflite(str(tflite), opset=OPSET)
    if prune:
        assert SEGMENTATION_OUTPUT in [o.name for o in model.graph.output]
        full = model
        model = onnx.utils.Extractor(full).extract_model(list(io["inputs"]), list(io["outputs"]))
        check_prune(name, full, model, list(io["outputs"]))
    fix_static_shapes(model, io)
    canonicalize(model)
    # Normalised metadata: no paths, no tool-chosen names, same bytes every run.
    model.producer_name = "tf2onnx"
    model.producer_version = tf2onnx.__version__
    model.graph.name = name
    model.graph.doc_string = ""
    model.doc_string = f"MediaPipe {name}.tflite converted to ONNX"
    model.ClearField("metadata_props")
    onnx.checker.check_model(model, full_check=True)
    tmp = dst.with_suffix(".onnx.part")
    onnx.save(model, str(tmp))
    tmp.replace(dst)


def ort_session(model, threads: int = 1):
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    data = model if isinstance(model, (bytes, str)) else model.SerializeToString()
    return ort.InferenceSession(data, so, providers=["CPUExecutionProvider"])


def check_prune(name: str, full, pruned, outputs: list[str]) -> None:
    """The kept outputs must be bit-identical with and without the segmentation head."""
    a, b = ort_session(full), ort_session(pruned)
    rng = np.random.default_rng(0)
    for k in range(3):
        x = rng.random((1, 256, 256, 3), dtype=np.float32)
        ra = a.run(outputs, {"input_1": x})
        rb = b.run(outputs, {"input_1": x})
        for o, u, v in zip(outputs, ra, rb):
            if not np.array_equal(u, v):
                raise SystemExit(f"{name}: pruning changed {o} (max diff {np.abs(u - v).max()})")
    log(f"{name}: segmentation output pruned; kept outputs bit-identical with/without (3 inputs)")


# --------------------------------------------------------------------------
# 4. ORT vs TFLite


def test_images(size: int) -> list[tuple[str, np.ndarray]]:
    """RGB uint8 images, size x size."""
    imgs: list[tuple[str, np.ndarray]] = []
    try:
        import cv2
    except ImportError:  # pragma: no cover
        cv2 = None

    def square(img, x0=None):
        h, w = img.shape[:2]
        if x0 is None:  # letterbox the whole image
            s = max(h, w)
            canvas = np.zeros((s, s, 3), np.uint8)
            canvas[(s - h) // 2:(s - h) // 2 + h, (s - w) // 2:(s - w) // 2 + w] = img
            img = canvas
        else:
            s = min(h, w)
            img = img[:s, x0:x0 + s]
        if cv2 is not None:
            return cv2.resize(img, (size, size), interpolation=cv2.INTER_AREA)
        ys = np.arange(size) * img.shape[0] // size
        xs = np.arange(size) * img.shape[1] // size
        return img[ys][:, xs]

    for stem in ("astronaut", "chelsea"):
        p = SAMPLES / f"{stem}.png"
        if p.exists() and cv2 is not None:
            img = cv2.imread(str(p), cv2.IMREAD_COLOR)[:, :, ::-1]
            imgs.append((stem, square(img)))
    video = SAMPLES / "demo.mp4"
    if cv2 is not None and video.exists():
        cap = cv2.VideoCapture(str(video))
        n = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
        for f in np.linspace(0, max(n - 1, 0), 4).astype(int):
            cap.set(cv2.CAP_PROP_POS_FRAMES, int(f))
            ok, frame = cap.read()
            if not ok:
                continue
            rgb = frame[:, :, ::-1]
            h, w = rgb.shape[:2]
            imgs.append((f"demo#{f}", square(rgb)))
            imgs.append((f"demo#{f}-left", square(rgb, 0)))
            imgs.append((f"demo#{f}-right", square(rgb, max(w - h, 0))))
        cap.release()
    rng = np.random.default_rng(12345)
    for k in range(2):
        imgs.append((f"random{k}", rng.integers(0, 256, (size, size, 3), dtype=np.uint8)))
    if len(imgs) < 6:
        log(f"note: samples/cv2 missing, using {len(imgs)} inputs")
    return imgs


def compare(name: str, onnx_path: Path, tflite: Path, io: dict, detector: bool) -> dict:
    """ORT vs TFLite on the test inputs. TFLite runs twice: with its reference
    kernels (the check) and with its default XNNPACK delegate (for scale: the
    XNNPACK-vs-reference difference is TFLite's own numerical spread)."""
    size = io["inputs"]["input_1"][1]
    sess = ort_session(str(onnx_path))
    outputs = list(io["outputs"])
    imgs = test_images(size)
    its = {"reference": tflite_interpreter(tflite, reference=True),
           "xnnpack": tflite_interpreter(tflite, reference=False)}
    pairs = ("ORT-reference", "ORT-xnnpack", "xnnpack-reference")
    stats = {p: {o: 0.0 for o in outputs} for p in pairs}
    ratio = {o: 0.0 for o in outputs}  # max |d| / (ATOL + RTOL max|ref|), must be <= 1
    xy = {p: 0.0 for p in pairs}  # landmarks: x/y image coordinates only
    for _, img in imgs:
        x = img.astype(np.float32)[None]
        x = (x / 127.5 - 1.0 if detector else x / 255.0).astype(np.float32)
        res = {"ORT": dict(zip(outputs, sess.run(outputs, {"input_1": x})))}
        for label, it in its.items():
            it.set_tensor(it.get_input_details()[0]["index"], x)
            it.invoke()
            idx = {d["name"]: d["index"] for d in it.get_output_details()}
            res[label] = {o: it.get_tensor(idx[o]) for o in outputs}
        for p in pairs:
            a, b = p.split("-")
            for o in outputs:
                assert res[a][o].shape == res[b][o].shape, (o, res[a][o].shape, res[b][o].shape)
                d = np.abs(res[a][o].astype(np.float64) - res[b][o])
                stats[p][o] = max(stats[p][o], float(d.max()))
                if p == "ORT-reference":
                    tol = ATOL + RTOL * float(np.abs(res[b][o]).max())
                    ratio[o] = max(ratio[o], float(d.max()) / tol)
                if not detector and o == "Identity":
                    xy[p] = max(xy[p], float(d.reshape(39, 5)[:, :2].max()))
    for p in pairs:
        line = ", ".join(f"{o} {stats[p][o]:.2e}" for o in outputs)
        if not detector:
            line += f"; landmark x/y {xy[p]:.2e} px"
        log(f"{name}: max |{p}| over {len(imgs)} inputs: {line}")
    # The segmentation's logits (hundreds of thousands of values through a
    # deep decoder) spread more: they pass when ORT is as close to the
    # reference kernels as TFLite's own XNNPACK kernels are.
    if SEGMENTATION_OUTPUT in outputs:
        seg = stats["ORT-reference"][SEGMENTATION_OUTPUT] <= stats["xnnpack-reference"][SEGMENTATION_OUTPUT]
        ratio[SEGMENTATION_OUTPUT] = 0.0 if seg else float("inf")
        log(f"{name}: segmentation logits max |ORT-reference| "
            f"{stats['ORT-reference'][SEGMENTATION_OUTPUT]:.3f} against TFLite's own "
            f"|xnnpack-reference| {stats['xnnpack-reference'][SEGMENTATION_OUTPUT]:.3f}"
            + (" (ok)" if seg else " FAIL"))
    bad = [o for o in outputs if ratio[o] > 1.0]
    log(f"{name}: worst max|ORT-reference| / ({ATOL:g} + {RTOL:g} max|ref|) = "
        f"{max(ratio.values()):.3f}"
        + (f" FAIL on {bad}" if bad else " (ok, <= 1)"))
    if bad:
        raise SystemExit(f"{name}: ORT differs from TFLite beyond tolerance on {bad}")
    return stats


def compare_tflite(a: Path, b: Path, detector: bool) -> float:
    """Max |diff| between two TFLite models (reference kernels) on the test inputs."""
    ia, ib = tflite_interpreter(a), tflite_interpreter(b)
    size = ia.get_input_details()[0]["shape"][1]
    worst = 0.0
    for _, img in test_images(size):
        x = img.astype(np.float32)[None]
        x = (x / 127.5 - 1.0 if detector else x / 255.0).astype(np.float32)
        outs = []
        for it in (ia, ib):
            it.set_tensor(it.get_input_details()[0]["index"], x)
            it.invoke()
            outs.append({d["name"]: it.get_tensor(d["index"]) for d in it.get_output_details()})
        for o in outs[0]:
            worst = max(worst, float(np.abs(outs[0][o] - outs[1][o]).max()))
    return worst


# --------------------------------------------------------------------------
# 5. manifest


def toml_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_manifest(entries: list[dict]) -> None:
    lines = [
        "# MediaPipe BlazePose models converted to ONNX by models/convert.py.",
        "# Generated file: do not edit by hand. The engine checks onnx_sha256 on load.",
        "",
    ]
    for e in entries:
        lines.append("[[model]]")
        for k in ("name", "file", "committed", "source_package", "source_file", "license",
                  "tflite_sha256", "onnx_sha256", "converted_with"):
            v = e[k]
            lines.append(f"{k} = {'true' if v is True else 'false' if v is False else toml_str(v)}")
        lines.append("")
    path = HERE / "manifest.toml"
    tmp = path.with_suffix(".toml.part")
    tmp.write_text("\n".join(lines))
    tmp.replace(path)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--heavy", action="store_true", help="also build pose_landmark_heavy.onnx")
    ap.add_argument("--check", action="store_true",
                    help="fail if an onnx_sha256 differs from the existing manifest")
    args = ap.parse_args()

    import tensorflow as tf
    import tf2onnx
    import onnxruntime as ort

    log(f"tensorflow {tf.__version__}, tf2onnx {tf2onnx.__version__}, "
        f"onnxruntime {ort.__version__}, numpy {np.__version__}")
    tflites = fetch_sources()

    old = {}
    manifest = HERE / "manifest.toml"
    if manifest.exists():
        old = {m["name"]: m for m in tomllib.loads(manifest.read_text()).get("model", [])}

    work = SOURCES / "work"
    work.mkdir(exist_ok=True)
    entries, changed = [], []
    for name, info in MODELS.items():
        dst = HERE / f"{name}.onnx"
        build = info["committed"] or args.heavy
        segmentation = info.get("segmentation", False)
        tflite = tflites[info.get("source", name)]
        if name == "pose_detection":
            conv_note = (f"tf2onnx {tf2onnx.__version__}, opset {OPSET}; 38 DENSIFY ops replaced "
                         "by dense fp16 constants before conversion; static shapes")
        else:
            conv_note = (f"tf2onnx {tf2onnx.__version__}, opset {OPSET}; static shapes; "
                         f"segmentation output ({SEGMENTATION_OUTPUT}) "
                         + ("kept (raw logits)" if segmentation else "pruned"))
        entry = dict(
            name=name, file=dst.name, committed=info["committed"],
            source_package=info["package"], source_file=info["member"], license="Apache-2.0",
            tflite_sha256=info["tflite_sha256"], onnx_sha256=None, converted_with=conv_note,
        )
        if not build:
            prev = old.get(name)
            if not prev or not prev.get("onnx_sha256"):
                sys.exit(f"{name}: not built and not in manifest.toml; run with --heavy once")
            if dst.exists() and sha256(dst) != prev["onnx_sha256"]:
                log(f"warning: {rel(dst)} does not match manifest.toml (stale file?)")
            entry["onnx_sha256"] = prev["onnx_sha256"]
            log(f"{name}: not built (use --heavy); manifest entry kept")
            entries.append(entry)
            continue

        log(f"{name}: converting {rel(tflite)}")
        if name == "pose_detection":
            dense = work / "pose_detection.tflite"
            n = densify_detector(tflites[name], dense)
            assert n == 38, n
            d = compare_tflite(tflites[name], dense, detector=True)
            log(f"{name}: removed {n} DENSIFY ops; rewritten vs original TFLite max |diff| {d:.2e}")
            if d != 0.0:
                raise SystemExit(f"{name}: rewritten tflite differs from the original")
            convert(name, dense, dst, DETECTOR_IO, prune=False)
            compare(name, dst, tflites[name], DETECTOR_IO, detector=True)
        else:
            io = LANDMARK_SEGMENTATION_IO if segmentation else LANDMARK_IO
            convert(name, tflite, dst, io, prune=not segmentation)
            compare(name, dst, tflite, io, detector=False)
        entry["onnx_sha256"] = sha256(dst)
        log(f"{name}: wrote {rel(dst)} sha256 {entry['onnx_sha256']}")
        prev = old.get(name)
        if prev and prev.get("onnx_sha256") != entry["onnx_sha256"]:
            changed.append(name)
        entries.append(entry)

    write_manifest(entries)
    log(f"wrote {rel(manifest)}")
    if changed:
        msg = f"onnx_sha256 changed from the previous manifest for: {', '.join(changed)}"
        if args.check:
            raise SystemExit("check failed: " + msg)
        log("note: " + msg)
    elif args.check:
        log("check: all built models match the previous manifest")


if __name__ == "__main__":
    main()
