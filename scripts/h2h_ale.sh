#!/usr/bin/env bash
# Head to head on real ALE Breakout (issue 10), CPU: Stable-Baselines3 DQN with RL Zoo's Atari
# hyperparameters, then `dqn train --env gym:ALE/Breakout-v5 --preset ale-breakout-cpu`, one after
# the other, each with the same wall budget (30 minutes by default) on this machine.
#
# 1. SB3 (benches/peers/sb3_ale_h2h.py): total_timesteps is what SB3 reaches in the budget (measured
#    by a short calibration, with the faster of 1 and 2 torch threads), so its ε schedule ends as
#    ours does; a wall-clock guard stops it at the budget in any case.
# 2. Ours: the preset's steps, stopped by Ctrl-C (which saves a checkpoint) at the budget if not done,
#    with a checkpoint at SB3's final step count.
# Then each final model, and ours at SB3's step count, plays 30 whole games with ε 0.01, and both
# learning curves (charts/episodic_return: raw scores of whole games) go on one picture with
# `dqn plot` (SB3's episodes are written as an event file beside its monitor.csv).
#
# Usage: scripts/h2h_ale.sh [MINUTES] [OUT_DIR] [-- TRAIN_ARGS...]
#        (default 30, runs/h2h_<time>; needs `make gym`). TRAIN_ARGS go to our `dqn train` after the
#        preset, e.g. `-- --steps 700000 --set dqn.eps_fraction=0.14285715` to try a change of it.
#        DQN=target/debug/dqn to use another build; H2H_SEED=1
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
minutes=30
out="runs/h2h_$(date +%s)"
if [ $# -gt 0 ] && [ "$1" != "--" ]; then minutes="$1"; shift; fi
if [ $# -gt 0 ] && [ "$1" != "--" ]; then out="$1"; shift; fi
[ $# -eq 0 ] || { [ "$1" = "--" ] || { echo "h2h: expected -- before training arguments, got $1" >&2; exit 2; }; shift; }
seed="${H2H_SEED:-1}"
dqn="${DQN:-target/release/dqn}"
python=.venv/bin/python
budget=$(( minutes * 60 ))
[ -x "$dqn" ] || cargo build --release --bin dqn
make --no-print-directory gym sb3
[ ! -e "$out" ] || [ -z "$(ls -A "$out")" ] || { echo "h2h: $out already holds files; give a new OUT_DIR" >&2; exit 2; }
mkdir -p "$out"
echo "head to head, ALE/Breakout-v5, $minutes min each, seed $seed, $(nproc) cores -> $out"

echo "== 1. SB3 DQN (RL Zoo Atari hyperparameters)"
"$python" benches/peers/sb3_ale_h2h.py --seconds "$budget" --out "$out/sb3" --seed "$seed" | tee "$out/sb3.json"
sb3=$(tail -n 1 "$out/sb3.json")
sb3_steps=$("$python" -c 'import json,sys; print(json.loads(sys.argv[1])["steps"])' "$sb3")

echo "== 2. dqn train --preset ale-breakout-cpu${*:+ $*} (checkpoint at SB3's $sb3_steps steps)"
start=$(date +%s)
set +e
stop_after "$budget" "$dqn" train --env gym:ALE/Breakout-v5 --preset ale-breakout-cpu --seed "$seed" \
  --device cpu --name h2h --runs-dir "$out/ours" --set run.checkpoint_every="$sb3_steps" \
  --set run.keep_checkpoints=0 --quiet "$@" | tee "$out/ours.txt"
set -e
ours_secs=$(( $(date +%s) - start ))
run=$(sed -n 's/^run: //p' "$out/ours.txt" | tail -n 1)
[ -n "$run" ] && [ -d "$run/checkpoints" ] || { echo "h2h: our training printed no run folder (see $out/ours.txt)" >&2; exit 1; }
ours_steps=$(newest_step "$run")
final="$run/checkpoints/step_$ours_steps.safetensors"

evaluate() { "$dqn" eval "$1" --episodes 30 --epsilon 0.01 --device cpu --json | grep '^{' | tail -n 1; }
echo "== 3. evaluation: 30 whole games, ε 0.01"
ours_final=$(evaluate "$final")
at_sb3="$run/checkpoints/step_$sb3_steps.safetensors"
ours_at_sb3='null'
[ -f "$at_sb3" ] && ours_at_sb3=$(evaluate "$at_sb3")

"$dqn" plot "$out/sb3" "$run" --label "SB3 DQN (RL Zoo)" --label "dqn ale-breakout-cpu" \
  --title "ALE/Breakout-v5, $minutes min each, episodic return" --out "$out/h2h.png" || echo "note: dqn plot failed"

"$python" - "$sb3" "$ours_final" "$ours_at_sb3" "$ours_steps" "$ours_secs" <<'PY'
import json, sys
sb3, final, at_sb3 = (json.loads(s) for s in sys.argv[1:4])
steps, secs = int(sys.argv[4]), int(sys.argv[5])
rows = [
    ("SB3 DQN, final", sb3["steps"], sb3["steps_per_sec"], sb3["eval_mean"], sb3["eval_std"]),
    ("ours, final", steps, steps / max(secs, 1), final["mean_return"], final["std_return"]),
]
if at_sb3:
    rows.append((f"ours at SB3's {sb3['steps']} steps", sb3["steps"], None, at_sb3["mean_return"], at_sb3["std_return"]))
print("| model | steps | steps/s | greedy return (30 games, ε 0.01) |")
print("|---|---:|---:|---:|")
for name, st, sps, mean, std in rows:
    print(f"| {name} | {st} | {'' if sps is None else f'{sps:.0f}'} | {mean:.1f} ± {std:.1f} |")
wall = final["mean_return"] / max(sb3["eval_mean"], 1e-9)
print(f"equal wall time: ours / SB3 = {wall:.2f}x (goal ≥ 5x)" if sb3["eval_mean"] > 0 else
      f"equal wall time: SB3 scored {sb3['eval_mean']:.1f}, ours {final['mean_return']:.1f} (goal ≥ 5x)")
if at_sb3:
    print(f"equal env steps: ours {at_sb3['mean_return']:.1f} vs SB3 {sb3['eval_mean']:.1f} (goal ≥ SB3)")
else:
    print(f"equal env steps: ours did not reach SB3's {sb3['steps']} steps")
PY
echo "curves: $out/h2h.png"
