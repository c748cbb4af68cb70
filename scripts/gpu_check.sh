#!/usr/bin/env bash
# GPU check of the prebuilt `dqn` (tch 0.24, libtorch 2.11.0 cu130). Run ON the GPU machine from the
# repository root, with .gpu/ carried there:   bash .gpu/check.sh
# Needs no network and no Rust: it uses the machine's PyTorch venv for libtorch and the Python peer.
# DRY=1 tries the shell logic on a CPU-only machine: --device cpu and tiny step counts.
# Knobs: TORCH_VENV (default /opt/torch/.venv), OUT (default /tmp/dqn-gpu-check).
# Every step has a `timeout`: the limits add up to 6 minutes; a normal run takes about 2.
set -u

DRY=${DRY:-0}
TORCH_VENV=${TORCH_VENV:-/opt/torch/.venv}
OUT=${OUT:-/tmp/dqn-gpu-check}
mkdir -p "$OUT"
T0=$SECONDS

if [ "$DRY" = 1 ]; then
    DEV=cpu UPD=5 ACTS=50 CPU_UPD=3 STEPS=1500 STARTS=500 EXTRA=(--set dqn.buffer_size=20000)
else
    DEV=cuda UPD=200 ACTS=1000 CPU_UPD=20 STEPS=30000 STARTS=5000 EXTRA=()
fi

. "$(dirname "$0")/lib.sh"
if ! torch_libs "$TORCH_VENV"; then
    echo "error: no torch in $TORCH_VENV (set TORCH_VENV to a venv with PyTorch 2.11)" >&2
    exit 2
fi
PY="$TORCH_VENV/bin/python3"
[ -x "$PY" ] || PY=python3

DQN=.gpu/dqn
fail=0
step() { # step NAME SECONDS CMD... : runs CMD with a time limit, logs to $OUT/NAME.log, notes failures
    local name=$1 limit=$2
    shift 2
    echo
    echo "=== $name (limit ${limit}s, t=$((SECONDS - T0))s): $*"
    timeout --kill-after=5 "$limit" "$@" 2>&1 | tee "$OUT/$name.log"
    local rc=${PIPESTATUS[0]}
    if [ "$rc" != 0 ]; then
        echo "!!! $name failed with exit status $rc$([ "$rc" = 124 ] && echo ' (timed out)')"
        fail=1
    fi
    return "$rc"
}

echo "=== machine"
if command -v nvidia-smi > /dev/null; then
    timeout 10 nvidia-smi --query-gpu=name,memory.total --format=csv
else
    echo "no nvidia-smi here"
fi
echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"
echo "python: $PY ($(timeout 15 "$PY" -c 'import torch; print(torch.__version__, "cuda", torch.cuda.is_available())' 2>&1 | tail -n 1))"

echo "libtorch the binary loads: $(ldd "$DQN" | grep -E 'libtorch_cuda|not found' | tr -s ' \t' ' ')"
step version 20 "$DQN" --version
if [ "$DEV" = cuda ] && ! grep -q "^cuda available" "$OUT/version.log"; then
    echo "!!! dqn does not see CUDA: stopping (check the LD_LIBRARY_PATH above and ldd $DQN)"
    ldd "$DQN" | grep -E "torch|not found"
    exit 1
fi

step bench_learner_$DEV 50 "$DQN" bench learner --device "$DEV" --no-peer --json --updates "$UPD" --acts "$ACTS"
step bench_learner_cpu 40 "$DQN" bench learner --device cpu --no-peer --json --updates "$CPU_UPD" --acts "$ACTS"
step peer_torch_$DEV 50 "$PY" benches/peers/torch_learner.py --device "$DEV" --updates "$UPD" --acts "$ACTS"

# Short training; nvidia-smi samples the GPU every 5 s meanwhile, to show the work is on the GPU.
SMI_PID=
if command -v nvidia-smi > /dev/null; then
    nvidia-smi --query-gpu=timestamp,utilization.gpu,memory.used --format=csv -l 5 > "$OUT/nvidia-smi.csv" 2>&1 &
    SMI_PID=$!
fi
step train_breakout 150 "$DQN" train --env breakout --preset breakout --device "$DEV" --steps "$STEPS" \
    --set dqn.learning_starts="$STARTS" --set run.eval_episodes=2 "${EXTRA[@]}" --runs-dir "$OUT/runs" --quiet
if [ -n "$SMI_PID" ]; then
    kill "$SMI_PID" 2> /dev/null
    wait "$SMI_PID" 2> /dev/null
    echo
    echo "=== GPU use during training (every 5 s)"
    cat "$OUT/nvidia-smi.csv"
fi

echo
echo "=== summary (t=$((SECONDS - T0))s)"
grep -hE '"(bench|peer)"' "$OUT"/bench_learner_*.log "$OUT"/peer_torch_*.log 2> /dev/null
grep -hE "steps/s|^eval:" "$OUT/train_breakout.log" 2> /dev/null
[ "$fail" = 0 ] && echo "all steps passed" || echo "some steps FAILED (see above)"
exit "$fail"
