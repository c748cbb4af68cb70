"""``DqnVectorEnv``: N envs stepped together on Rust threads, as a ``gymnasium.vector.VectorEnv``."""

from __future__ import annotations

from typing import Any

import gymnasium
import numpy as np
from gymnasium import spaces
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from dqn_envs import _core
from dqn_envs.env import NOT_PICKLABLE, observation_box


class DqnVectorEnv(VectorEnv):
    """``num_envs`` envs of one id, stepped in Rust with the GIL released.

    Autoreset is gymnasium's ``NEXT_STEP``: the step after an env's episode ends returns the
    first observation of its next episode, with reward 0 and both flags false (its action is
    ignored).

    Args:
        env_id: the Rust registry id (``"breakout"``); ``gymnasium.make_vec`` fills it in.
        num_envs: envs stepped together.
        num_threads: Rust threads that step them (1: the calling thread).
        copy: ``True`` (default): every ``step`` returns a fresh observation array.
            ``False``: it returns the same array every time, which the next step overwrites.
        batch_size: envs that ``recv`` returns at a time (async mode); default ``num_envs``.
        render_mode: ``None`` or ``"rgb_array"``.
        **kwargs: the preprocessing, as for ``DqnEnv``.
    """

    metadata = {"autoreset_mode": AutoresetMode.NEXT_STEP, "render_modes": ["rgb_array"], "render_fps": 60}

    def __init__(
        self,
        env_id: str = "breakout",
        num_envs: int = 1,
        num_threads: int = 1,
        copy: bool = True,
        batch_size: int | None = None,
        render_mode: str | None = None,
        **kwargs: Any,
    ):
        self._core = _core.VecEnv(
            env_id, num_envs, num_threads, copy, batch_size, render_mode=render_mode, **kwargs
        )
        self.env_id = env_id
        self.num_envs = num_envs
        self.copy = copy
        self.render_mode = render_mode
        self.single_observation_space = observation_box(self._core.observation_box())
        self.single_action_space = spaces.Discrete(self._core.num_actions)
        self.observation_space = batch_space(self.single_observation_space, num_envs)
        self.action_space = batch_space(self.single_action_space, num_envs)

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        """Resets every env; env ``i`` gets ``seed + i``. Returns ``(obs, info)``."""
        if seed is not None and not isinstance(seed, (int, np.integer)):
            raise TypeError(f"seed must be an int or None (env i gets seed + i), got {seed!r}")
        if seed is not None:
            self._np_random, self._np_random_seed = gymnasium.utils.seeding.np_random(seed)
        return self._core.reset(seed)

    def step(self, actions):
        """Steps every env: ``(obs, rewards, terminated, truncated, info)``, arrays over envs.

        ``info`` maps ``lives``, ``episode_frame_number``, ``frame_number`` and ``score`` to
        arrays, each with its ``_key`` mask; ``episode_return``/``episode_length`` appear on
        steps where a whole game ended, masked to those envs.
        """
        return self._core.step(actions)

    def send(self, actions, env_id=None) -> None:
        """Starts stepping envs ``env_id`` (all by default) and returns at once (EnvPool's async)."""
        self._core.send(actions, env_id)

    def recv(self):
        """The first ``batch_size`` envs to finish, as ``step``'s 5-tuple; ``info["env_id"]``
        names them, in the order they finished."""
        return self._core.recv()

    def render(self):
        """Every env's RGB frame (``render_mode="rgb_array"``), else ``None``."""
        if self.render_mode != "rgb_array":
            return None
        return tuple(self._core.render(i) for i in range(self.num_envs))

    def get_action_meanings(self) -> list[str]:
        """ALE's names of the actions, in index order."""
        return self._core.action_meanings()

    def __reduce__(self):
        raise TypeError(NOT_PICKLABLE)


def make_vec(id: str, num_envs: int, num_threads: int = 1, copy: bool = True, **kwargs: Any) -> DqnVectorEnv:
    """A vector env of a registered id (``"dqn_envs/Breakout-v0"``); see ``DqnVectorEnv``.

    An unknown id raises gymnasium's own ``NameNotFound`` (or a subclass of ``gymnasium.error.Error``).
    """
    spec = gymnasium.spec(id)
    env_id = spec.kwargs.get("env_id")
    if env_id is None or spec.vector_entry_point != "dqn_envs.vector:DqnVectorEnv":
        raise gymnasium.error.Error(f"{id} is not a dqn_envs env; dqn_envs ids: {', '.join(_ids())}")
    return DqnVectorEnv(env_id, num_envs=num_envs, num_threads=num_threads, copy=copy, **kwargs)


def _ids() -> list[str]:
    return [f"dqn_envs/{entry['gym_name']}" for entry in _core.registry()]
