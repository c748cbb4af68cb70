#!/usr/bin/env bash
# (kept in scripts/ for the record; it expects the GPU build of dqn at .gpu/dqn, as scripts/gpu_check.sh explains)
# Backbone transfer on cuda, seed 1: scratch vs SegNet-initialised, at once; SIGINT at LIMIT s.
# Packs the run folders (event files, configs; no checkpoints) into $OUT/transfer.tgz.
set -u
TORCH_VENV=${TORCH_VENV:-/opt/torch/.venv}
STEPS=${STEPS:-80000}; LIMIT=${LIMIT:-170}; DEV=${DEV:-cuda}
W=/tmp/transfer; mkdir -p $W
SITE=$(ls -d "$TORCH_VENV"/lib/python3*/site-packages 2>/dev/null | head -n 1)
LIBS="$SITE/torch/lib"
for d in "$SITE"/nvidia/*/lib "$SITE"/nvidia/*/*/lib; do [ -d "$d" ] && LIBS="$LIBS:$d"; done
export LD_LIBRARY_PATH="$LIBS${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
D=.gpu/dqn
CK=runs/segnet__basic__1__1795812738/checkpoints/epoch_8.safetensors
common=(--device "$DEV" --steps "$STEPS" --seed 1 --runs-dir "$W/runs" --quiet --set run.eval_every=20000 --set run.eval_episodes=2)
timeout -s INT -k 15 "$LIMIT" $D train --env driving --name scratch "${common[@]}" > "$W/scratch.log" 2>&1 &
timeout -s INT -k 15 "$LIMIT" $D train --env driving --name segnet-init --init-backbone "$CK" "${common[@]}" > "$W/init.log" 2>&1 &
wait
find $W -name "*.safetensors" -delete
tail -n 4 $W/*.log
tar czf "$OUT/transfer.tgz" -C $W .
