#!/usr/bin/env bash
# Installs libtorch from PyPI (the torch wheel) into a project-local virtual environment and makes
# the stable link `.libtorch` -> the wheel's `torch/` folder, which `.cargo/config.toml` points at.
#
# Idempotent: does nothing when `.venv/.bootstrap-ok` names the wanted torch version.
# Crash-safe: installs into `.venv.partial`, then renames, so a half-installed venv is never used.
set -euo pipefail

TORCH_VERSION="${TORCH_VERSION:-2.13.0}"
EXTRA_PACKAGES="${EXTRA_PACKAGES:-}"
cd "$(dirname "$0")/.."
venv=".venv"
partial=".venv.partial"
marker="$venv/.bootstrap-ok"

die() { echo "bootstrap: $*" >&2; exit 1; }

if [ -n "${LIBTORCH:-}" ] && [ "${DQN_FORCE_BOOTSTRAP:-0}" != 1 ]; then
  [ -d "$LIBTORCH/lib" ] || die "LIBTORCH=$LIBTORCH has no lib/ folder; unset it to use the project-local libtorch"
  exit 0
fi

if [ -f "$marker" ] && [ "$(cat "$marker")" = "torch==$TORCH_VERSION" ]; then
  ln -sfn "$(cat "$venv/.torch-dir")" .libtorch
  exit 0
fi

command -v python3 >/dev/null 2>&1 || die "python3 is missing; install Python 3.9+ (Debian: apt-get install python3 python3-venv)"
python3 -c 'import venv, ensurepip' 2>/dev/null || die "python3 cannot make virtual environments; install python3-venv (Debian: apt-get install python3-venv)"

# torch and its CUDA libraries take about 4.8 GB installed. Installing them one wheel at a time
# (below) keeps the peak at that plus the largest wheel, about 5.7 GB, instead of every download
# and every installed file at once (about 8 GB).
need_gib=6
free_kb=$(df -Pk . | awk 'NR==2 {print $4}')
[ "${free_kb:-0}" -ge $((need_gib * 1024 * 1024)) ] || die "less than $need_gib GiB free in $(pwd) ($((${free_kb:-0} / 1024 / 1024)) GiB); torch and its libraries need about 5.7 GB while installing. Free some disk space and run make again"

echo "bootstrap: installing torch==$TORCH_VERSION from PyPI into $venv (about 4.8 GB, once, one wheel at a time)"
rm -rf "$partial"
python3 -m venv "$partial" || die "python3 -m venv failed; install python3-venv"
"$partial/bin/python" -m pip install --quiet --upgrade pip >/dev/null 2>&1 || true
log=$(mktemp)
# pip_fail LOG: one clear line for the usual causes of a failed pip install, then exit.
pip_fail() {
  if grep -qiE "no space left" "$1"; then
    die "the disk filled while installing torch; free at least $need_gib GiB and run make again"
  elif grep -qiE "(connection|resolve|network|timed out|unreachable|proxy)" "$1"; then
    die "cannot reach PyPI to download torch==$TORCH_VERSION; check the network or set LIBTORCH to an existing libtorch"
  elif grep -qiE "from versions: none" "$1"; then
    die "the package index offers no torch==$TORCH_VERSION for $(python3 --version 2>&1) on $(uname -m); check pip's index settings or set LIBTORCH to an existing libtorch"
  else
    tail -n 5 "$1" >&2
    die "pip could not install torch==$TORCH_VERSION (log above)"
  fi
}
# Resolve first (pip reads only the wheels' metadata), then install the resolved list one wheel
# at a time without resolving again, so that only one download is on disk at any moment.
report="$partial/resolved.json"
"$partial/bin/python" -m pip install --dry-run --ignore-installed --quiet --report "$report" \
  "torch==$TORCH_VERSION" $EXTRA_PACKAGES >"$log" 2>&1 || pip_fail "$log"
mapfile -t pins < <("$partial/bin/python" -c 'import json, sys
for p in json.load(open(sys.argv[1]))["install"]:
    print(p["metadata"]["name"] + "==" + p["metadata"]["version"])' "$report")
[ "${#pins[@]}" -gt 0 ] || die "pip resolved nothing for torch==$TORCH_VERSION"
n=0
for pin in "${pins[@]}"; do
  n=$((n + 1))
  printf 'bootstrap: [%d/%d] %s\n' "$n" "${#pins[@]}" "$pin"
  "$partial/bin/python" -m pip install --progress-bar off --no-cache-dir --no-deps "$pin" >"$log" 2>&1 \
    || pip_fail "$log"
done
rm -f "$log"
torch_dir=$("$partial/bin/python" -c 'import importlib.util, os; print(os.path.realpath(importlib.util.find_spec("torch").submodule_search_locations[0]))')
[ -f "$torch_dir/lib/libtorch_cpu.so" ] || die "the torch wheel has no lib/libtorch_cpu.so under $torch_dir"
rm -rf "$venv"
mv "$partial" "$venv"
torch_dir="$(pwd)/$venv/${torch_dir#"$(pwd)/$partial/"}"
echo "$torch_dir" >"$venv/.torch-dir"
echo "torch==$TORCH_VERSION" >"$marker"
ln -sfn "$torch_dir" .libtorch
echo "bootstrap: libtorch ready at .libtorch -> $torch_dir"
