"""Which conv channels of a `dqn` Q-network are dead? Plays random actions in one of our games
(through the `dqn_envs` Python package, with the run's own preprocessing from its config.toml), or
for a `gym:ALE/...` run in gymnasium's emulator through the gym bridge's own worker
(envs/src/gym/worker.py: the same frame skip, max-pool and resize; needs `make gym`),
feeds the frames to each checkpoint's strided conv stack (`nature` or `strided` backbones; the
run's `activation`), and prints per checkpoint, per conv layer: how many channels are never
positive on any frame at any position ("dead": with ReLU they pass no gradient, so they stay dead),
and the mean fraction of positive outputs; then the spread of the value head's V(s) over the
frames (0 means the network gives every state the same value: it cannot tell them apart).

Usage: .venv/bin/python scripts/dead_channels.py [--frames 1500] [--every N] RUN_OR_CHECKPOINT...
A run folder stands for all its `step_N.safetensors` checkpoints, oldest first.
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import sys
import tomllib
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import load_file

import dqn_envs

NATURE = [(32, 8, 4), (64, 4, 2), (64, 3, 1)]


def checkpoints(arg: str, every: int) -> list[Path]:
    path = Path(arg)
    if path.is_file():
        return [path]
    found = [
        p
        for p in (path / "checkpoints").glob("step_*.safetensors")
        if re.fullmatch(r"step_\d+\.safetensors", p.name)
    ]
    if not found:
        sys.exit(f"dead_channels: no step_N.safetensors under {path}/checkpoints")
    found.sort(key=lambda p: int(p.stem.split("_")[1]))
    return found[::every]


def run_config(ckpt: Path) -> dict[str, Any]:
    config = ckpt.parent.parent / "config.toml"
    if not config.is_file():
        sys.exit(f"dead_channels: {config} not found (a checkpoint must sit in RUN/checkpoints)")
    with config.open("rb") as f:
        return tomllib.load(f)


def layers_of(cfg: dict[str, Any]) -> list[tuple[int, int, int]]:
    kind = cfg["net"]["torso"].get("backbone", {}).get("kind", {"type": "nature"})
    if kind["type"] == "nature":
        return NATURE
    if kind["type"] == "strided":
        return [(layer["channels"], layer["kernel"], layer["stride"]) for layer in kind["layers"]]
    sys.exit(f"dead_channels: backbone kind {kind['type']!r} is not a strided stack")


# config.toml's [env] keys → the dqn_envs keywords (ALE's names; python/src/config.rs).
ENV_KEYWORDS = {
    "sticky_action_prob": "repeat_action_probability",
    "frame_skip": "frameskip",
    "max_pool": "max_pool",
    "grayscale": "grayscale",
    "frame_stack": "stack_num",
    "noop_max": "noop_max",
    "fire_reset": "use_fire_reset",
    "episodic_life": "episodic_life",
    "clip_rewards": "reward_clip",
    "max_episode_frames": "max_num_frames_per_episode",
    "full_action_space": "full_action_space",
    "widen_thin_shapes": "widen_thin_shapes",
}


def ale_frames(cfg: dict[str, Any], n: int, seed: int) -> np.ndarray:
    """n stacked observations of random play in a `gym:ALE/...` env, made by the bridge's worker."""
    env_cfg = cfg["env"]
    path = Path(__file__).resolve().parent.parent / "envs" / "src" / "gym" / "worker.py"
    spec = importlib.util.spec_from_file_location("gym_worker", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    # The bridge sends the worker the run's whole [env] table as JSON (envs/src/gym/worker.rs).
    worker = module.Worker(cfg["env_id"].removeprefix("gym:"), env_cfg, sys.stderr.buffer)
    skip, pool, stack = env_cfg["frame_skip"], env_cfg["max_pool"], cfg["dqn"]["frame_stack"]
    head = module.HEADER.size
    rng = np.random.default_rng(seed)

    def frame(reply: bytes) -> tuple[np.ndarray, bool]:
        done = bool(reply[9] or reply[10])  # the header's terminated and truncated bytes
        return np.frombuffer(reply[head:], np.uint8).reshape(worker.shape), done

    first, _ = frame(worker.reset(seed))
    history = [first] * stack
    out = []
    while len(out) < n:
        action = int(rng.integers(worker.hello["actions"]))
        obs, done = frame(worker.step(action, skip, pool))
        history = history[1:] + [obs]
        out.append(np.concatenate(history))  # [stack · C, H, W], as the replay stacks
        if done:
            first, _ = frame(worker.reset(None))
            history = [first] * stack
    return np.stack(out)


def game_frames(cfg: dict[str, Any], n: int, seed: int) -> np.ndarray:
    """n stacked observations of random play in one of our games, made by `dqn_envs`."""
    env_cfg = cfg["env"]
    kwargs = {kw: env_cfg[key] for key, kw in ENV_KEYWORDS.items() if key in env_cfg}
    size = env_cfg["obs_size"]
    env = dqn_envs.DqnEnv(cfg["env_id"], img_height=size, img_width=size, **kwargs)
    rng = np.random.default_rng(seed)
    obs, _ = env.reset(seed=seed)
    out = []
    while len(out) < n:
        obs, _, terminated, truncated, _ = env.step(int(rng.integers(env.action_space.n)))
        out.append(obs)
        if terminated or truncated:
            obs, _ = env.reset()
    return np.stack(out)


def frames(cfg: dict[str, Any], n: int, seed: int) -> torch.Tensor:
    """`[n, stack · C, H, W]` f32: random play's observations, scaled as the network scales them."""
    make = ale_frames if cfg["env_id"].startswith("gym:ALE/") else game_frames
    return torch.tensor(make(cfg, n, seed)).float() * cfg["net"].get("u8_scale", 1.0 / 255.0)


def value_head(w: dict[str, torch.Tensor], features: torch.Tensor) -> torch.Tensor:
    prefix = "head.value" if "head.value.out.weight" in w else "head"
    h = features
    i = 1
    while f"{prefix}.fc{i}.weight" in w:
        h = F.relu(h @ w[f"{prefix}.fc{i}.weight"].T + w[f"{prefix}.fc{i}.bias"])
        i += 1
    return h @ w[f"{prefix}.out.weight"].T + w[f"{prefix}.out.bias"]


def report(ckpt: Path, x: torch.Tensor, layers: list[tuple[int, int, int]], leaky: bool) -> str:
    w = load_file(str(ckpt))
    parts = []
    h = x
    for i, (_, _, stride) in enumerate(layers, start=1):
        pre = F.conv2d(h, w[f"backbone.conv{i}.weight"], w[f"backbone.conv{i}.bias"], stride=stride)
        h = F.leaky_relu(pre) if leaky else F.relu(pre)
        positive = (pre > 0).float().mean(dim=(0, 2, 3))
        dead = int((positive == 0).sum())
        parts.append(f"conv{i} dead {dead:2d}/{len(positive)} active {float(positive.mean()):.2f}")
    v = value_head(w, h.flatten(1))
    parts.append(f"V {float(v.mean()):+.2f} ± {float(v.std()):.3f} over frames")
    return f"{ckpt.stem:>12}  " + " | ".join(parts)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--frames", type=int, default=1500, help="random-play frames to feed (default 1500)"
    )
    ap.add_argument("--seed", type=int, default=0, help="seed of the env and the random actions")
    ap.add_argument("--every", type=int, default=1, help="every Nth checkpoint of a run folder")
    ap.add_argument("runs", nargs="+", help="run folders or checkpoint files")
    args = ap.parse_args()
    torch.set_num_threads(1)
    for arg in args.runs:
        paths = checkpoints(arg, max(1, args.every))
        cfg = run_config(paths[0])
        layers = layers_of(cfg)
        leaky = cfg["net"]["torso"].get("backbone", {}).get("activation", "relu") == "leaky_relu"
        x = frames(cfg, args.frames, args.seed)
        activation = "leaky_relu" if leaky else "relu"
        print(f"{arg}: {cfg['env_id']}, {len(layers)} convs, {activation}, {len(x)} frames")
        for p in paths:
            print(report(p, x, layers, leaky))


if __name__ == "__main__":
    main()
