#!/usr/bin/env bash
# (kept in scripts/ for the record; it expects the GPU build of dqn at .gpu/dqn, as scripts/gpu_check.sh explains)
# Session 2 GPU experiments, run ON the GPU machine from the repository root (.gpu/ carried):
#  1. backbone transfer: DQN on `driving` from scratch vs from a SegNet checkpoint's backbone,
#     2 seeds each, STEPS steps, all four at once on cuda;
#  2. SegNet class weighting on the generated 90x120 data: median / sqrt-median / none, 30 epochs,
#     cosine lr 1e-3 -> 1e-5, then test-split metrics.
# Everything writes under $OUT. Training gets SIGINT at the time limit (saves a checkpoint, exits 130).
# Usage: scripts/gpu_experiments.sh SEGNET_CHECKPOINT   (the backbone for the transfer runs)
set -u
CK=${1:?usage: $0 SEGNET_CHECKPOINT}
. "$(dirname "$0")/lib.sh"
TORCH_VENV=${TORCH_VENV:-/opt/torch/.venv}
OUT=${OUT:-/tmp/exp}
STEPS=${STEPS:-100000}
LIMIT=${LIMIT:-390}
DEV=${DEV:-cuda}
EPOCHS=${EPOCHS:-30}
mkdir -p "$OUT"
torch_libs "$TORCH_VENV" || { echo "error: no torch in $TORCH_VENV" >&2; exit 2; }
D=.gpu/dqn
T0=$SECONDS
if [ "$DEV" = cuda ]; then need_cuda $D "$OUT/version.log"; else $D --version > "$OUT/version.log" 2>&1; fi
common=(--device "$DEV" --steps "$STEPS" --runs-dir "$OUT/runs" --quiet --set run.eval_every=25000 --set run.eval_episodes=2)
for s in 1 2; do
    stop_after "$LIMIT" $D train --env driving --preset driving --seed $s --name scratch "${common[@]}" > "$OUT/dqn_scratch_$s.log" 2>&1 &
    stop_after "$LIMIT" $D train --env driving --preset driving --seed $s --name segnet-init --init-backbone "$CK" "${common[@]}" > "$OUT/dqn_init_$s.log" 2>&1 &
done
for w in median sqrt-median none; do
    ( stop_after "$LIMIT" $D segnet train --data data/driving-v2-90x120 --epochs "$EPOCHS" --class-weights $w \
        --lr 1e-3 --lr-end 1e-5 --device "$DEV" --runs-dir "$OUT/seg_$w" --quiet > "$OUT/seg_$w.log" 2>&1
      run=$(ls -d "$OUT/seg_$w"/segnet__* | head -n 1)
      $D segnet eval "$run" --data data/driving-v2-90x120 --split test --device "$DEV" > "$OUT/seg_${w}_test.txt" 2>&1 ) &
done
if command -v nvidia-smi > /dev/null; then
    nvidia-smi --query-gpu=timestamp,utilization.gpu,memory.used --format=csv -l 15 > "$OUT/nvidia-smi.csv" 2>&1 &
    SMI=$!
fi
wait $(jobs -p | grep -v "^${SMI:-x}$") 2>/dev/null
[ -n "${SMI:-}" ] && kill "$SMI" 2>/dev/null
echo "=== done at t=$((SECONDS - T0))s"
find "$OUT" -name "*.safetensors" ! -name "best.safetensors" -delete
for f in "$OUT"/dqn_*.log; do echo "== $f"; grep -E "steps/s|^eval|loaded|skipped|final|saved" "$f" | tail -6; done
for w in median sqrt-median none; do echo "== seg $w"; tail -3 "$OUT/seg_$w.log"; cat "$OUT/seg_${w}_test.txt"; done
