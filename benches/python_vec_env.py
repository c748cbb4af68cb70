#!/usr/bin/env python3
"""Agent steps/s of vector envs from Python: dqn_envs against EnvPool and ale-py, one process.

Every implementation steps Breakout with DQN preprocessing (frame skip 4, 84×84 gray, stack 4)
under uniformly random actions, for 1, 8 and 64 envs on 1 and 2 threads:
- ours:   dqn_envs.make_vec("dqn_envs/Breakout-v0", num_envs=N, num_threads=T, copy=...)
- EnvPool: envpool.make("Breakout-v5", env_type="gymnasium", num_envs=N, batch_size=N, num_threads=T)
- ale-py: gymnasium.make_vec("ALE/Breakout-v5", num_envs=N, vectorization_mode="vector_entry_point",
          num_threads=T, batch_size=N)
Prints one JSON line per measurement, then a Markdown table.

Usage: benches/python_vec_env.py [--seconds S] [--only ours,envpool,ale]
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

NUM_ENVS = [1, 8, 64]
THREADS = [1, 2]


def ours(n, threads, copy):
    import dqn_envs

    return dqn_envs.make_vec("dqn_envs/Breakout-v0", num_envs=n, num_threads=threads, copy=copy)


def envpool_env(n, threads):
    import envpool

    return envpool.make("Breakout-v5", env_type="gymnasium", num_envs=n, batch_size=n, num_threads=threads, seed=0)


def ale_env(n, threads):
    import ale_py
    import gymnasium

    gymnasium.register_envs(ale_py)
    return gymnasium.make_vec(
        "ALE/Breakout-v5", num_envs=n, vectorization_mode="vector_entry_point", num_threads=threads, batch_size=n
    )


def measure(envs, n, seconds):
    """Agent steps/s over about `seconds` of stepping, after a short warm-up."""
    rng = np.random.default_rng(0)
    actions = rng.integers(0, 4, size=(256, n))
    envs.reset(seed=0)
    for k in range(10):
        envs.step(actions[k])
    steps, k = 0, 0
    start = time.perf_counter()
    while True:
        for _ in range(8):
            envs.step(actions[k % 256])
            k += 1
        steps += 8 * n
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return steps / elapsed


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=2.0, help="stepping time per measurement")
    p.add_argument("--only", default="ours,envpool,ale", help="comma-separated implementations")
    args = p.parse_args()
    impls = {
        "ours (copy=True)": lambda n, t: ours(n, t, True),
        "ours (copy=False)": lambda n, t: ours(n, t, False),
        "EnvPool Breakout-v5": envpool_env,
        "ale-py vector env": ale_env,
    }
    wanted = args.only.split(",")
    keep = {"ours": ["ours (copy=True)", "ours (copy=False)"], "envpool": ["EnvPool Breakout-v5"], "ale": ["ale-py vector env"]}
    names = [name for w in wanted for name in keep[w]]
    results = {}
    for name in names:
        for n in NUM_ENVS:
            for t in THREADS:
                try:
                    envs = impls[name](n, t)
                except Exception as e:  # a missing peer is reported, not hidden
                    print(json.dumps({"impl": name, "error": f"{type(e).__name__}: {e}".splitlines()[0]}), flush=True)
                    break
                sps = measure(envs, n, args.seconds)
                envs.close()
                results[(name, n, t)] = sps
                print(json.dumps({"impl": name, "num_envs": n, "threads": t, "steps_per_sec": round(sps, 1)}), flush=True)
    print()
    print("| implementation | " + " | ".join(f"{n} env{'s' if n > 1 else ''}, {t} thr" for n in NUM_ENVS for t in THREADS) + " |")
    print("|---|" + "---:|" * (len(NUM_ENVS) * len(THREADS)))
    for name in names:
        cells = [f"{results[(name, n, t)]:,.0f}" if (name, n, t) in results else "n/a" for n in NUM_ENVS for t in THREADS]
        print(f"| {name} | " + " | ".join(cells) + " |")
    base = results.get(("EnvPool Breakout-v5", 8, 1)) or results.get(("ale-py vector env", 8, 1))
    ours8 = results.get(("ours (copy=True)", 8, 1))
    if base and ours8:
        peer = "EnvPool" if ("EnvPool Breakout-v5", 8, 1) in results else "ale-py (EnvPool missing)"
        print(f"\n8 envs, 1 thread, make_vec defaults: ours / {peer} = {ours8 / base:.0f}x")


if __name__ == "__main__":
    main()
