"""Stable-Baselines3 trains on our env (a tiny budget: this checks the plumbing, not learning)."""

import gymnasium
import torch
from stable_baselines3 import DQN

import dqn_envs  # noqa: F401


def test_sb3_dqn_cnn_policy_trains_2000_steps_on_breakout():
    torch.set_num_threads(1)
    env = gymnasium.make("dqn_envs/Breakout-v0")
    # SB3's default buffer of 1M frame stacks would need 2 × 28 GB; 10k needs about 560 MB.
    model = DQN("CnnPolicy", env, buffer_size=10_000, learning_starts=500, seed=0, device="cpu", verbose=0)
    model.learn(total_timesteps=2_000)
    assert model.num_timesteps == 2_000
    assert model._n_updates > 0
    obs, _ = env.reset(seed=0)
    action, _ = model.predict(obs, deterministic=True)
    assert 0 <= int(action) < 4
