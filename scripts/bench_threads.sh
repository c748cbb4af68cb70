#!/usr/bin/env bash
# How many libtorch threads should `dqn` use on this machine? Measures DQN updates/s (Nature CNN,
# batch 32, `dqn bench learner`) side by side for:
#   --threads 1 and --threads 2 (OMP_NUM_THREADS set before libtorch starts, as dqn does),
#   1 thread at start-up then tch::set_num_threads(2) afterwards,
# each with the other core idle and with the other core busy (a spinning process, as when the
# actor thread or another program runs there). Prints one line per case.
set -euo pipefail
cd "$(dirname "$0")/.."
dqn=./target/release/dqn
updates="${1:-40}"
measure() {
  local label="$1"; shift
  local v
  v=$("$@" bench learner --no-peer --json --updates "$updates" --acts 200 | grep -o '"updates_per_sec":[0-9.]*' | cut -d: -f2)
  printf '%-44s %8.1f updates/s\n' "$label" "$v"
}
for load in idle busy; do
  spinner=""
  if [ "$load" = busy ]; then
    ( while :; do :; done ) &
    spinner=$!
  fi
  measure "threads 1 (default), other core $load" "$dqn" --threads 1
  measure "threads 2 via OMP_NUM_THREADS, other core $load" "$dqn" --threads 2
  measure "threads 1 + set_num_threads(2) late, other core $load" env DQN_BENCH_SET_NUM_THREADS=2 "$dqn" --threads 1
  [ -n "$spinner" ] && kill "$spinner"
done
