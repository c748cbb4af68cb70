#!/usr/bin/env bash
# Benchmarks our breakout (envs crate, release build, 1 env on 1 thread, full DQN preprocessing:
# sticky actions, skip 4 + max, 84x84 gray, stack 4, random actions) against ALE Breakout with the
# same preprocessing (benches/peers/ale_env.py, one core), on this machine, and prints the ratio.
#
# Usage: scripts/bench_env.sh [OUR_STEPS] [ALE_STEPS]     (defaults 2000000 and 20000)
set -euo pipefail
cd "$(dirname "$0")/.."
our_steps="${1:-2000000}"
ale_steps="${2:-20000}"
python="${PYTHON:-.venv/bin/python}"
[ -x "$python" ] || python=python3
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target/envs}"

echo "building envs (release)..." >&2
cargo test --release -q -p envs --test core_bench --no-run >&2
ours=$(BENCH_ENV=breakout BENCH_STEPS="$our_steps" BENCH_NUM_ENVS=1 \
  taskset -c 0 cargo test --release -q -p envs --test core_bench -- --ignored --exact bench_json --nocapture 2>/dev/null \
  | grep -o '{.*}' | tail -n 1)
echo "ours: $ours"
ale=$("$python" benches/peers/ale_env.py --steps "$ale_steps" | tail -n 1)
echo "ale:  $ale"
"$python" - "$ours" "$ale" <<'PY'
import json, sys
ours, ale = (json.loads(s) for s in sys.argv[1:3])
print(f"ratio: ours {ours['steps_per_sec']:,.0f} steps/s / ALE {ale['steps_per_sec']:,.0f} steps/s = {ours['steps_per_sec'] / ale['steps_per_sec']:.0f}x")
PY
