"""Bad input: a Python exception with one clear line, never a panic or an abort."""

import os
import signal
import subprocess
import sys

import gymnasium
import numpy as np
import pytest

import dqn_envs
from dqn_envs import _core


def test_action_out_of_range_or_of_the_wrong_type_names_the_range():
    env = gymnasium.make("dqn_envs/Breakout-v0").unwrapped
    env.reset(seed=0)
    for bad in [4, -1, 1.5, "1", np.array([1, 2]), np.float32(1.0), None]:
        with pytest.raises(ValueError, match=r"0\.\.4"):
            env.step(bad)
    env.step(np.int64(3))
    env.step(np.array(2))


def test_vector_actions_of_the_wrong_shape_dtype_or_range():
    envs = dqn_envs.make_vec("dqn_envs/Breakout-v0", num_envs=3)
    envs.reset(seed=0)
    for bad in [[0, 1], np.zeros((3, 1), np.int64), np.array([0.0, 1.0, 2.0]), [0, 1, 9], np.array([0, -1, 0])]:
        with pytest.raises(ValueError):
            envs.step(bad)
    with pytest.raises(ValueError, match=r"0\.\.4"):
        envs.step([0, 1, 9])
    envs.step(np.array([0, 1, 2], dtype=np.int32))
    envs.step([3, 2, 1])


def test_unknown_keyword_lists_the_valid_ones():
    with pytest.raises(TypeError, match="frame_skip.*valid keywords:.*frameskip.*stack_num"):
        gymnasium.make("dqn_envs/Breakout-v0", frame_skip=4)
    with pytest.raises(TypeError, match="valid keywords: render_mode"):
        gymnasium.make("dqn_envs/CartPole-v1", frameskip=4)
    with pytest.raises(TypeError, match="valid keywords"):
        dqn_envs.make_vec("dqn_envs/Pong-v0", num_envs=2, bogus=1)


def test_bad_values_name_the_valid_range():
    with pytest.raises(ValueError, match="frame_skip must be in 1..=64"):
        gymnasium.make("dqn_envs/Breakout-v0", frameskip=0)
    with pytest.raises(ValueError, match=r"sticky_action_prob must be in \[0, 1\]"):
        gymnasium.make("dqn_envs/Breakout-v0", repeat_action_probability=2.0)
    with pytest.raises(ValueError, match="img_height and img_width"):
        gymnasium.make("dqn_envs/Breakout-v0", img_height=84, img_width=64)
    with pytest.raises(TypeError, match="episodic_life must be a bool"):
        gymnasium.make("dqn_envs/Breakout-v0", episodic_life="yes")
    # gymnasium warns first that the mode is not in our metadata; then our env refuses it.
    with (
        pytest.warns(UserWarning, match="render_modes"),
        pytest.raises(ValueError, match="render_mode"),
    ):
        gymnasium.make("dqn_envs/Breakout-v0", render_mode="ansi")
    with pytest.raises(ValueError, match="num_envs"):
        dqn_envs.make_vec("dqn_envs/Breakout-v0", num_envs=0)
    with pytest.raises(ValueError, match="batch_size"):
        dqn_envs.make_vec("dqn_envs/Breakout-v0", num_envs=2, batch_size=3)


def test_unknown_id_is_gymnasiums_not_found_error():
    with pytest.raises(gymnasium.error.NameNotFound):
        gymnasium.make("dqn_envs/Tetris-v0")
    with pytest.raises(gymnasium.error.NameNotFound):
        dqn_envs.make_vec("dqn_envs/Tetris-v0", num_envs=2)
    with pytest.raises(ValueError, match="known envs: breakout"):
        _core.Env("tetris")


def test_a_rust_panic_is_a_runtime_error():
    with pytest.raises(RuntimeError, match="internal error.*panic"):
        _core._panic_for_tests()


def test_ctrl_c_during_long_vector_steps_is_keyboard_interrupt():
    # Python turns SIGINT into KeyboardInterrupt only when its parent left SIGINT at its default;
    # a test run started in the background (nohup, `cmd &` in a script) passes it down ignored, and
    # the child would never see the signal. Install the handler as an interactive Python has it.
    code = (
        "import signal; signal.signal(signal.SIGINT, signal.default_int_handler)\n"
        "import dqn_envs, numpy as np\n"
        "envs = dqn_envs.make_vec('dqn_envs/Driving-v0', num_envs=64, num_threads=2, obs_type='rgb')\n"
        "envs.reset(seed=0)\n"
        "print('ready', flush=True)\n"
        "while True:\n"
        "    envs.step(np.zeros(64, dtype=np.int64))\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "ready"
    os.kill(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode in (1, -signal.SIGINT), err  # Python ends an uncaught KeyboardInterrupt with SIGINT
    assert err.strip().splitlines()[-1] == "KeyboardInterrupt", err
    assert "panicked" not in err and "Abort" not in err
