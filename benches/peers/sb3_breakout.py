#!/usr/bin/env python3
"""Peer benchmark: Stable-Baselines3 DQN trained end to end on ALE Breakout, on CPU.

BreakoutNoFrameskip-v4 with SB3's AtariWrapper (noop reset, max-and-skip 4, episodic life, fire
reset, 84x84 gray, reward clipping) and a 4-frame stack, the Nature CNN (CnnPolicy), batch 32,
train_freq 4, target update every 1000 steps, a 10k buffer, `learning_starts` steps of experience
first. It times the steps AFTER learning starts, where the learner dominates, with `--threads`
torch threads, and prints one JSON line. Needs stable-baselines3, gymnasium, ale-py and OpenCV
from `make sb3`.

Usage: .venv/bin/python benches/peers/sb3_breakout.py [--learning-starts 1000] [--steps 3000] [--threads 1]
"""
import argparse
import json
import time

from _require import require

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--learning-starts", type=int, default=1000)
    p.add_argument("--steps", type=int, default=3000, help="steps timed after learning starts")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    require(["stable_baselines3", "gymnasium", "ale_py", "cv2"], "sb3")
    import torch
    torch.set_num_threads(a.threads)
    import ale_py
    import gymnasium as gym
    from stable_baselines3 import DQN
    from stable_baselines3.common.callbacks import BaseCallback
    from stable_baselines3.common.env_util import make_atari_env
    from stable_baselines3.common.vec_env import VecFrameStack

    gym.register_envs(ale_py)
    env = VecFrameStack(make_atari_env("BreakoutNoFrameskip-v4", n_envs=1, seed=a.seed), n_stack=4)

    class Clock(BaseCallback):
        def __init__(self):
            super().__init__()
            self.t0 = None

        def _on_step(self):
            if self.num_timesteps == a.learning_starts:
                self.t0 = time.perf_counter()
            return True

    clock = Clock()
    model = DQN("CnnPolicy", env, learning_rate=1e-4, buffer_size=10_000, learning_starts=a.learning_starts,
                batch_size=32, train_freq=4, gradient_steps=1, target_update_interval=1000,
                optimize_memory_usage=False, device="cpu", seed=a.seed, verbose=0)
    model.learn(total_timesteps=a.learning_starts + a.steps, callback=clock)
    elapsed = time.perf_counter() - clock.t0
    print(json.dumps({"peer": "sb3", "sb3_version": __import__("stable_baselines3").__version__,
                      "torch": torch.__version__, "threads": torch.get_num_threads(),
                      "learning_starts": a.learning_starts, "timed_steps": a.steps,
                      "steps_per_sec": a.steps / elapsed}))


if __name__ == "__main__":
    main()
