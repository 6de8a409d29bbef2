#!/usr/bin/env bash
# What the studio needs besides the main setup, installed only for
# `make samples`: Debian's Blender (headless Workbench renders), ffmpeg (the
# video encoder), numpy for Blender's Python, Xvfb (an OpenGL context), and
# a venv with the studio's own Python packages. Idempotent.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
APT_PACKAGES=(blender ffmpeg python3-numpy xvfb xauth)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "studio setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi
VENV="$ROOT/.cache/venv-studio"
if [ ! -f "$VENV/.ready" ] || [ "$ROOT/studio/requirements.txt" -nt "$VENV/.ready" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet -r "$ROOT/studio/requirements.txt"
  touch "$VENV/.ready"
fi
