#!/usr/bin/env bash
# SegNet `basic` inference at 360x480, ours against the same network in PyTorch, in the same call.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x target/release/dqn ] || cargo build --release --bin dqn
target/release/dqn --threads "${THREADS:-1}" bench segnet --iters "${ITERS:-10}"
