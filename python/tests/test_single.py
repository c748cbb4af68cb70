"""The single env: gymnasium semantics, keywords, info, render, seeds."""

import pickle

import gymnasium
import numpy as np
import pytest

from conftest import scripted_actions


def run(env, seed, actions):
    obs, _ = env.reset(seed=seed)
    trace = [obs]
    for a in actions:
        obs, r, term, trunc, info = env.step(a)
        trace.append((obs, r, term, trunc, info["lives"], info["score"]))
        if term or trunc:
            obs, _ = env.reset()
            trace.append(obs)
    return trace


def same(a, b):
    if isinstance(a, (tuple, list)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return np.array_equal(a, b)


@pytest.mark.parametrize("gym_id", ["dqn_envs/Breakout-v0", "dqn_envs/Invaders-v0", "dqn_envs/CartPole-v1"])
def test_same_seed_same_trajectory(gym_id):
    env = gymnasium.make(gym_id)
    acts = scripted_actions(300, 1, env.action_space.n)[:, 0]
    assert same(run(env, 7, acts), run(gymnasium.make(gym_id), 7, acts))
    assert not same(run(env, 7, acts)[:50], run(env, 8, acts)[:50])


def test_info_has_ale_keys_and_score():
    env = gymnasium.make("dqn_envs/Breakout-v0")
    _, info = env.reset(seed=0)
    assert {"lives", "episode_frame_number", "frame_number", "score"} <= set(info)
    assert info["lives"] == 5
    _, _, _, _, info2 = env.step(1)
    assert info2["frame_number"] == info["frame_number"] + 4
    assert info2["episode_frame_number"] == info["episode_frame_number"] + 4


def test_episode_stats_at_game_over():
    env = gymnasium.make("dqn_envs/CartPole-v1")
    env.reset(seed=0)
    for t in range(1, 501):
        _, _, term, trunc, info = env.step(1)
        if term or trunc:
            assert info["episode_length"] == t and info["episode_return"] == t
            return
    pytest.fail("pushing right always ends a cartpole episode")


def test_step_after_done_needs_reset():
    env = gymnasium.make("dqn_envs/CartPole-v1").unwrapped
    with pytest.raises(gymnasium.error.ResetNeeded):
        env.step(0)
    env.reset(seed=0)
    while True:
        _, _, term, trunc, _ = env.step(1)
        if term or trunc:
            break
    with pytest.raises(gymnasium.error.ResetNeeded):
        env.step(1)
    env.reset()
    env.step(1)


def test_widen_thin_shapes_keeps_the_laser_bright() -> None:
    def frames(widen: bool) -> list[np.ndarray]:
        env = gymnasium.make(
            "dqn_envs/Invaders-v0",
            img_height=42,
            img_width=42,
            stack_num=1,
            widen_thin_shapes=widen,
        )
        env.reset(seed=0)
        return [env.step(1)[0].astype(np.int64) for _ in range(20)]  # FIRE: a 1-pixel laser flies

    plain, wide = frames(False), frames(True)
    # The same game; only shapes thinner than a pixel (the laser, the bullets) are drawn brighter.
    assert sum(int(w.sum()) for w in wide) > sum(int(p.sum()) for p in plain)
    assert max(int(w.max()) for w in wide) >= max(int(p.max()) for p in plain)
    with pytest.raises(TypeError, match="widen_thin_shapes must be a bool"):
        gymnasium.make("dqn_envs/Invaders-v0", widen_thin_shapes="yes")


def test_keywords_change_the_spaces():
    env = gymnasium.make("dqn_envs/Pong-v0", stack_num=1, img_height=64, img_width=64)
    assert env.observation_space.shape == (1, 64, 64)
    assert env.reset(seed=0)[0].shape == (1, 64, 64)
    rgb = gymnasium.make("dqn_envs/Pong-v0", grayscale=False, stack_num=2)
    assert rgb.observation_space.shape == (6, 84, 84)
    full = gymnasium.make("dqn_envs/Freeway-v0", img_height=210, img_width=160, stack_num=1)
    assert full.observation_space.shape == (1, 210, 160)
    every = gymnasium.make(
        "dqn_envs/Breakout-v0",
        repeat_action_probability=0.0,
        frameskip=2,
        max_pool=False,
        grayscale=True,
        noop_max=0,
        use_fire_reset=False,
        episodic_life=False,
        reward_clip=False,
        max_num_frames_per_episode=100,
        full_action_space=False,
    )
    every.reset(seed=0)
    for t in range(1, 100):
        _, _, term, trunc, info = every.step(0)
        if trunc:
            assert info["episode_frame_number"] == 100 and t == 50
            break
    else:
        pytest.fail("max_num_frames_per_episode=100 at frameskip 2 truncates after 50 steps")


def test_obs_type_rgb_is_the_raw_frame_channel_last():
    env = gymnasium.make("dqn_envs/Breakout-v0", obs_type="rgb", render_mode="rgb_array")
    assert env.observation_space.shape == (210, 160, 3)
    obs, _ = env.reset(seed=3)
    assert obs.shape == (210, 160, 3) and obs.dtype == np.uint8
    assert np.array_equal(obs, env.render()), "with no skip pooling, the obs is the rendered frame"


def test_render_rgb_array():
    env = gymnasium.make("dqn_envs/Invaders-v0", render_mode="rgb_array")
    env.reset(seed=0)
    frame = env.render()
    assert frame.shape == (210, 160, 3) and frame.dtype == np.uint8 and frame.any()
    cart = gymnasium.make("dqn_envs/CartPole-v1", render_mode="rgb_array")
    cart.reset(seed=0)
    assert cart.render().shape == (200, 300, 3)
    assert gymnasium.make("dqn_envs/Pong-v0").unwrapped.render() is None


def test_pickling_says_why_in_one_line():
    env = gymnasium.make("dqn_envs/Breakout-v0").unwrapped
    with pytest.raises(TypeError, match="cannot be pickled.*SubprocVecEnv"):
        pickle.dumps(env)
