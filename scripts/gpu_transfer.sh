#!/usr/bin/env bash
# (kept in scripts/ for the record; it expects the GPU build of dqn at .gpu/dqn, as scripts/gpu_check.sh explains)
# Backbone transfer on cuda, seed 1: scratch vs SegNet-initialised, at once; SIGINT at LIMIT s.
# Packs the run folders (event files, configs; no checkpoints) into $OUT/transfer.tgz.
# Usage: scripts/gpu_transfer.sh SEGNET_CHECKPOINT   (e.g. runs/segnet__basic__1__.../checkpoints/epoch_8.safetensors)
set -u
CK=${1:?usage: $0 SEGNET_CHECKPOINT}
. "$(dirname "$0")/lib.sh"
TORCH_VENV=${TORCH_VENV:-/opt/torch/.venv}
STEPS=${STEPS:-80000}; LIMIT=${LIMIT:-170}; DEV=${DEV:-cuda}
W=/tmp/transfer; mkdir -p $W
torch_libs "$TORCH_VENV" || { echo "error: no torch in $TORCH_VENV" >&2; exit 2; }
D=.gpu/dqn
common=(--device "$DEV" --steps "$STEPS" --seed 1 --runs-dir "$W/runs" --quiet --set run.eval_every=20000 --set run.eval_episodes=2)
stop_after "$LIMIT" $D train --env driving --preset driving --name scratch "${common[@]}" > "$W/scratch.log" 2>&1 &
stop_after "$LIMIT" $D train --env driving --preset driving --name segnet-init --init-backbone "$CK" "${common[@]}" > "$W/init.log" 2>&1 &
wait
find $W -name "*.safetensors" -delete
tail -n 4 $W/*.log
tar czf "$OUT/transfer.tgz" -C $W .
