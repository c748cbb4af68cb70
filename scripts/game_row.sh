#!/usr/bin/env bash
# One row of docs/results/learning.md's "Every game" table (issue 10): `dqn train --env ENV` with
# its default preset, stopped by SIGINT (a person's Ctrl-C: it saves a checkpoint) after MINUTES of
# wall time if the preset's steps are not done by then. Then 30 whole games with ε 0.01 of the FINAL
# model (the newest step_N checkpoint) and of the random policy (ε 1), printed as a markdown row.
# With AT=M (M < MINUTES), also the newest checkpoint that was written within the first M minutes:
# one longer run answers "what 30 minutes reach" and "what 60 minutes reach" (pong).
#
# Run it on a quiet machine: the budget is wall time.
# Usage: scripts/game_row.sh ENV [MINUTES] [-- TRAIN_ARGS...]   (MINUTES default 30; AT=30;
#        SEED=1; EPISODES=30; DQN=target/release/dqn). TRAIN_ARGS go to `dqn train`, e.g.
#        `-- --steps 800000` so that the preset's steps do not end a 60-minute run early.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
dqn="${DQN:-target/release/dqn}"
env="${1:?usage: scripts/game_row.sh ENV [MINUTES] [-- TRAIN_ARGS...]}"
shift
minutes=30
if [ $# -gt 0 ] && [ "$1" != "--" ]; then minutes="$1"; shift; fi
[ $# -eq 0 ] || { [ "$1" = "--" ] || { echo "game_row: expected -- before training arguments, got $1" >&2; exit 2; }; shift; }
seed="${SEED:-1}"
episodes="${EPISODES:-30}"
at="${AT:-}"
[ -x "$dqn" ] || cargo build --release --bin dqn
logs=runs/game_row_logs
mkdir -p "$logs"
log="$logs/${env}_${seed}_$(date +%s)"

start=$(date +%s)
stop_after $((minutes * 60)) "$dqn" train --env "$env" --seed "$seed" --name "row${minutes}" --device cpu \
  --set run.keep_checkpoints=0 "$@" >"$log.txt" 2>"$log.err" || { tail -n 3 "$log.err" >&2; exit 1; }
secs=$(( $(date +%s) - start ))
run=$(sed -n 's/^run: //p' "$log.txt" | tail -n 1)
[ -n "$run" ] && [ -d "$run/checkpoints" ] || { echo "game_row: training printed no run folder (see $log.txt)" >&2; exit 1; }
echo "$env seed $seed: trained for $secs s -> $run"

ret() { eval_return "$dqn" "$episodes" "$@"; }

checkpoints=$(checkpoint_steps "$run")
final_step=$(tail -n 1 <<<"$checkpoints" | cut -d' ' -f1)
random=$(ret "$run" --checkpoint last --epsilon 1)
row() { # STEP MINUTES_LABEL
  local r
  r=$(ret "$run/checkpoints/step_$1.safetensors" --epsilon 0.01)
  printf '| %s (seed %s) | %s | %s | **%s** (%s ep.) | %s (%s ep.) | `%sscripts/game_row.sh %s %s%s` |\n' \
    "$env" "$seed" "$(printf "%'d" "$1")" "$2" "$r" "$episodes" "$random" "$episodes" "${at:+AT=$at }" "$env" "$minutes" "${*:3}"
}
echo "| env | steps | wall time | final model (ε 0.01) | random (ε 1) | command |"
echo "|---|---|---|---|---|---|"
if [ -n "$at" ]; then
  read -r at_step at_mtime < <(awk -v limit=$((start + at * 60)) '$2 <= limit { s = $1; t = $2 } END { print s, t }' <<<"$checkpoints")
  if [ -n "$at_step" ]; then
    at_secs=$(( at_mtime - start ))
    row "$at_step" "$((at_secs / 60)) min (checkpoint within $at min)" "${@:+ -- $*}"
  else
    echo "| $env (seed $seed) | | $at min | no checkpoint within $at min | | |"
  fi
fi
row "$final_step" "$((secs / 60)) min" "${@:+ -- $*}"
