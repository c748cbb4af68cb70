#!/usr/bin/env bash
# breakout-cpu, one seed after another, each for at most MINUTES of wall time (default 30; the
# preset's 400k steps end a run sooner on a fast machine), stopped by SIGINT like a person's
# Ctrl-C. Then, for each run: 30 greedy episodes (ε 0.01) of the FINAL model (the newest
# step_N.safetensors, the weights after the last update) and of checkpoints/best.safetensors
# (the best 5-episode evaluation during training), and the wall time at which the evaluations
# first reached 100 and 200 points. Ends with 30 episodes of the random policy, a markdown table,
# and the seed-band learning curve docs/img/breakout-cpu-seeds.png.
#
# Run it on a quiet machine: the budget is wall time.
# Usage: scripts/breakout_cpu_seeds.sh [SEED|RUN_DIR...]     (default seeds 1 2; MINUTES=30;
#        a RUN_DIR is a run trained before, evaluated with the others)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
dqn="${DQN:-target/release/dqn}"
minutes="${MINUTES:-30}"
[ $# -gt 0 ] || set -- 1 2
[ -x "$dqn" ] || cargo build --release --bin dqn
logs=runs/breakout_cpu_seeds_logs
mkdir -p "$logs"
runs=()
for s in "$@"; do
  if [ -d "$s" ]; then runs+=("$s"); continue; fi   # a run folder trained before: evaluate it too
  start=$(date +%s)
  stop_after $((minutes * 60)) "$dqn" train --env breakout --preset breakout-cpu --seed "$s" --name cpu30 \
    --device cpu >"$logs/train_$s.txt" 2>"$logs/train_$s.err" || { tail -n 3 "$logs/train_$s.err"; exit 1; }
  echo "seed $s: trained for $(( $(date +%s) - start )) s"
  runs+=("$(sed -n 's/^run: //p' "$logs/train_$s.txt")")
done

ret() { eval_return "$dqn" 30 "$@"; }
echo "| seed | steps | wall time | final model (30 ep., ε 0.01) | best.safetensors (30 ep.) | best's step | first eval ≥ 100 | first eval ≥ 200 |"
echo "|---|---|---|---|---|---|---|---|"
for run in "${runs[@]}"; do
  last=$(newest_step "$run")
  final=$(ret "$run" --checkpoint last --epsilon 0.01)
  best=$(ret "$run" --checkpoint best --epsilon 0.01)
  best_step=$(grep -o '"step":[0-9]*' "$run/checkpoints/best.json" | cut -d: -f2)
  times=$(.venv/bin/python - "$run" <<'PY'
import sys
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
acc = EventAccumulator(sys.argv[1], size_guidance={"scalars": 0})
acc.Reload()
start = min(e.wall_time for tag in acc.Tags()["scalars"] for e in acc.Scalars(tag))
evals = acc.Scalars("eval/mean_return")
end = max(e.wall_time for tag in acc.Tags()["scalars"] for e in acc.Scalars(tag))
def first(goal):
    hit = next((e for e in evals if e.value >= goal), None)
    return f"{(hit.wall_time - start) / 60:.1f} min (step {hit.step:,})" if hit else "not reached"
print(f"{(end - start) / 60:.1f} min|{first(100)}|{first(200)}")
PY
)
  IFS='|' read -r wall t100 t200 <<<"$times"
  seed=$(basename "$run" | awk -F__ '{print $3}')
  printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$seed" "$last" "$wall" "$final" "$best" "$best_step" "$t100" "$t200"
done
echo "random policy (30 ep., ε 1): $(ret "${runs[0]}" --checkpoint last --epsilon 1)"
"$dqn" plot "${runs[@]}" --tag eval/mean_return --band std --out docs/img/breakout-cpu-seeds.png \
  --title "breakout-cpu, ${#runs[@]} seeds, ${minutes} min each on 2 CPU cores" --ylabel "greedy return (5 episodes)"
"$dqn" plot "${runs[@]}" --band std --out docs/img/breakout-cpu-seeds-train.png \
  --title "breakout-cpu, ${#runs[@]} seeds: training episodes" 
echo "figures: docs/img/breakout-cpu-seeds.png docs/img/breakout-cpu-seeds-train.png"
