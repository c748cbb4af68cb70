#!/usr/bin/env bash
# What `--set dqn.num_envs=N` does on this machine, 1 libtorch thread:
#  1. speed: `dqn train --env breakout --preset breakout-cpu` for STEPS steps (learning starts at
#     2,000) with N = 1, 2, 4, 8; prints the training steps/s after learning starts;
#  2. learning: the `cartpole` preset (50k steps) with N = 1, 4, 8, seed 1, then the best model's
#     greedy mean return over 100 episodes and the wall time.
# train_freq counts env steps over all envs, so updates per env step are the same for every N:
# only acting is batched.
#
# Usage: scripts/bench_num_envs.sh [STEPS]   (default 12000)
set -euo pipefail
cd "$(dirname "$0")/.."
steps="${1:-12000}"
[ -x target/release/dqn ] || cargo build --release --bin dqn
runs=$(mktemp -d)
trap 'rm -rf "$runs"' EXIT
dqn=./target/release/dqn
for n in 1 2 4 8; do
  "$dqn" train --env breakout --preset breakout-cpu --threads 1 --quiet --runs-dir "$runs" --name "n$n" \
    --steps "$steps" --set dqn.num_envs="$n" --set dqn.learning_starts=2000 \
    --set run.eval_episodes=0 --set run.checkpoint_every=0 >"$runs/b$n.txt"
  sps=$(grep -o 'learning: [0-9.]* steps/s' "$runs/b$n.txt" | grep -o '[0-9.]*' | head -n 1)
  echo "breakout-cpu num_envs $n: $sps steps/s after learning starts"
done
for n in 1 4 8; do
  start=$(date +%s)
  "$dqn" train --env cartpole --threads 1 --quiet --runs-dir "$runs" --name "n$n" --seed 1 \
    --set dqn.num_envs="$n" >"$runs/c$n.txt"
  wall=$(( $(date +%s) - start ))
  run=$(ls -d "$runs"/cartpole__n"$n"__*)
  ret=$("$dqn" eval "$run/checkpoints/best.safetensors" --episodes 100 --epsilon 0 --json | grep -o '"mean_return":[0-9.]*' | cut -d: -f2)
  echo "cartpole num_envs $n: best model greedy mean over 100 episodes $ret, wall ${wall}s"
done
