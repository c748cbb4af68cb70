#!/usr/bin/env bash
# Benchmarks our breakout (release build, full DQN preprocessing: sticky actions, skip 4 + max,
# 84x84 gray, stack 4, random actions) against ALE Breakout with the same preprocessing
# (benches/peers/ale_env.py), both pinned to the same single core, in one run, and prints the ratio.
#
# Usage: scripts/bench_env.sh [OUR_STEPS] [ALE_STEPS]     (defaults 2000000 and 20000)
set -euo pipefail
cd "$(dirname "$0")/.."
our_steps="${1:-2000000}"
ale_steps="${2:-20000}"
python="${PYTHON:-.venv/bin/python}"
dqn="${DQN:-target/release/dqn}"   # DQN=path/to/dqn measures another build (before/after a change)
[ -x "$dqn" ] || cargo build --release --bin dqn
ours=$(taskset -c 0 "$dqn" bench env --env breakout --steps "$our_steps" --num-envs 8 --json)
echo "$ours" | sed 's/^/ours: /'
ale=$(taskset -c 0 "$python" benches/peers/ale_env.py --steps "$ale_steps" | tail -n 1)
echo "ale:  $ale"
"$python" - "$(echo "$ours" | head -n 1)" "$ale" <<'PY'
import json, sys
ours, ale = (json.loads(s) for s in sys.argv[1:3])
print(f"ratio (1 env, 1 core): ours {ours['steps_per_sec']:,.0f} steps/s / ALE {ale['steps_per_sec']:,.0f} steps/s = {ours['steps_per_sec'] / ale['steps_per_sec']:.0f}x")
PY
