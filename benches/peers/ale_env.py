#!/usr/bin/env python3
"""Peer benchmark: ALE Breakout with DQN preprocessing, random actions, one core.

BreakoutNoFrameskip-v4 + gymnasium's AtariPreprocessing (noop reset 30, frame skip 4 with max
pooling, 84x84 gray) + a 4-frame stack, stepped with uniformly random actions, exactly the
workload of `envs::bench::bench_env("breakout", EnvConfig::default(), 1, ...)`. Needs gymnasium,
ale-py and OpenCV (AtariPreprocessing resizes with it) from `make gym`; pins itself to one CPU,
and prints one JSON line.

Usage: .venv/bin/python benches/peers/ale_env.py [--steps N] [--seed S]
"""
import argparse
import json
import os
import time

from _require import require


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20_000, help="agent steps to time")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    require(["gymnasium", "ale_py", "cv2"], "gym")
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    import ale_py
    import gymnasium as gym
    import numpy as np
    from gymnasium.wrappers import AtariPreprocessing, FrameStackObservation

    gym.register_envs(ale_py)
    env = gym.make("BreakoutNoFrameskip-v4")
    env = AtariPreprocessing(env, noop_max=30, frame_skip=4, screen_size=84, grayscale_obs=True)
    env = FrameStackObservation(env, 4)
    rng = np.random.default_rng(args.seed)
    n = env.action_space.n
    env.reset(seed=args.seed)
    episodes = 0
    start = time.perf_counter()
    for _ in range(args.steps):
        _, _, terminated, truncated, _ = env.step(int(rng.integers(n)))
        if terminated or truncated:
            episodes += 1
            env.reset()
    seconds = time.perf_counter() - start
    print(json.dumps({
        "impl": "ale-py " + ale_py.__version__,
        "env": "BreakoutNoFrameskip-v4+AtariPreprocessing+FrameStack4",
        "steps": args.steps,
        "seconds": round(seconds, 3),
        "steps_per_sec": round(args.steps / seconds, 1),
        "episodes": episodes,
    }))


if __name__ == "__main__":
    main()
