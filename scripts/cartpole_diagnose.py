"""Why does a cartpole Q-network's greedy policy fail? Plays greedy episodes of CartPole-v1 (the
same physics as envs/src/games/cartpole.rs: Euler, tau 0.02, |x| > 2.4 or |theta| > 12 degrees
ends it, truncated at 500) with the MLP weights of a `dqn` checkpoint, and prints per checkpoint:
the mean length, how the failed episodes ended (cart out of bounds or pole down), the mean |x| at
the end, the mean max-Q, the mean max-Q over the last 10 steps of failed episodes (their true discounted
return is below 10), and the action gap |Q(s,0) - Q(s,1)| along the greedy trajectories
(median and 10th percentile), all with numpy only.

Usage: .venv/bin/python scripts/cartpole_diagnose.py [--episodes 20] CHECKPOINT.safetensors...
Assumes the cartpole preset's net: mlp torso (ReLU after each layer), head_hidden = [].
"""

import argparse
import math

import numpy as np
from safetensors.numpy import load_file

GRAVITY, CART_MASS, POLE_MASS, HALF_LENGTH, FORCE, TAU = 9.8, 1.0, 0.1, 0.5, 10.0, 0.02
TOTAL_MASS = CART_MASS + POLE_MASS
POLE_MASS_LENGTH = POLE_MASS * HALF_LENGTH
X_MAX, THETA_MAX = 2.4, 12 * 2 * math.pi / 360


def step(s, action):
    x, x_dot, theta, theta_dot = s
    force = FORCE if action == 1 else -FORCE
    sin, cos = math.sin(theta), math.cos(theta)
    temp = (force + POLE_MASS_LENGTH * theta_dot**2 * sin) / TOTAL_MASS
    theta_acc = (GRAVITY * sin - cos * temp) / (HALF_LENGTH * (4.0 / 3.0 - POLE_MASS * cos**2 / TOTAL_MASS))
    x_acc = temp - POLE_MASS_LENGTH * theta_acc * cos / TOTAL_MASS
    return np.array([x + TAU * x_dot, x_dot + TAU * x_acc, theta + TAU * theta_dot, theta_dot + TAU * theta_acc])


def q_fn(path):
    t = load_file(path)
    layers = []
    i = 1
    while f"backbone.fc{i}.weight" in t:
        layers.append((t[f"backbone.fc{i}.weight"], t[f"backbone.fc{i}.bias"]))
        i += 1
    w_out, b_out = t["head.out.weight"], t["head.out.bias"]

    def q(obs):
        h = obs.astype(np.float32)
        for w, b in layers:
            h = np.maximum(h @ w.T + b, 0.0)
        return h @ w_out.T + b_out

    return q


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--episodes", type=int, default=20)
    ap.add_argument("--seed", type=int, default=12345)
    ap.add_argument("checkpoints", nargs="+")
    args = ap.parse_args()
    print(f"{'len':>6} {'fails':>5} {'x out':>5} {'pole':>4} {'|x| end':>7} {'max Q':>6} {'Q last10':>8} {'gap med':>7} {'gap p10':>7}  checkpoint")
    for path in args.checkpoints:
        q = q_fn(path)
        rng = np.random.default_rng(args.seed)
        lengths, x_out, pole, x_end, qmax, gaps, q_last = [], 0, 0, [], [], [], []
        for _ in range(args.episodes):
            s = rng.uniform(-0.05, 0.05, 4)
            n = 0
            episode_q = []
            while True:
                v = q(s[None, :])[0]
                qmax.append(v.max())
                episode_q.append(v.max())
                gaps.append(abs(v[0] - v[1]))
                s = step(s, int(v.argmax()))
                n += 1
                if abs(s[0]) > X_MAX or abs(s[2]) > THETA_MAX:
                    q_last.extend(episode_q[-10:])
                    if abs(s[0]) > X_MAX:
                        x_out += 1
                    else:
                        pole += 1
                    break
                if n >= 500:
                    break
            lengths.append(n)
            x_end.append(abs(s[0]))
        gaps = np.array(gaps)
        print(
            f"{np.mean(lengths):>6.1f} {x_out + pole:>5} {x_out:>5} {pole:>4} {np.mean(x_end):>7.2f} {np.mean(qmax):>6.1f} {np.mean(q_last) if q_last else float('nan'):>8.1f}"
            f" {np.median(gaps):>7.3f} {np.percentile(gaps, 10):>7.3f}  {path}"
        )


if __name__ == "__main__":
    main()
