#!/usr/bin/env python3
"""The SB3 side of scripts/h2h_ale.sh: Stable-Baselines3 DQN on real ALE Breakout for a wall budget.

The env is the one `dqn train --env gym:ALE/Breakout-v5` uses: ALE/Breakout-v5 made with
frameskip=1 and sticky actions 0.25 (per emulator frame, in ALE), under SB3's AtariWrapper (noop
reset 30, skip 4 with max pooling, episodic life, fire reset, 84x84 gray, reward clipping) and a
stack of 4. Hyperparameters: RL Zoo's `atari` entry for DQN (buffer 100k, lr 1e-4, batch 32,
learning_starts 100k, target every 1000, train_freq 4, 1 gradient step, exploration over 10% to
0.01), except total_timesteps, which is set to what SB3 reaches in the budget, so that its ε
schedule ends as ours does. A short calibration first measures SB3's speed before and after
learning starts with 1 and 2 torch threads and keeps the faster thread count.

Writes OUT/monitor.csv (SB3's monitor log), an event file with `charts/episodic_return` at the
agent step of each whole episode (so that `dqn plot` draws the curve), OUT/model.zip, and prints
one JSON line: steps, seconds, steps_per_sec, threads, eval mean/std over full episodes (ε 0.01).

Usage: .venv/bin/python benches/peers/sb3_ale_h2h.py --seconds 1800 --out DIR [--seed 1]
"""
import argparse
import json
import os
import time

ZOO = dict(
    buffer_size=100_000,
    learning_rate=1e-4,
    batch_size=32,
    learning_starts=100_000,
    target_update_interval=1000,
    train_freq=4,
    gradient_steps=1,
    exploration_fraction=0.1,
    exploration_final_eps=0.01,
    optimize_memory_usage=False,
)


def make_env(seed, monitor_path=None):
    import ale_py
    import gymnasium as gym
    from stable_baselines3.common.atari_wrappers import AtariWrapper
    from stable_baselines3.common.monitor import Monitor
    from stable_baselines3.common.vec_env import DummyVecEnv, VecFrameStack

    gym.register_envs(ale_py)

    def thunk():
        env = gym.make("ALE/Breakout-v5", frameskip=1, repeat_action_probability=0.25)
        env = Monitor(env, filename=monitor_path)
        return AtariWrapper(env)

    venv = VecFrameStack(DummyVecEnv([thunk]), n_stack=4)
    venv.seed(seed)
    return venv


def calibrate(seed, threads, seconds):
    """Steps/s before learning starts (random actions) and after it (one update per 4 steps)."""
    import torch
    from stable_baselines3 import DQN
    from stable_baselines3.common.callbacks import BaseCallback

    torch.set_num_threads(threads)
    warm = 400
    params = dict(ZOO, learning_starts=warm, buffer_size=5_000)
    model = DQN("CnnPolicy", make_env(seed), seed=seed, verbose=0, device="cpu", **params)

    class Clock(BaseCallback):
        def __init__(self):
            super().__init__()
            self.marks = {}

        def _on_step(self):
            now = time.perf_counter()
            self.marks.setdefault("start", now)
            if self.num_timesteps == warm:
                self.marks["learn"] = now
            return self.num_timesteps <= warm or now - self.marks["learn"] < seconds

    clock = Clock()
    model.learn(total_timesteps=10**7, callback=clock)
    m = clock.marks
    before = warm / (m["learn"] - m["start"])
    after = (model.num_timesteps - warm) / (time.perf_counter() - m["learn"])
    return before, after


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, required=True, help="wall budget of the training")
    p.add_argument("--out", required=True)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--eval-episodes", type=int, default=30)
    p.add_argument("--eval-epsilon", type=float, default=0.01)
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    import numpy as np
    import torch
    from stable_baselines3 import DQN
    from stable_baselines3.common.callbacks import BaseCallback
    from torch.utils.tensorboard import SummaryWriter

    probe = max(10.0, min(60.0, a.seconds / 30))
    speeds = {t: calibrate(a.seed, t, probe) for t in (1, 2)}
    threads = max(speeds, key=lambda t: speeds[t][1])
    before, after = speeds[threads]
    learn_at = ZOO["learning_starts"] / before
    if learn_at >= a.seconds:
        total = int(before * a.seconds)
    else:
        total = int(ZOO["learning_starts"] + after * (a.seconds - learn_at))
    torch.set_num_threads(threads)

    writer = SummaryWriter(a.out)

    class Budget(BaseCallback):
        """Logs whole episodes (from the monitor) and stops at the wall budget, whichever first."""

        def _on_training_start(self):
            self.start = time.perf_counter()

        def _on_step(self):
            for info in self.locals.get("infos", []):
                if "episode" in info:
                    writer.add_scalar("charts/episodic_return", info["episode"]["r"], self.num_timesteps)
            return time.perf_counter() - self.start < a.seconds

    env = make_env(a.seed, os.path.join(a.out, "monitor.csv"))
    model = DQN("CnnPolicy", env, seed=a.seed, verbose=0, device="cpu", **ZOO)
    budget = Budget()
    start = time.perf_counter()
    model.learn(total_timesteps=total, callback=budget)
    seconds = time.perf_counter() - start
    writer.close()
    model.save(os.path.join(a.out, "model.zip"))

    # Greedy evaluation with ε, over whole games (the monitor sits below the episodic-life wrapper).
    eval_env = make_env(a.seed + 1000)
    rng = np.random.default_rng(a.seed)
    returns = []
    obs = eval_env.reset()
    while len(returns) < a.eval_episodes:
        if rng.random() < a.eval_epsilon:
            action = np.array([eval_env.action_space.sample()])
        else:
            action, _ = model.predict(obs, deterministic=True)
        obs, _, _, infos = eval_env.step(action)
        if "episode" in infos[0]:
            returns.append(float(infos[0]["episode"]["r"]))
    print(json.dumps({
        "impl": "sb3",
        "steps": int(model.num_timesteps),
        "planned_steps": total,
        "seconds": round(seconds, 1),
        "steps_per_sec": round(model.num_timesteps / seconds, 1),
        "threads": threads,
        "calibration_steps_per_sec": {str(t): [round(b, 1), round(f, 1)] for t, (b, f) in speeds.items()},
        "eval_mean": float(np.mean(returns)),
        "eval_std": float(np.std(returns)),
        "eval_episodes": len(returns),
        "eval_epsilon": a.eval_epsilon,
    }))


if __name__ == "__main__":
    main()
