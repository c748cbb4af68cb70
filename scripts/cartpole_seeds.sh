#!/usr/bin/env bash
# The "Stays learnt" cartpole table: for each seed, `dqn train --env cartpole` (the default
# cartpole preset, 50k steps), then 100 greedy episodes of the FINAL model (the run folder's
# newest step_N checkpoint, the weights after the last update) and of checkpoints/best.safetensors.
# Prints one markdown row per seed, then the mean and minimum of the final models. Goal: every
# final model >= 475.
#
# Usage: scripts/cartpole_seeds.sh [--jobs N] [--name NAME] [--set KEY=VALUE]... [SEED...]
#   default seeds 1 2 3 4 5, 2 trainings at a time; --set overrides go to every training
#   (for one-at-a-time experiments), --name sets the run name (default dqn).
# Uses target/release/dqn (cargo build --release --bin dqn), or the binary named by $DQN (the dev
# build target/debug/dqn is fast enough: its dependencies, libtorch calls included, are optimized).
# Run folders go to runs/.
set -euo pipefail
cd "$(dirname "$0")/.."
dqn="${DQN:-./target/release/dqn}"
jobs=2
name=dqn
sets=()
seeds=()
while [ $# -gt 0 ]; do
  case "$1" in
    --jobs) jobs="$2"; shift 2 ;;
    --name) name="$2"; shift 2 ;;
    --set) sets+=(--set "$2"); shift 2 ;;
    -*) echo "unknown option $1" >&2; exit 2 ;;
    *) seeds+=("$1"); shift ;;
  esac
done
[ ${#seeds[@]} -gt 0 ] || seeds=(1 2 3 4 5)
[ -x "$dqn" ] || { echo "$dqn not found: cargo build --release --bin dqn, or set DQN" >&2; exit 1; }
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

train() {
  nice -n 5 "$dqn" train --env cartpole --seed "$1" --name "$name" --quiet ${sets[@]+"${sets[@]}"} \
    >"$logs/train_$1.txt" 2>&1 || { echo "seed $1: training failed:" >&2; tail -n 3 "$logs/train_$1.txt" >&2; }
}
running=0
for s in "${seeds[@]}"; do
  train "$s" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then wait -n || true; running=$((running - 1)); fi
done
wait

mean() { "$dqn" eval "$@" --episodes 100 --epsilon 0 --device cpu --json | grep -o '"mean_return":[-0-9.e+]*' | cut -d: -f2; }
echo "| seed | final model (100 greedy ep.) | best.safetensors (100 greedy ep.) | best's step | run |"
echo "|---|---|---|---|---|"
finals=()
for s in "${seeds[@]}"; do
  run=$(sed -n 's/^run: //p' "$logs/train_$s.txt")
  [ -n "$run" ] || { echo "| $s | training failed | | | |"; continue; }
  final=$(mean "$run" --checkpoint last)
  best=$(mean "$run/checkpoints/best.safetensors")
  best_step=$(grep -o '"step":[0-9]*' "$run/checkpoints/best.json" | cut -d: -f2)
  printf '| %s | %.1f | %.1f | %s | %s |\n' "$s" "$final" "$best" "$best_step" "$run"
  finals+=("$final")
done
printf '%s\n' "${finals[@]}" | awk '{ s += $1; if (NR == 1 || $1 < m) m = $1 } END { if (NR) printf "final models: mean %.1f, min %.1f over %d seeds\n", s / NR, m, NR }'
