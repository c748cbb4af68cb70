"""Shared helpers of the dqn_envs tests. They import the INSTALLED package (`make python`)."""

import numpy as np
import pytest

import dqn_envs  # noqa: F401  (registers the ids)

PIXEL_IDS = [i for i in dqn_envs.ids() if "CartPole" not in i]
ALL_IDS = dqn_envs.ids()


def scripted_actions(steps: int, num_envs: int, n: int, seed: int = 0) -> np.ndarray:
    """A fixed pseudo-random action sequence, `[steps, num_envs]`."""
    return np.random.default_rng(seed).integers(0, n, size=(steps, num_envs))


@pytest.fixture(params=ALL_IDS)
def any_id(request):
    return request.param
