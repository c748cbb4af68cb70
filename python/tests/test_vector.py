"""The vector env: equal to single envs and to the Rust VecEnv, copy modes, threads, async."""

import os
import subprocess
import time
from pathlib import Path

import gymnasium
import numpy as np
import pytest

import dqn_envs
from conftest import scripted_actions

ROOT = Path(__file__).resolve().parents[2]


def loop_over_singles(gym_id, num_envs, seed, actions, **kwargs):
    """What a vector env with next-step autoreset must return, from a Python loop over single envs."""
    envs = [gymnasium.make(gym_id, **kwargs).unwrapped for _ in range(num_envs)]
    obs = [e.reset(seed=seed + i)[0] for i, e in enumerate(envs)]
    trace = [np.stack(obs)]
    done = [False] * num_envs
    for acts in actions:
        step = []
        for i, e in enumerate(envs):
            if done[i]:
                o, _ = e.reset()
                step.append((o, 0.0, False, False))
                done[i] = False
            else:
                o, r, term, trunc, _ = e.step(int(acts[i]))
                step.append((o, r, term, trunc))
                done[i] = term or trunc
        trace.append(tuple(np.stack(x) for x in zip(*step)))
    return trace


def vector_trace(envs, seed, actions):
    obs, _ = envs.reset(seed=seed)
    trace = [obs.copy()]
    for acts in actions:
        o, r, term, trunc, _ = envs.step(acts)
        trace.append((o.copy(), r.copy(), term.copy(), trunc.copy()))
    return trace


def assert_same(expected, got):
    np.testing.assert_array_equal(expected[0], got[0])
    for t, (e, g) in enumerate(zip(expected[1:], got[1:])):
        for name, x, y in zip(["obs", "reward", "terminated", "truncated"], e, g):
            np.testing.assert_array_equal(x, y, err_msg=f"step {t}: {name}")


@pytest.mark.parametrize(
    "gym_id,kwargs,steps",
    [
        ("dqn_envs/CartPole-v1", {}, 120),
        ("dqn_envs/Breakout-v0", {"stack_num": 2}, 150),
        ("dqn_envs/Pong-v0", {"obs_type": "rgb"}, 30),
    ],
)
def test_vector_env_equals_a_loop_over_single_envs(gym_id, kwargs, steps):
    n = 4
    envs = dqn_envs.make_vec(gym_id, num_envs=n, **kwargs)
    actions = scripted_actions(steps, n, envs.single_action_space.n, seed=3)
    expected = loop_over_singles(gym_id, n, 11, actions, **kwargs)
    got = vector_trace(envs, 11, actions)
    assert_same(expected, got)
    if gym_id.endswith("CartPole-v1"):
        assert any(t[2].any() for t in expected[1:]), "the comparison covered autoresets"


