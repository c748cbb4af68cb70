#!/usr/bin/env bash
# Installs libtorch from PyPI (the torch wheel) into the project's virtual environment `.venv` and
# makes the stable link `.libtorch` -> the wheel's `torch/` folder, which `.cargo/config.toml`
# points at.
#
# Idempotent: does nothing when `.venv/.bootstrap-ok` names the wanted torch version.
# Crash-safe: installs into `<venv>.partial`, then renames, so a half-installed venv is never used.
# `scripts/bootstrap-libtorch.sh --remove` deletes the venv (and the folder `.venv` links to).
set -euo pipefail

TORCH_VERSION="${TORCH_VERSION:-2.13.0}"
EXTRA_PACKAGES="${EXTRA_PACKAGES:-}"
cd "$(dirname "$0")/.."
. scripts/lib.sh
venv=".venv"
marker="$venv/.bootstrap-ok"

die() { echo "bootstrap: $*" >&2; exit 1; }

# remove_venv: deletes .venv, .venv.partial and, when .venv is a link (a venv kept on another disk),
# the venv it links to and that one's partial folder.
remove_venv() {
  if [ -L "$venv" ]; then
    local target
    target=$(readlink "$venv")
    case "$(basename "$target")" in
      venv-*) rm -rf "$target" "$target.partial" ;;
    esac
  fi
  rm -rf "$venv" "$venv.partial" .libtorch
}

if [ "${1:-}" = --remove ]; then
  remove_venv
  exit 0
fi

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

# A venv without the marker (another torch version, or an install that stopped) is of no use: it
# goes first, so that its space counts as free.
remove_venv

# Disk: torch and its CUDA libraries (triton left out, see LEFT_OUT_PACKAGES in lib.sh) take about
# 3.7 GB installed and the Python test packages 0.6 GB more; one wheel at a time keeps the peak
# below 4.8 GB. `target/` takes 1.5 to 2.2 GB after `make test`. The venv lives in the checkout
# when its disk holds both; otherwise in $DQN_VENV_HOME (default ~/.cache/dqn) when that is another
# disk with room, and `.venv` links there.
need_venv_mib=4600
need_build_mib=2000
# free_mib DIR: MiB free on the disk that holds DIR (or its nearest existing parent).
existing() { local d=$1; while [ ! -e "$d" ]; do d=$(dirname "$d"); done; echo "$d"; }
free_mib() { df -Pk "$(existing "$1")" | awk 'NR==2 {print int($4 / 1024)}'; }
gb() { awk -v m="$1" 'BEGIN {printf "%.1f GB", m * 1.048576 / 1000}'; }
venv_home="${DQN_VENV_HOME:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/dqn}"
here_free=$(free_mib .)
home_free=$(free_mib "$venv_home")
if [ "$here_free" -ge $((need_venv_mib + need_build_mib)) ]; then
  dest="$(pwd)/$venv"
elif [ "$(stat -c %d "$(existing "$venv_home")")" != "$(stat -c %d .)" ] \
  && [ "$home_free" -ge "$need_venv_mib" ] && [ "$here_free" -ge "$need_build_mib" ]; then
  mkdir -p "$venv_home" || die "cannot make $venv_home for the venv; set DQN_VENV_HOME to a folder with $(gb $need_venv_mib) free"
  dest="$(cd "$venv_home" && pwd)/venv-$(pwd | sha1sum | cut -c1-12)"
  echo "bootstrap: $(gb "$here_free") free here, too little for .venv and target/; .venv goes to $dest ($(gb "$home_free") free there)"
else
  die "not enough disk: .venv needs about $(gb $need_venv_mib) and target/ $(gb $need_build_mib); $(pwd) has $(gb "$here_free") free and $venv_home $(gb "$home_free"). Free some space, or set DQN_VENV_HOME to a folder on a disk with room, and run make again"
fi
partial="$dest.partial"

echo "bootstrap: installing torch==$TORCH_VERSION from PyPI into $dest (about 3.7 GB, once, one wheel at a time)"
rm -rf "$partial"
python3 -m venv "$partial" || die "python3 -m venv failed; install python3-venv"
"$partial/bin/python" -m pip install --quiet --upgrade pip >/dev/null 2>&1 || true
log=$(mktemp)
# pip's downloads wait in the venv's own folder, on the disk chosen above, not in /tmp.
mkdir -p "$partial/.tmp"
# shellcheck disable=SC2086
TMPDIR="$partial/.tmp" pip_install_resolved "$partial/bin/python" "$log" \
  "torch==$TORCH_VERSION" $EXTRA_PACKAGES \
  || pip_fail "$log" "torch==$TORCH_VERSION" "or set LIBTORCH to an existing libtorch"
rm -rf "$log" "$partial/.tmp"
torch_dir=$("$partial/bin/python" -c 'import importlib.util, os; print(os.path.realpath(importlib.util.find_spec("torch").submodule_search_locations[0]))')
[ -f "$torch_dir/lib/libtorch_cpu.so" ] || die "the torch wheel has no lib/libtorch_cpu.so under $torch_dir"
torch_dir="$dest/${torch_dir#"$(cd "$partial" && pwd -P)/"}"
rm -rf "$dest"
mv "$partial" "$dest"
[ "$dest" = "$(pwd)/$venv" ] || ln -sfn "$dest" "$venv"
echo "$torch_dir" >"$venv/.torch-dir"
echo "torch==$TORCH_VERSION" >"$marker"
ln -sfn "$torch_dir" .libtorch
echo "bootstrap: libtorch ready at .libtorch -> $torch_dir"
