#!/usr/bin/env bash
# DQN update speed (Nature CNN, batch 32) and batch-1 acting, ours against PyTorch 2.13 in the same
# call (`dqn bench learner` runs benches/peers/torch_learner.py itself), 1 thread each.
# PRECISION=bf16 runs ours in bf16 autocast and the peer under torch.autocast(bfloat16).
set -euo pipefail
cd "$(dirname "$0")/.."
dqn="${DQN:-target/release/dqn}"   # DQN=path/to/dqn measures another build (before/after a change)
[ -x "$dqn" ] || cargo build --release --bin dqn
"$dqn" --threads "${THREADS:-1}" bench learner --updates "${UPDATES:-60}" --acts 600 ${PRECISION:+--precision "$PRECISION"}
