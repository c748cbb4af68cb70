#!/usr/bin/env bash
# The bf16 learning check (issue 11): breakout-cpu trained in fp32 and in bf16 (mixed precision:
# f32 master weights and Adam state, bf16 forward and backward), the same seeds, STEPS steps each
# (default 200k), one run after another. Each FINAL model (the newest step_N.safetensors, never a
# restored best) plays EPISODES greedy episodes (ε 0.01, default 10) evaluated in fp32, and the
# bf16-trained one also in bf16. Passes (exit 0) when, on every seed, the bf16-trained model's
# return is at least 90 % of the fp32-trained one's.
#
# bf16 is faster than fp32 only on a CPU with bf16 dot products (avx512_bf16 or AMX; `dqn
# --version` says which); elsewhere it runs, much slower. Run it on a quiet machine: the table
# also gives each run's steps/s.
# Usage: scripts/precision_check.sh [SEED...]    (default seeds 1 2; STEPS=200000, EPISODES=10)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
dqn="${DQN:-target/release/dqn}"
steps="${STEPS:-200000}"
episodes="${EPISODES:-10}"
[ $# -gt 0 ] || set -- 1 2
[ -x "$dqn" ] || cargo build --release --bin dqn
"$dqn" --version | grep '^cpu'
logs=runs/precision_check_logs
mkdir -p "$logs"
rows=()
fail=0
declare -A ret=()   # final model's return by precision, for the seed in hand
for s in "$@"; do
  for p in fp32 bf16; do
    log="$logs/${p}_${s}_$(date +%s)"
    "$dqn" train --env breakout --preset breakout-cpu --steps "$steps" --seed "$s" --precision "$p" \
      --name "$p" --device cpu --quiet >"$log.txt" 2>"$log.err" || { tail -n 3 "$log.err"; exit 1; }
    run=$(sed -n 's/^run: //p' "$log.txt")
    trained=$(grep -o 'in [0-9]* s, [0-9]* steps/s' "$log.txt" | head -n 1)
    ckpt="$run/checkpoints/step_$(newest_step "$run").safetensors"
    ret[$p]=$(eval_return "$dqn" "$episodes" "$ckpt" --epsilon 0.01 --precision fp32)
    in_bf16="—"
    [ "$p" = bf16 ] && in_bf16=$(eval_return "$dqn" "$episodes" "$ckpt" --epsilon 0.01 --precision bf16)
    echo "seed $s, $p: $trained; final model ${ret[$p]} (fp32 eval), $in_bf16 (bf16 eval); $run"
    rows+=("| $s | $p | $steps | ${trained#in } | ${ret[$p]} | $in_bf16 |")
  done
  # ok when bf16 ≥ 0.9 × fp32; the ratio is printed only where fp32's return is positive.
  read -r ratio ok < <(.venv/bin/python -c 'import sys
f, b = (float(x.split()[0]) for x in sys.argv[1:])
print(f"{b / f:.2f}×" if f > 0 else "n/a", "yes" if b >= 0.9 * f else "no")' "${ret[fp32]}" "${ret[bf16]}")
  rows+=("| $s | bf16 / fp32 | | | **${ratio}** ($([ "$ok" = yes ] && echo "≥ 0.9: pass" || echo "< 0.9: FAIL")) | |")
  [ "$ok" = yes ] || fail=1
done
echo
echo "| seed | precision | steps | wall time, steps/s | final model, fp32 eval ($episodes ep., ε 0.01) | same, bf16 eval |"
echo "|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
[ "$fail" = 0 ] && echo "PASS (bf16 ≥ 90 % of fp32 on every seed)" || echo "FAIL (bf16 < 90 % of fp32 on some seed)"
exit "$fail"
