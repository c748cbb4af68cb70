"""Registration: the ids, spaces and action meanings come from the Rust registry."""

import subprocess
import sys

import gymnasium
import numpy as np

import dqn_envs
from dqn_envs import _core


def test_import_registers_every_registry_entry():
    expected = [
        "dqn_envs/Breakout-v0",
        "dqn_envs/Pong-v0",
        "dqn_envs/Invaders-v0",
        "dqn_envs/Freeway-v0",
        "dqn_envs/Driving-v0",
        "dqn_envs/CartPole-v1",
    ]
    assert dqn_envs.ids() == expected
    assert [e["gym_name"] for e in _core.registry()] == [i.split("/")[1] for i in expected]
    for gym_id in expected:
        spec = gymnasium.spec(gym_id)
        assert spec.max_episode_steps is None, "the envs truncate themselves"
        assert spec.vector_entry_point == "dqn_envs.vector:DqnVectorEnv"


def test_spaces_as_dqn_list_shows_them():
    env = gymnasium.make("dqn_envs/Breakout-v0")
    assert env.observation_space == gymnasium.spaces.Box(0, 255, (4, 84, 84), np.uint8)
    assert env.action_space == gymnasium.spaces.Discrete(4)
    assert env.unwrapped.get_action_meanings() == ["NOOP", "FIRE", "RIGHT", "LEFT"]
    cart = gymnasium.make("dqn_envs/CartPole-v1")
    assert cart.observation_space.shape == (4,) and cart.observation_space.dtype == np.float32
    assert cart.action_space == gymnasium.spaces.Discrete(2)
    full = gymnasium.make("dqn_envs/Pong-v0", full_action_space=True)
    assert full.action_space == gymnasium.spaces.Discrete(18)
    assert full.unwrapped.get_action_meanings()[:3] == ["NOOP", "FIRE", "UP"]


def test_module_colon_id_form_works_without_the_import():
    code = (
        "import gymnasium, sys\n"
        "assert 'dqn_envs' not in sys.modules\n"
        "env = gymnasium.make('dqn_envs:dqn_envs/Breakout-v0')\n"
        "obs, info = env.reset(seed=1)\n"
        "print(obs.shape, sorted(info))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "(4, 84, 84)" in out.stdout and "lives" in out.stdout


def test_gymnasium_make_vec_uses_the_vector_entry_point():
    envs = gymnasium.make_vec("dqn_envs/Breakout-v0", num_envs=8, vectorization_mode="vector_entry_point")
    assert isinstance(envs.unwrapped, dqn_envs.DqnVectorEnv)
    assert envs.num_envs == 8
    assert envs.metadata["autoreset_mode"] == gymnasium.vector.AutoresetMode.NEXT_STEP
    assert envs.single_observation_space.shape == (4, 84, 84)
    assert envs.observation_space.shape == (8, 4, 84, 84)
    assert envs.action_space == gymnasium.spaces.MultiDiscrete([4] * 8)
    obs, info = envs.reset(seed=0)
    assert obs.shape == (8, 4, 84, 84) and info["_lives"].all()
