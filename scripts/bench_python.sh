#!/usr/bin/env bash
# Agent steps/s of the Python package dqn_envs beside its peers (EnvPool Breakout-v5 and ale-py's
# vector env) from Python, for 1, 8 and 64 envs on 1 and 2 threads, and the Rust-only speed of the
# same vector env (`dqn bench env`'s measurement, through the envs crate's bench_env example), all
# in one call. Run through `make bench-python`, which builds and installs the wheel first.
#
# Usage: scripts/bench_python.sh [SECONDS_PER_MEASUREMENT]     (default 2)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-2}"
python="${PYTHON:-.venv/bin/python}"
# EnvPool is the peer the issue names; it is not needed by anything else, so it is installed here.
scripts/bootstrap-python-deps.sh "envpool==1.2.5" .python-bench-deps ||
  echo "bench-python: EnvPool could not be installed; the table compares with ale-py only"
cargo build -q --release -p envs --example bench_env
echo "== Rust only (envs::bench, no Python), breakout, 64 envs"
target/release/examples/bench_env breakout 2000000 64:1 64:2 | sed 's/^/rust: /'
echo "== From Python"
"$python" benches/python_vec_env.py --seconds "$seconds"
