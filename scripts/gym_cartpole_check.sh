#!/usr/bin/env bash
# The gym bridge's learning check (issue 10): gymnasium's CartPole-v1 through the bridge
# (`--env gym:CartPole-v1`) with our `cartpole` preset must learn as our native cartpole does.
# It trains 50k steps, then plays 100 greedy episodes (ε 0) with the FINAL model (the weights after
# the last update, step_50000, never a restored best) and, for information, with best.safetensors.
# Passes (exit 0) when the final model's mean return is at least 475.
#
# Usage: scripts/gym_cartpole_check.sh [SEED]    (default 1; needs `make gym`)
#        DQN=target/debug/dqn scripts/gym_cartpole_check.sh   to use another build
set -euo pipefail
cd "$(dirname "$0")/.."
seed="${1:-1}"
steps=50000
dqn="${DQN:-target/release/dqn}"
[ -x "$dqn" ] || cargo build --release --bin dqn
make --no-print-directory gym
runs=$(mktemp -d)
trap 'rm -rf "$runs"' EXIT
start=$(date +%s)
out=$("$dqn" train --env gym:CartPole-v1 --preset cartpole --steps "$steps" --seed "$seed" --device cpu \
  --runs-dir "$runs" --quiet)
echo "$out" | grep -E "^(trained|learning|eval|mean)" || true
run=$(echo "$out" | sed -n 's/^run: //p')
echo "trained in $(( $(date +%s) - start )) s"
final=$("$dqn" eval "$run/checkpoints/step_$steps.safetensors" --episodes 100 --epsilon 0 --device cpu --json)
best=""
[ -f "$run/checkpoints/best.safetensors" ] &&
  best=$("$dqn" eval "$run/checkpoints/best.safetensors" --episodes 100 --epsilon 0 --device cpu --json)
.venv/bin/python - "$seed" "$final" "$best" <<'PY'
import json, sys
def last_json(text):
    return json.loads([l for l in text.splitlines() if l.startswith("{")][-1])
seed, final, best = sys.argv[1], last_json(sys.argv[2]), sys.argv[3]
line = f"gym:CartPole-v1 --preset cartpole, seed {seed}, 50k steps: final model {final['mean_return']:.1f} ± {final['std_return']:.1f} over {final['episodes']} greedy episodes"
if best:
    b = last_json(best)
    line += f"; best.safetensors {b['mean_return']:.1f}"
ok = final["mean_return"] >= 475
print(line)
print("PASS (final ≥ 475)" if ok else "FAIL (final < 475)")
sys.exit(0 if ok else 1)
PY
