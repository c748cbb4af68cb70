"""gymnasium's and Stable-Baselines3's env checkers pass on every id."""

import gymnasium
from gymnasium.utils.env_checker import check_env as gym_check_env
from stable_baselines3.common.env_checker import check_env as sb3_check_env


def test_gymnasium_check_env(any_id):
    gym_check_env(gymnasium.make(any_id, render_mode="rgb_array").unwrapped)


def test_sb3_check_env(any_id):
    sb3_check_env(gymnasium.make(any_id).unwrapped, warn=True)
