#!/usr/bin/env bash
# SegNet `basic` inference at 360x480, ours against the same network in PyTorch. Each round times
# ours, then the peer, back to back; on a shared machine one round can be hit by a neighbour, so
# it runs ROUNDS rounds (default 5) and prints the median of the per-round ratios.
#
# PRECISION=bf16 runs both under bf16 autocast.
#
# Usage: [ROUNDS=5] [ITERS=10] [THREADS=1] [PRECISION=fp32] scripts/bench_segnet.sh
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x target/release/dqn ] || cargo build --release --bin dqn
ratios=()
for _ in $(seq "${ROUNDS:-5}"); do
  line=$(target/release/dqn --threads "${THREADS:-1}" bench segnet --iters "${ITERS:-10}" --precision "${PRECISION:-fp32}" | tail -n 1)
  echo "$line"
  ratios+=("$(echo "$line" | sed -n 's/.* ratio \([0-9.]*\) .*/\1/p')")
done
printf '%s\n' "${ratios[@]}" | sort -n | awk '{r[NR]=$1} END {m = (NR % 2) ? r[(NR+1)/2] : (r[NR/2]+r[NR/2+1])/2; printf "median ratio over %d rounds: %.2fx\n", NR, m}'
