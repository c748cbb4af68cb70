#!/usr/bin/env bash
# The SegNet bf16 check (issue 11): one recipe trained twice with the same seed, once in fp32 and
# once in bf16 (mixed precision: f32 weights, Adam state and checkpoints), then each checkpoint
# evaluated on the test split in fp32 and in bf16. Passes (exit 0) when, for each checkpoint, the
# bf16 evaluation's mIoU is at most 0.005 below its fp32 evaluation's.
#
# The recipe: SegNet `basic`, 1,000 generated 90×120 driving images (200 val, 200 test; dataset
# seed 13), 5 epochs, Adam 1e-3 falling to 1e-5 along a cosine, sqrt-median class weights, no
# crop. About 5–10 minutes per run on 2 CPU cores (bf16 is faster only where the CPU has bf16 dot
# products, `dqn --version` says).
# Usage: scripts/precision_segnet.sh [SEED]    (default 1; EPOCHS=5)
set -euo pipefail
cd "$(dirname "$0")/.."
dqn="${DQN:-target/release/dqn}"
seed="${1:-1}"
epochs="${EPOCHS:-5}"
data=data/precision-90x120
[ -x "$dqn" ] || cargo build --release --bin dqn
"$dqn" --version | grep '^cpu'
[ -f "$data/test.txt" ] ||
  "$dqn" segnet gen --out "$data" --train 1000 --val 200 --test 200 --size 90x120 --seed 13 >/dev/null
logs=runs/precision_segnet_logs
mkdir -p "$logs"
# miou RUN PRECISION: the run's test mIoU with the forward passes in PRECISION (eval prints one
# JSON object, over several lines).
miou() { "$dqn" segnet eval "$1" --precision "$2" --json 2>/dev/null |
  .venv/bin/python -c 'import json,sys; print("%.4f" % json.loads(sys.stdin.read())["miou"])'; }
rows=()
fail=0
for p in fp32 bf16; do
  log="$logs/${p}_${seed}_$(date +%s)"
  start=$(date +%s)
  "$dqn" segnet train --data "$data" --preset basic --size 90x120 --epochs "$epochs" --lr 1e-3 \
    --lr-end 1e-5 --class-weights sqrt-median --no-crop --seed "$seed" --precision "$p" --quiet \
    >"$log.txt" 2>"$log.err" || { tail -n 3 "$log.err"; exit 1; }
  secs=$(( $(date +%s) - start ))
  rate=$(grep -o '[0-9.]* images/s' "$log.txt" | tail -n 1)
  run=$(sed -n 's/^run: //p' "$log.txt")
  in32=$(miou "$run" fp32)
  in16=$(miou "$run" bf16)
  read -r drop ok < <(.venv/bin/python -c 'import sys
drop = float(sys.argv[1]) - float(sys.argv[2])
print("%.4f" % drop, "yes" if drop <= 0.005 else "no")' "$in32" "$in16")
  [ "$ok" = yes ] || fail=1
  echo "$p-trained: $secs s, $rate; test mIoU $in32 (fp32 eval), $in16 (bf16 eval); $run"
  rows+=("| $p | $secs s, $rate | $in32 | $in16 | $drop ($([ "$ok" = yes ] && echo "≤ 0.005: pass" || echo "> 0.005: FAIL")) |")
done
echo
echo "| trained in | wall time, training images/s | test mIoU, fp32 eval | test mIoU, bf16 eval | drop in bf16 eval |"
echo "|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
[ "$fail" = 0 ] && echo "PASS (bf16 eval within 0.005 of fp32 eval for both checkpoints)" ||
  echo "FAIL (bf16 eval more than 0.005 below fp32 eval)"
exit "$fail"
