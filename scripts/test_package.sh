#!/usr/bin/env bash
# The Debian package, installed and run: builds it from the release build
# (cargo-deb), unpacks it into a scratch root as dpkg would install it, and
# runs the installed `formcheck analyze` from another folder with nothing of
# the source tree in reach (no cargo variables, a bare home): it must find its
# models, exercises and ONNX Runtime beside itself and judge a rendered squat
# as the tests do. Then the same binary moved away from its data must say
# where it looked.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
cargo build --quiet --release
deb="$(PATH="$ROOT/.cache/tools/bin:$PATH" cargo deb --no-build --fast --quiet 2>/dev/null | tail -n 1)"
[ -f "$deb" ] || { echo "test_package: cargo deb wrote no package" >&2; exit 1; }

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
dpkg-deb --extract "$deb" "$scratch/root"
mkdir -p "$scratch/home" "$scratch/elsewhere"
clip="$ROOT/samples/squat-side-back_rounding-40.mp4"

# Only the package's files: no cargo variables, no data folder named, a home
# and system data folders with nothing of formcheck's in them.
bare() {
  env -u CARGO_MANIFEST_DIR -u FORMCHECK_DATA -u FORMCHECK_MODELS -u ORT_DYLIB_PATH \
    -u XDG_DATA_HOME HOME="$scratch/home" XDG_DATA_DIRS="$scratch/none" "$@"
}

cd "$scratch/elsewhere"
log="$scratch/analyze.log"
bare "$scratch/root/usr/bin/formcheck" analyze "$clip" --exercise squat --events events.jsonl \
  >"$log" 2>&1 || { cat "$log" >&2; exit 1; }
python3 - events.jsonl <<'PY'
import json, sys
events = [json.loads(line) for line in open(sys.argv[1])]
reps = [e for e in events if e["event"] == "rep"]
assert len(reps) == 2, reps
assert "back_rounding" not in reps[0]["flags"] and "back_rounding" in reps[1]["flags"], [r["flags"] for r in reps]
assert events[-1]["event"] == "set_summary", events[-1]
PY

# The example patient's programme and outcome measures check out, and the
# guided session's demonstrations (clean rendered reps) are installed.
bare "$scratch/root/usr/bin/formcheck" programme "$scratch/root/usr/share/formcheck/calibration/patients/example.toml" \
  >"$log" 2>&1 || { cat "$log" >&2; exit 1; }
grep -q "Glute bridge: 3 sets of 10 reps" "$log" || { cat "$log" >&2; exit 1; }
for f in samples/manifest.json samples/glute_bridge-side-clean.mp4 calibration/outcomes.toml \
  calibration/questionnaires/odi-example.toml; do
  [ -f "$scratch/root/usr/share/formcheck/$f" ] || { echo "test_package: $f not installed" >&2; exit 1; }
done

# The binary alone: a clear error naming where it looked.
cp "$scratch/root/usr/bin/formcheck" "$scratch/formcheck"
if out="$(bare "$scratch/formcheck" analyze "$clip" --exercise squat 2>&1)"; then
  echo "test_package: a binary without its data ran" >&2; exit 1
fi
case "$out" in
  *"formcheck's data"*"$scratch/home/.local/share/formcheck"*"--data-dir"*) ;;
  *) echo "test_package: unclear error without data: $out" >&2; exit 1 ;;
esac
# ... and pointed at the data with --data-dir, it runs.
bare "$scratch/formcheck" --data-dir "$scratch/root/usr/share/formcheck" \
  analyze "$clip" --exercise squat --events /dev/null >"$log" 2>&1 || { cat "$log" >&2; exit 1; }
echo "test_package: $(basename "$deb") installed into a scratch root and run from another folder: ok"
