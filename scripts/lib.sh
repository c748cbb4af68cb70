# Shared shell helpers of the scripts in scripts/; source it: `. "$(dirname "$0")/lib.sh"`.

# torch_libs VENV: puts the libtorch of VENV's PyTorch wheel (and the CUDA libraries the wheel
# ships in nvidia/*/lib, nvidia/*/*/lib) on LD_LIBRARY_PATH and sets SITE to its site-packages.
# Returns 1 when VENV has no torch.
torch_libs() {
    SITE=$(ls -d "$1"/lib/python3*/site-packages 2>/dev/null | head -n 1)
    if [ -z "$SITE" ] || [ ! -d "$SITE/torch/lib" ]; then
        return 1
    fi
    local libs="$SITE/torch/lib" d
    for d in "$SITE"/nvidia/*/lib "$SITE"/nvidia/*/*/lib; do
        [ -d "$d" ] && libs="$libs:$d"
    done
    export LD_LIBRARY_PATH="$libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
}

# need_cuda DQN LOG: runs `DQN --version` into LOG and stops the script (exit 1) unless it sees CUDA.
need_cuda() {
    "$1" --version 2>&1 | tee "$2"
    if ! grep -q "^cuda available" "$2"; then
        echo "!!! dqn does not see CUDA: stopping (check LD_LIBRARY_PATH and ldd $1)"
        ldd "$1" | grep -E "torch|not found"
        exit 1
    fi
}

# stop_after SECONDS CMD...: runs CMD and sends it SIGINT after SECONDS (a training run then saves
# a checkpoint and exits 130), SIGKILL 20 s later. Exit status 130 counts as success.
# (--preserve-status: without it, timeout reports 124 for any command it stopped. --foreground:
# without it timeout sends the signal twice, to the command and then to its process group, and a
# multi-threaded dqn can take the second as "a second Ctrl-C: quit now" before the checkpoint is
# saved; this happened once, to the invaders run of 2026-12-02. dqn now also takes a signal
# within 1 s of the first as the same stop.)
stop_after() {
    local limit=$1 rc
    shift
    timeout --foreground --preserve-status -s INT -k 20 "$limit" "$@"
    rc=$?
    [ "$rc" = 130 ] && rc=0
    return "$rc"
}

# checkpoint_steps RUN: the run's step_N.safetensors checkpoints (not the .train sidecars that
# --resume needs), oldest first, one "N MTIME" line each (MTIME in seconds since 1970).
checkpoint_steps() {
    local f
    for f in "$1"/checkpoints/step_*.safetensors; do
        [ -e "$f" ] || continue
        case "$f" in *.train.*) continue ;; esac
        printf '%s %s\n' "$(basename "$f" | sed 's/step_\([0-9]*\).*/\1/')" "$(stat -c %Y "$f")"
    done | sort -n
}

# newest_step RUN: N of the run's newest step_N.safetensors, what `dqn eval RUN --checkpoint last`
# loads.
newest_step() {
    checkpoint_steps "$1" | tail -n 1 | cut -d' ' -f1
}

# eval_return DQN EPISODES EVAL_ARGS...: `DQN eval EVAL_ARGS` over EPISODES whole episodes on the
# CPU, printed as "MEAN ± STD" with one decimal.
eval_return() {
    local dqn=$1 episodes=$2
    shift 2
    "$dqn" eval "$@" --episodes "$episodes" --device cpu --json 2>/dev/null | grep '^{' | tail -n 1 |
        .venv/bin/python -c 'import json,sys; r=json.loads(sys.stdin.read()); print("%.1f ± %.1f" % (r["mean_return"], r["std_return"]))'
}

# Packages that pip_install_resolved leaves out although a wheel asks for them: triton is
# torch.compile's GPU compiler (0.7 GB installed), which nothing in this project runs.
LEFT_OUT_PACKAGES="triton"

# pip_install_resolved PY LOG SPEC...: resolves the SPECs with PY's pip (reading only the wheels'
# metadata, keeping what is installed), drops LEFT_OUT_PACKAGES, then installs the rest one wheel
# at a time without resolving again, so that only one download is on disk at any moment. Prints
# `bootstrap: [i/n] name==version` per wheel. Returns 1 on the first failure; LOG holds pip's output.
pip_install_resolved() {
    local py=$1 log=$2 report pin n=0
    local -a pins
    shift 2
    report=$(mktemp)
    if ! "$py" -m pip install --dry-run --quiet --report "$report" "$@" >"$log" 2>&1; then
        rm -f "$report"
        return 1
    fi
    # shellcheck disable=SC2086
    mapfile -t pins < <("$py" - "$report" $LEFT_OUT_PACKAGES <<'PY'
import json
import sys

left_out = {name.lower() for name in sys.argv[2:]}
for item in json.load(open(sys.argv[1]))["install"]:
    meta = item["metadata"]
    if meta["name"].lower() not in left_out:
        print(f"{meta['name']}=={meta['version']}")
PY
    )
    rm -f "$report"
    for pin in "${pins[@]}"; do
        n=$((n + 1))
        printf 'bootstrap: [%d/%d] %s\n' "$n" "${#pins[@]}" "$pin"
        "$py" -m pip install --progress-bar off --no-cache-dir --no-deps "$pin" >"$log" 2>&1 || return 1
    done
}

# pip_fail LOG WHAT [HINT]: after a failed install of WHAT, prints one line for the usual causes
# (the disk filled, PyPI out of reach, the index has no such version; otherwise pip's last lines
# and a pointer to them) and exits 1. HINT ends the network and version lines, e.g. another way
# to get WHAT.
pip_fail() {
    local log=$1 what=$2 hint=${3:+; $3} msg
    if grep -qiE "no space left" "$log"; then
        msg="the disk filled while installing $what; free some space and run make again"
    elif grep -qiE "(connection|resolve|network|timed out|unreachable|proxy)" "$log"; then
        msg="cannot reach PyPI to install $what; check the network$hint"
    elif grep -qiE "from versions: none" "$log"; then
        msg="the package index offers no $what for $(python3 --version 2>&1) on $(uname -m); check pip's index settings$hint"
    else
        tail -n 5 "$log" >&2
        msg="pip could not install $what (log above)"
    fi
    echo "bootstrap: $msg" >&2
    exit 1
}
