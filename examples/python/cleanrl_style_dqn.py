#!/usr/bin/env python3
"""A single-file PyTorch DQN on dqn_envs.make_vec, in CleanRL's style (dqn_atari.py):
Nature CNN, Adam, a replay buffer, ε-greedy, a hard target update, Huber loss.

    make python
    .venv/bin/python examples/python/cleanrl_style_dqn.py --steps 100000 --num-envs 8

The vector env steps its envs in Rust (autoreset NEXT_STEP: the step after an episode's end
returns the first frame of the next one, and that transition is skipped here). The replay buffer
stores each (4, 84, 84) uint8 stack, as CleanRL's does; it is small by default.
"""

from __future__ import annotations

import argparse
import random
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

import dqn_envs


class QNetwork(nn.Module):
    """Nature CNN: x: [B, 4, 84, 84] uint8 → [B, A] Q-values."""

    def __init__(self, actions: int):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(4, 32, 8, stride=4), nn.ReLU(),
            nn.Conv2d(32, 64, 4, stride=2), nn.ReLU(),
            nn.Conv2d(64, 64, 3, stride=1), nn.ReLU(),
            nn.Flatten(), nn.Linear(3136, 512), nn.ReLU(), nn.Linear(512, actions),
        )

    def forward(self, x):
        return self.net(x.float() / 255.0)


class Replay:
    """A ring of transitions: obs, next obs, action, reward, done."""

    def __init__(self, capacity: int, shape: tuple, device):
        self.obs = np.zeros((capacity, *shape), np.uint8)
        self.next_obs = np.zeros((capacity, *shape), np.uint8)
        self.actions = np.zeros(capacity, np.int64)
        self.rewards = np.zeros(capacity, np.float32)
        self.dones = np.zeros(capacity, np.float32)
        self.capacity, self.size, self.pos, self.device = capacity, 0, 0, device

    def add(self, obs, next_obs, action, reward, done):
        i = self.pos
        self.obs[i], self.next_obs[i], self.actions[i], self.rewards[i], self.dones[i] = obs, next_obs, action, reward, done
        self.pos = (i + 1) % self.capacity
        self.size = min(self.size + 1, self.capacity)

    def sample(self, batch: int):
        idx = np.random.randint(0, self.size, batch)
        t = lambda a: torch.as_tensor(a[idx], device=self.device)  # noqa: E731
        return t(self.obs), t(self.next_obs), t(self.actions), t(self.rewards), t(self.dones)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--env", default="dqn_envs/Breakout-v0")
    p.add_argument("--steps", type=int, default=50_000, help="agent steps over all envs")
    p.add_argument("--num-envs", type=int, default=8)
    p.add_argument("--buffer", type=int, default=50_000)
    p.add_argument("--lr", type=float, default=1e-4)
    p.add_argument("--gamma", type=float, default=0.99)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--learning-starts", type=int, default=5_000)
    p.add_argument("--train-every", type=int, default=4, help="agent steps per gradient step")
    p.add_argument("--target-every", type=int, default=1_000)
    p.add_argument("--eps-end", type=float, default=0.01)
    p.add_argument("--eps-fraction", type=float, default=0.1)
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args()
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

    envs = dqn_envs.make_vec(args.env, num_envs=args.num_envs)
    n_actions = envs.single_action_space.n
    q = QNetwork(n_actions).to(device)
    target = QNetwork(n_actions).to(device)
    target.load_state_dict(q.state_dict())
    opt = torch.optim.Adam(q.parameters(), lr=args.lr)
    replay = Replay(args.buffer, envs.single_observation_space.shape, device)

    obs, _ = envs.reset(seed=args.seed)
    ended = np.zeros(args.num_envs, bool)  # the next step of these envs is an autoreset
    start, returns, credit = time.time(), [], 0.0
    for it in range(args.steps // args.num_envs):
        step = it * args.num_envs
        eps = max(args.eps_end, 1 - step / (args.eps_fraction * args.steps) * (1 - args.eps_end))
        with torch.no_grad():
            greedy = q(torch.as_tensor(obs, device=device)).argmax(1).cpu().numpy()
        actions = np.where(np.random.rand(args.num_envs) < eps, np.random.randint(0, n_actions, args.num_envs), greedy)
        next_obs, rewards, term, trunc, info = envs.step(actions)
        for i in np.flatnonzero(~ended):
            replay.add(obs[i], next_obs[i], actions[i], rewards[i], term[i])
        if "episode_return" in info:
            returns.extend(info["episode_return"][info["_episode_return"]])
        ended = term | trunc
        obs = next_obs
        credit += args.num_envs / args.train_every if step >= args.learning_starts else 0.0
        while credit >= 1:  # one gradient step per train_every agent steps
            credit -= 1
            o, o2, a, r, d = replay.sample(args.batch)
            with torch.no_grad():
                td_target = r + args.gamma * target(o2).max(1).values * (1 - d)
            loss = F.smooth_l1_loss(q(o).gather(1, a[:, None]).squeeze(1), td_target)
            opt.zero_grad()
            loss.backward()
            opt.step()
        if it % max(1, args.target_every // args.num_envs) == 0:
            target.load_state_dict(q.state_dict())
        if it % max(1, 10_000 // args.num_envs) == 0 and returns:
            sps = (step + args.num_envs) / (time.time() - start)
            print(f"step {step}: mean return of the last 20 games {np.mean(returns[-20:]):.1f}, eps {eps:.2f}, {sps:.0f} steps/s")
    print(f"done: {len(returns)} games, mean return of the last 20: {np.mean(returns[-20:]) if returns else float('nan'):.1f}")


if __name__ == "__main__":
    main()