def test_rust_vec_env_and_python_vector_env_give_identical_observations():
    n, steps, seed = 4, 60, 5
    cargo = os.environ.get("CARGO", "cargo")
    dump = subprocess.run(
        [cargo, "run", "-q", "-p", "envs", "--example", "vec_env_dump", "--", "breakout", str(n), str(seed), str(steps)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    rust = np.frombuffer(dump.stdout, dtype=np.uint8).reshape(steps + 1, n, 4, 84, 84)
    envs = dqn_envs.make_vec("dqn_envs/Breakout-v0", num_envs=n, num_threads=2)
    obs, _ = envs.reset(seed=seed)
    np.testing.assert_array_equal(rust[0], obs)
    for t in range(steps):
        actions = [(t * 7 + i * 3) % 4 for i in range(n)]
        obs, *_ = envs.step(actions)
        np.testing.assert_array_equal(rust[t + 1], obs, err_msg=f"step {t}")


def test_threads_do_not_change_results():
    actions = scripted_actions(80, 16, 6, seed=1)
    one = vector_trace(dqn_envs.make_vec("dqn_envs/Invaders-v0", num_envs=16, num_threads=1), 2, actions)
    two = vector_trace(dqn_envs.make_vec("dqn_envs/Invaders-v0", num_envs=16, num_threads=2), 2, actions)
    assert_same(one, two)


def test_copy_true_returns_fresh_arrays_and_copy_false_one_overwritten_view():
    fresh = dqn_envs.make_vec("dqn_envs/Breakout-v0", num_envs=2)
    fresh.reset(seed=0)
    a = fresh.step([1, 1])[0]
    b = fresh.step([1, 1])[0]
    assert a is not b and not np.shares_memory(a, b)
    view = dqn_envs.make_vec("dqn_envs/Breakout-v0", num_envs=2, copy=False)
    first, _ = view.reset(seed=0)
    kept = first.copy()
    c = view.step([1, 1])[0]
    d = view.step([1, 1])[0]
    assert c is first and d is first
    np.testing.assert_array_equal(d, b)
    assert not np.array_equal(kept, d)


def test_info_is_dicts_of_arrays_with_masks():
    envs = dqn_envs.make_vec("dqn_envs/CartPole-v1", num_envs=3)
    _, info = envs.reset(seed=0)
    for key in ["lives", "episode_frame_number", "frame_number", "score"]:
        assert info[key].shape == (3,) and info[f"_{key}"].all()
    for _ in range(500):
        _, _, term, trunc, info = envs.step([1, 1, 1])
        if (term | trunc).any():
            assert np.array_equal(info["_episode_return"], term | trunc)
            assert (info["episode_length"][term | trunc] > 0).all()
            return
    pytest.fail("pushing right ends cartpole episodes")


def test_async_send_recv_with_full_batch_equals_step():
    actions = scripted_actions(40, 8, 4, seed=4)
    sync = vector_trace(dqn_envs.make_vec("dqn_envs/Breakout-v0", num_envs=8), 9, actions)
    envs = dqn_envs.make_vec("dqn_envs/Breakout-v0", num_envs=8, num_threads=2)
    envs.reset(seed=9)
    for t, acts in enumerate(actions):
        envs.send(acts)
        obs, rew, term, trunc, info = envs.recv()
        order = np.argsort(info["env_id"])
        np.testing.assert_array_equal(sync[t + 1][0], obs[order], err_msg=f"step {t}")
        np.testing.assert_array_equal(sync[t + 1][1], rew[order])


def test_async_recv_returns_the_first_batch_size_envs_with_env_id():
    envs = dqn_envs.make_vec("dqn_envs/Pong-v0", num_envs=8, num_threads=2, batch_size=4)
    envs.reset(seed=0)
    envs.send(np.zeros(8, dtype=np.int64))
    seen = []
    for _ in range(10):
        obs, rew, term, trunc, info = envs.recv()
        assert obs.shape == (4, 4, 84, 84) and rew.shape == (4,)
        ids = info["env_id"]
        assert len(set(ids)) == 4 and info["_env_id"].all()
        seen.extend(ids)
        envs.send(np.ones(4, dtype=np.int64), env_id=ids)
    assert set(seen) == set(range(8))
    with pytest.raises(ValueError, match="still stepping"):
        envs.send([0], env_id=[int(ids[0])])  # sent again in the loop's last round


def test_send_then_work_then_recv_overlaps():
    envs = dqn_envs.make_vec("dqn_envs/Driving-v0", num_envs=64, num_threads=1, obs_type="rgb")
    envs.reset(seed=0)
    actions = np.zeros(64, dtype=np.int64)
    start = time.perf_counter()
    for _ in range(5):
        envs.step(actions)
    work = (time.perf_counter() - start) / 5  # the Python side's "work": as long as a step
    sync, overlapped = [], []
    for _ in range(7):
        t0 = time.perf_counter()
        envs.step(actions)
        time.sleep(work)
        sync.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        envs.send(actions)
        time.sleep(work)
        envs.recv()
        overlapped.append(time.perf_counter() - t0)
    assert np.median(overlapped) < np.median(sync), (overlapped, sync)
