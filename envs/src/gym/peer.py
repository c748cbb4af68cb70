"""The plain-Python peer of `dqn bench env --env gym:<id>`: the same gymnasium env with the same
preprocessing, stepped with uniformly random actions in one Python loop, without the bridge.

ALE ids: made with frameskip=1 and sticky actions 0.25, then gymnasium's AtariPreprocessing
(noop reset 30, skip 4 with the max of the last 2 frames, 84x84 gray) and a stack of 4, the work
the bridge does per agent step. Other ids: the env as it is. Prints one JSON line.

Usage: python -c <this file> <gymnasium id> <agent steps> <seed>
"""
import json
import sys
import time

import gymnasium as gym
import numpy as np


def main():
    env_id, steps, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    if env_id.startswith("ALE/"):
        import ale_py
        from gymnasium.wrappers import AtariPreprocessing, FrameStackObservation

        gym.register_envs(ale_py)
        env = gym.make(env_id, frameskip=1, repeat_action_probability=0.25)
        env = AtariPreprocessing(env, noop_max=30, frame_skip=4, screen_size=84, grayscale_obs=True)
        env = FrameStackObservation(env, 4)
    else:
        env = gym.make(env_id)
    rng = np.random.default_rng(seed)
    n = int(env.action_space.n)
    env.reset(seed=seed)
    episodes = 0
    start = time.perf_counter()
    for _ in range(steps):
        _, _, terminated, truncated, _ = env.step(int(rng.integers(n)))
        if terminated or truncated:
            episodes += 1
            env.reset()
    seconds = time.perf_counter() - start
    print(json.dumps({"steps": steps, "seconds": seconds, "steps_per_sec": steps / seconds, "episodes": episodes}))


if __name__ == "__main__":
    main()
