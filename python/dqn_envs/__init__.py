"""dqn_envs: Atari-like pixel games and CartPole, stepped in Rust, as gymnasium envs.

``import dqn_envs`` registers one gymnasium id per entry of the Rust env registry
(``dqn_envs/Breakout-v0``, ``dqn_envs/Pong-v0``, ``dqn_envs/Invaders-v0``,
``dqn_envs/Freeway-v0``, ``dqn_envs/Driving-v0``, ``dqn_envs/CartPole-v1``)::

    import gymnasium, dqn_envs
    env = gymnasium.make("dqn_envs/Breakout-v0")
    envs = dqn_envs.make_vec("dqn_envs/Breakout-v0", num_envs=8)

Without the import, gymnasium's ``module:id`` form works too:
``gymnasium.make("dqn_envs:dqn_envs/Breakout-v0")``.
"""

from __future__ import annotations

import gymnasium

from dqn_envs import _core
from dqn_envs.env import DqnEnv
from dqn_envs.vector import DqnVectorEnv, make_vec

__all__ = ["DqnEnv", "DqnVectorEnv", "make_vec", "ids", "NAMESPACE"]

#: The gymnasium namespace of every id this package registers.
NAMESPACE = "dqn_envs"


def ids() -> list[str]:
    """Every gymnasium id this package registers, in the Rust registry's order."""
    return [f"{NAMESPACE}/{entry['gym_name']}" for entry in _core.registry()]


def _register() -> None:
    # No max_episode_steps: the envs truncate themselves (max_num_frames_per_episode, or
    # CartPole's 500 steps), so gymnasium adds no TimeLimit of its own.
    for entry in _core.registry():
        gym_id = f"{NAMESPACE}/{entry['gym_name']}"
        if gym_id in gymnasium.registry:
            continue
        gymnasium.register(
            id=gym_id,
            entry_point="dqn_envs.env:DqnEnv",
            vector_entry_point="dqn_envs.vector:DqnVectorEnv",
            kwargs={"env_id": entry["id"]},
        )


_register()
