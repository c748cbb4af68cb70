#!/usr/bin/env bash
# Installs the Python packages the tests need (beside torch) into the project venv, once, one
# wheel at a time (scripts/lib.sh's pip_install_resolved).
# The stamp names the package list, so changing the list reinstalls. An optional second argument
# names the stamp (.venv/<name>), so that separate lists (the gym bridge's) keep separate stamps.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
packages="$1"
stamp=".venv/${2:-.python-deps}"
[ -x .venv/bin/python ] || { echo "bootstrap: no .venv yet; run make bootstrap" >&2; exit 1; }
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$packages" ]; then exit 0; fi
echo "bootstrap: installing Python test packages: $packages"
log=$(mktemp)
# One wheel at a time, and without what LEFT_OUT_PACKAGES names (triton, which torch asks for).
# shellcheck disable=SC2086
pip_install_resolved .venv/bin/python "$log" $packages || pip_fail "$log" "$packages"
rm -f "$log"
echo "$packages" >"$stamp"
