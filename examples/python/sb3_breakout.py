#!/usr/bin/env python3
"""Stable-Baselines3 DQN on dqn_envs' Breakout, for a short budget, then its greedy return
against a random policy's.

    make python
    .venv/bin/python examples/python/sb3_breakout.py --steps 50000

A short budget teaches little (DQN needs millions of steps on Breakout); this shows the plumbing:
gymnasium.make, SB3's CnnPolicy on (4, 84, 84) uint8 frames, and evaluation with info's
unclipped episode_return.
"""

from __future__ import annotations

import argparse

import gymnasium
import numpy as np
import torch
from stable_baselines3 import DQN

import dqn_envs  # noqa: F401  (registers dqn_envs/*)


def evaluate(env, policy, episodes: int, seed: int) -> tuple[float, float]:
    """Mean and std of the unclipped return of whole games (all lives)."""
    returns = []
    obs, _ = env.reset(seed=seed)
    while len(returns) < episodes:
        obs, _, term, trunc, info = env.step(policy(obs))
        if "episode_return" in info:
            returns.append(info["episode_return"])
        if term or trunc:
            obs, _ = env.reset()
    return float(np.mean(returns)), float(np.std(returns))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=20_000, help="training steps")
    p.add_argument("--episodes", type=int, default=5, help="evaluation games per policy")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    torch.set_num_threads(1)
    env = gymnasium.make("dqn_envs/Breakout-v0")
    # RL Zoo's Atari settings, with a small buffer: SB3 stores both frame stacks of a transition,
    # so its default 1M buffer would need 2 × 28 GB.
    model = DQN(
        "CnnPolicy",
        env,
        buffer_size=10_000,
        learning_starts=1_000,
        exploration_fraction=0.1,
        exploration_final_eps=0.01,
        target_update_interval=1_000,
        optimize_memory_usage=False,
        seed=args.seed,
        device="cpu",
        verbose=0,
    )
    model.learn(total_timesteps=args.steps)
    eval_env = gymnasium.make("dqn_envs/Breakout-v0", repeat_action_probability=0.25)
    rng = np.random.default_rng(args.seed)
    greedy = evaluate(eval_env, lambda o: int(model.predict(o, deterministic=True)[0]), args.episodes, 100)
    rand = evaluate(eval_env, lambda o: int(rng.integers(4)), args.episodes, 100)
    print(f"after {args.steps} steps, {args.episodes} games each (sticky actions on):")
    print(f"  SB3 DQN greedy: {greedy[0]:.1f} ± {greedy[1]:.1f}")
    print(f"  random:         {rand[0]:.1f} ± {rand[1]:.1f}")


if __name__ == "__main__":
    main()
