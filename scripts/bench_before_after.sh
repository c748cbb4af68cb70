#!/usr/bin/env bash
# Before/after a change to a hot path: runs scripts/bench_env.sh, bench_learner.sh, bench_e2e.sh
# and (part `pong`) a 40k-step `dqn train --env pong` with two builds of dqn, alternating (before,
# after, before, after, ...) so that both see the same machine, and prints each of ours figures
# with the after/before ratio.
# Build the "before" binary from the old commit first, e.g.:
#   git worktree add /tmp/before OLD && (cd /tmp/before && cargo build --release --bin dqn)
# Usage: scripts/bench_before_after.sh BEFORE_DQN AFTER_DQN [ROUNDS]      (default 2 rounds)
#        PARTS="learner e2e" scripts/bench_before_after.sh ...             (a subset of env learner e2e pong)
#        PONG_STEPS=40000: the pong part's steps (learning starts at 10k)
set -euo pipefail
cd "$(dirname "$0")/.."
before=${1:?usage: $0 BEFORE_DQN AFTER_DQN [ROUNDS]}
after=${2:?usage: $0 BEFORE_DQN AFTER_DQN [ROUNDS]}
rounds=${3:-2}
parts=${PARTS:-env learner e2e}
out=$(mktemp -d)
echo "outputs in $out" >&2
for r in $(seq "$rounds"); do
  for which in before after; do
    bin=$before; [ "$which" = after ] && bin=$after
    for part in $parts; do
      case $part in
        env) DQN=$bin scripts/bench_env.sh 2000000 2000 ;;
        learner) DQN=$bin scripts/bench_learner.sh ;;
        e2e) DQN=$bin scripts/bench_e2e.sh 3000 1000 ;;
        pong) "$bin" train --env pong --steps "${PONG_STEPS:-40000}" --set run.eval_every=0 \
                --set run.checkpoint_every=0 --runs-dir "$out/runs" -q 2>&1 ;;
      esac >"$out/${part}_${which}_$r.txt"
    done
  done
done
.venv/bin/python - "$out" "$rounds" "$parts" <<'PY'
import json, re, statistics, sys
out, rounds, parts = sys.argv[1], int(sys.argv[2]), sys.argv[3].split()
def read(kind, which, r):
    return open(f"{out}/{kind}_{which}_{r}.txt").read()
def env(t):  # the first JSON line of `dqn bench env` (1 env), and the VecEnv of 8
    rows = [json.loads(l[6:]) for l in t.splitlines() if l.startswith("ours: {")]
    return rows[0]["steps_per_sec"], rows[-1]["steps_per_sec"]
def learner(t):  # `dqn bench learner`'s line: "... updates_per_sec 23.45 ... act_per_sec 1353.20 ..."
    num = lambda k: float(re.search(rf"(?:^|\s){k} ([0-9.]+)", t, re.M).group(1))
    return num("updates_per_sec"), num("act_per_sec")
def pong(t):  # `dqn train`'s "learning: 451.5 steps/s (after learning_starts)"
    return float(re.search(r"^learning: ([0-9.]+) steps/s", t, re.M).group(1))
def e2e(t):
    return float(re.search(r"ours \(\w+\): .*?: ([0-9.]+) steps/s", t).group(1))
rows = [("env steps/s, 1 env, 1 core", lambda t: env(t)[0], "env"),
        ("env steps/s, VecEnv of 8, 1 core", lambda t: env(t)[1], "env"),
        ("DQN updates/s (Nature CNN, batch 32, 1 thread)", lambda t: learner(t)[0], "learner"),
        ("batch-1 act forwards/s", lambda t: learner(t)[1], "learner"),
        ("dqn train steps/s after learning starts", e2e, "e2e"),
        ("dqn train --env pong steps/s after learning starts", pong, "pong")]
print("| measurement | before (per round) | after (per round) | after / before (median of rounds) |")
print("|---|---|---|---|")
for name, get, kind in rows:
    if kind not in parts:
        continue
    b = [get(read(kind, "before", r)) for r in range(1, rounds + 1)]
    a = [get(read(kind, "after", r)) for r in range(1, rounds + 1)]
    ratio = statistics.median(x / y for x, y in zip(a, b))
    print(f"| {name} | {', '.join(f'{x:,.1f}' for x in b)} | {', '.join(f'{x:,.1f}' for x in a)} | **{ratio:.3f}** |")
PY
