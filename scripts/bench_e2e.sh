#!/usr/bin/env bash
# End-to-end training speed: `dqn train` on our breakout against Stable-Baselines3 DQN on ALE
# Breakout, side by side on this machine: the same Nature CNN, batch 32, train_freq 4, target
# update 1000, plain (not Double) DQN, 1 torch thread each, timed over the steps after
# learning_starts. Prints both steps/s and the ratio.
#
# PRECISION (fp32 default, or bf16) is passed to `dqn train --precision`; SB3 always runs f32
# (it has no autocast option), so a bf16 ratio compares our bf16 against SB3's f32.
#
# Usage: scripts/bench_e2e.sh [TIMED_STEPS] [LEARNING_STARTS] [PRECISION]   (defaults 3000, 1000, fp32)
set -euo pipefail
cd "$(dirname "$0")/.."
timed="${1:-3000}"
starts="${2:-1000}"
precision="${3:-fp32}"
python=.venv/bin/python
dqn="${DQN:-target/release/dqn}"   # DQN=path/to/dqn measures another build (before/after a change)
[ -x "$dqn" ] || cargo build --release --bin dqn
# --precision only when asked for, so that a build from before the flag can be measured too.
prec=()
[ "$precision" = fp32 ] || prec=(--precision "$precision")
total=$((starts + timed))
runs=$(mktemp -d)
trap 'rm -rf "$runs"' EXIT
"$dqn" train --env breakout --preset breakout --device cpu --threads 1 --quiet ${prec[@]+"${prec[@]}"} \
  --runs-dir "$runs" --steps "$total" --set dqn.learning_starts="$starts" --set dqn.double_dqn=false \
  --set dqn.buffer_size=10000 --set run.eval_episodes=0 --set run.checkpoint_every=0 >"$runs/ours.txt"
ours=$(grep -o 'learning: [0-9.]* steps/s' "$runs/ours.txt" | grep -o '[0-9.]*' | head -n 1)
echo "ours ($precision): dqn train breakout, $timed steps after learning_starts=$starts: $ours steps/s"
peer=$("$python" benches/peers/sb3_breakout.py --learning-starts "$starts" --steps "$timed" --threads 1 | tail -n 1)
echo "sb3:  $peer"
"$python" - "$ours" "$peer" <<'PY'
import json, sys
ours = float(sys.argv[1]); peer = json.loads(sys.argv[2])["steps_per_sec"]
print(f"ratio: ours {ours:.1f} steps/s / SB3 {peer:.1f} steps/s = {ours / peer:.2f}x")
PY
