"""``DqnEnv``: one env of the Rust registry as a ``gymnasium.Env``."""

from __future__ import annotations

from typing import Any

import gymnasium
import numpy as np
from gymnasium import spaces

from dqn_envs import _core

NOT_PICKLABLE = (
    "dqn_envs envs cannot be pickled: their state lives in Rust memory. "
    "Give SubprocVecEnv / AsyncVectorEnv a function that makes the env "
    "(lambda: gymnasium.make('dqn_envs/Breakout-v0')), not an env; "
    "or use dqn_envs.make_vec, which steps envs on Rust threads in one process."
)


def observation_box(desc: tuple) -> spaces.Box:
    """A gymnasium ``Box`` from the Rust side's ``(shape, dtype, low, high)``."""
    shape, dtype, low, high = desc
    dtype = np.dtype(dtype)
    if dtype == np.uint8:
        return spaces.Box(low=int(low), high=int(high), shape=tuple(shape), dtype=dtype)
    return spaces.Box(low=np.float32(low), high=np.float32(high), shape=tuple(shape), dtype=dtype)


class DqnEnv(gymnasium.Env):
    """One env, stepped in Rust, with ALE/CleanRL preprocessing by default.

    Args:
        env_id: the Rust registry id (``"breakout"``); ``gymnasium.make`` fills it in.
        render_mode: ``None``, ``"rgb_array"`` (``render()`` returns the 210×160×3 frame) or
            ``"human"`` (a window shows every step).
        **kwargs: the preprocessing, with ALE's and EnvPool's names:
            ``repeat_action_probability`` (0.25), ``frameskip`` (4), ``max_pool`` (True),
            ``grayscale`` (True), ``img_height``/``img_width`` (84), ``stack_num`` (4),
            ``noop_max`` (30), ``use_fire_reset`` (True), ``episodic_life`` (True),
            ``reward_clip`` (True), ``max_num_frames_per_episode`` (108000),
            ``full_action_space`` (False), ``widen_thin_shapes`` (False: True draws shapes
            thinner than an observation pixel, such as shots, at full brightness), ``obs_type``
            (None, or ``"rgb"`` for ALE's raw 210×160×3 frame). CartPole takes only
            ``render_mode``.
    """

    metadata = {"render_modes": ["rgb_array", "human"], "render_fps": 60}

    def __init__(self, env_id: str = "breakout", render_mode: str | None = None, **kwargs: Any):
        self._core = _core.Env(env_id, render_mode=render_mode, **kwargs)
        self.env_id = env_id
        self.render_mode = render_mode
        self.observation_space = observation_box(self._core.observation_box())
        self.action_space = spaces.Discrete(self._core.num_actions)
        self._window = None

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        """Starts an episode; the same ``seed`` gives the same episode for the same actions."""
        super().reset(seed=seed)
        obs, info = self._core.reset(seed)
        if self.render_mode == "human":
            self._show()
        return obs, info

    def step(self, action):
        """One agent step: ``(obs, reward, terminated, truncated, info)``.

        ``info`` holds ``lives``, ``episode_frame_number``, ``frame_number`` and ``score``, and,
        on the step where a whole game ends, ``episode_return`` (unclipped) and
        ``episode_length``.
        """
        result = self._core.step(action)
        if self.render_mode == "human":
            self._show()
        return result

    def render(self):
        """The current RGB frame (``"rgb_array"``), or shows it (``"human"``)."""
        if self.render_mode == "rgb_array":
            return self._core.render()
        if self.render_mode == "human":
            self._show()
        return None

    def get_action_meanings(self) -> list[str]:
        """ALE's names of the actions, in index order."""
        return self._core.action_meanings()

    def close(self):
        self._window = None

    def _show(self):
        frame = self._core.render()
        if self._window is None:
            height, width, _ = frame.shape
            self._window = _core.Window(f"dqn_envs: {self.env_id}", width, height)
        self._window.show(frame)

    def __reduce__(self):
        raise TypeError(NOT_PICKLABLE)
