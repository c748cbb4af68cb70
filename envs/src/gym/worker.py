"""The gym bridge's worker: runs ONE gymnasium env for `dqn` in its own process.

Started by `envs::gym` (this file is embedded in the binary) as
`python -c <this file> <env id> <config json>`. It answers over its stdin/stdout pipes:

- first, one JSON line: the env's spaces and action names, or {"error": kind, "message": ...};
- then binary requests, little-endian: b"R" + u8 has_seed + u64 seed (reset),
  b"S" + u32 action + u32 frames + u8 pool (step), b"G" (render); EOF ends the worker.
- each answer: u8 0 + f64 reward + u8 terminated + u8 truncated + u32 lives
  + u64 frame_number + u64 episode_frame_number + the observation bytes,
  or u8 1 + u32 length + a UTF-8 message. A render answers u8 0 + u32 h + u32 w + RGB bytes.

For ALE ids the worker does the per-emulator-frame part of the Atari preprocessing, which a pipe
round trip per frame would make slow: it steps `frames` emulator frames (ALE applies its sticky
actions per frame), max-pools the last two and converts them to gray at obs_size x obs_size, each
pixel the mean of its area (OpenCV's INTER_AREA) or, with widen_thin_shapes, its brightest pixel.
Everything per agent step (noop reset, fire reset, episodic life, reward clipping, statistics)
stays in Rust.
Other envs step once per request, unchanged; bool observations become uint8 and images HWC -> CHW.
"""
import json
import os
import signal
import struct
import sys

HEADER = struct.Struct("<BdBBIQQ")
F32_MAX = 3.4028234663852886e38


def send(out, data):
    view = memoryview(data)
    while view:
        view = view[out.write(view):]


def fail(out, kind, message):
    send(out, (json.dumps({"error": kind, "message": message}) + "\n").encode())
    sys.exit(3)


class Worker:
    def __init__(self, env_id, cfg, out):
        try:
            import gymnasium as gym
            import numpy as np
        except ImportError as e:
            fail(out, "missing", f"Python package '{e.name}' is missing")
        self.np = np
        self.atari = env_id.startswith("ALE/")
        kwargs = {"render_mode": "rgb_array"}
        if self.atari:
            try:
                import ale_py
                import cv2
            except ImportError as e:
                fail(out, "missing", f"Python package '{e.name}' is missing")
            gym.register_envs(ale_py)
            # One thread per worker process, as everywhere in dqn: OpenCV's pool would make the
            # workers of `--num-envs N` compete for the same cores.
            cv2.setNumThreads(1)
            self.cv2 = cv2
            kwargs.update(
                frameskip=1,
                repeat_action_probability=float(cfg["sticky_action_prob"]),
                full_action_space=bool(cfg["full_action_space"]),
                obs_type="grayscale" if cfg["grayscale"] else "rgb",
            )
            if cfg["max_episode_frames"] > 0:
                kwargs["max_num_frames_per_episode"] = int(cfg["max_episode_frames"])
        try:
            try:
                self.env = gym.make(env_id, **kwargs)
            except TypeError:
                # An env without a render_mode argument: make it without (render then fails alone).
                del kwargs["render_mode"]
                self.env = gym.make(env_id, **kwargs)
        except ImportError as e:
            fail(out, "missing", f"Python package '{e.name}' is missing ({e})")
        except Exception as e:  # gymnasium's own message, e.g. an unknown id
            fail(out, "make", f"{type(e).__name__}: {e}")
        spaces = gym.spaces
        act = self.env.action_space
        if not isinstance(act, spaces.Discrete):
            fail(out, "unsupported", f"action space {act} is not Discrete; the bridge supports Discrete actions only")
        self.action_start = int(act.start)
        obs = self.env.observation_space
        if not isinstance(obs, spaces.Box):
            fail(out, "unsupported", f"observation space {obs} is not a Box; the bridge supports Box observations only")
        self.size = int(cfg["obs_size"])
        self.widen = bool(cfg["widen_thin_shapes"])
        if self.atari:
            h, w = obs.shape[:2]
            if self.size > 0:
                h = w = self.size
            self.shape = [1 if cfg["grayscale"] else 3, h, w]
            self.kind = "u8"
        elif (obs.dtype == np.uint8 or obs.dtype == np.bool_) and len(obs.shape) in (2, 3):
            self.shape = [1, *obs.shape] if len(obs.shape) == 2 else [obs.shape[2], obs.shape[0], obs.shape[1]]
            self.kind = "u8"
        elif np.issubdtype(obs.dtype, np.number) or obs.dtype == np.bool_:
            self.shape = [int(np.prod(obs.shape))]
            self.kind = "f32"
        else:
            fail(out, "unsupported", f"observation space {obs} has dtype {obs.dtype}, not a number")
        meanings = None
        if hasattr(self.env.unwrapped, "get_action_meanings"):
            meanings = list(self.env.unwrapped.get_action_meanings())
        self.hello = {
            "atari": self.atari,
            "actions": int(act.n),
            "action_meanings": meanings,
            "obs_kind": self.kind,
            "obs_shape": self.shape,
            # JSON has no infinity: unbounded boxes are clamped to the f32 range.
            "obs_low": max(float(np.min(obs.low)), -F32_MAX) if self.kind == "f32" else 0.0,
            "obs_high": min(float(np.max(obs.high)), F32_MAX) if self.kind == "f32" else 255.0,
            "render_size": [160, 210] if self.atari else [600, 400],
        }
        self.obs_bytes = int(np.prod(self.shape)) * (1 if self.kind == "u8" else 4)
        self.frame_number = 0
        self.episode_frame_number = 0
        self.lives = 0

    def convert(self, obs):
        np = self.np
        if self.atari:
            h, w = obs.shape[:2]
            if self.widen and 0 < self.size < min(h, w):
                # Each pixel is the brightest of its area, so a ball or shot thinner than a pixel
                # keeps its full brightness instead of its area's share (mean).
                rows = np.arange(self.size) * h // self.size
                cols = np.arange(self.size) * w // self.size
                obs = np.maximum.reduceat(np.maximum.reduceat(obs, rows, axis=0), cols, axis=1)
            elif self.size > 0 and (h, w) != (self.size, self.size):
                obs = self.cv2.resize(obs, (self.size, self.size), interpolation=self.cv2.INTER_AREA)
            if obs.ndim == 3:
                obs = obs.transpose(2, 0, 1)
            return np.ascontiguousarray(obs, dtype=np.uint8).tobytes()
        if self.kind == "u8":
            if obs.ndim == 3:
                obs = obs.transpose(2, 0, 1)
            return np.ascontiguousarray(obs, dtype=np.uint8).tobytes()
        return np.ascontiguousarray(obs, dtype=np.float32).tobytes()

    def answer(self, reward, terminated, truncated, info, obs):
        self.lives = int(info.get("lives", self.lives))
        if "frame_number" in info:
            self.frame_number = int(info["frame_number"])
            self.episode_frame_number = int(info["episode_frame_number"])
        data = self.convert(obs)
        if len(data) != self.obs_bytes:
            # The bridge reads exactly obs_bytes: a frame of another size would leave it waiting.
            raise ValueError(
                f"the observation has {len(data)} bytes, not the {self.obs_bytes} of its space {self.shape}"
            )
        head = HEADER.pack(
            0, reward, terminated, truncated, self.lives, self.frame_number, self.episode_frame_number
        )
        return head + data

    def reset(self, seed):
        obs, info = self.env.reset(seed=seed)
        self.episode_frame_number = 0
        return self.answer(0.0, False, False, info, obs)

    def step(self, action, frames, pool):
        env = self.env
        action += self.action_start
        if not self.atari:
            obs, reward, terminated, truncated, info = env.step(action)
            self.frame_number += 1
            self.episode_frame_number += 1
            return self.answer(float(reward), bool(terminated), bool(truncated), info, obs)
        total = 0.0
        previous = None
        for i in range(frames):
            obs, reward, terminated, truncated, info = env.step(action)
            total += float(reward)
            if terminated or truncated:
                previous = None
                break
            if pool and i + 2 == frames:
                previous = obs
        if previous is not None:
            obs = self.np.maximum(obs, previous)
        return self.answer(total, bool(terminated), bool(truncated), info, obs)

    def render(self):
        frame = self.np.ascontiguousarray(self.env.render(), dtype=self.np.uint8)
        h, w = frame.shape[:2]
        return struct.pack("<BII", 0, h, w) + frame.tobytes()


def read_exact(stream, n):
    data = stream.read(n)
    if len(data) < n:
        sys.exit(0)  # the bridge closed the pipe: a normal end
    return data


def main():
    # Ctrl-C reaches the whole process group: `dqn` saves a checkpoint and then closes the pipe,
    # which ends this worker, so the worker must not die of the same Ctrl-C first.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The protocol owns the real stdout; anything a library prints goes to stderr instead.
    out = os.fdopen(os.dup(1), "wb", buffering=0)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    inp = sys.stdin.buffer
    worker = Worker(sys.argv[1], json.loads(sys.argv[2]), out)
    send(out, (json.dumps(worker.hello) + "\n").encode())
    while True:
        op = read_exact(inp, 1)
        try:
            if op == b"S":
                action, frames, pool = struct.unpack("<IIB", read_exact(inp, 9))
                reply = worker.step(action, frames, pool)
            elif op == b"R":
                has_seed, seed = struct.unpack("<BQ", read_exact(inp, 9))
                reply = worker.reset(seed if has_seed else None)
            elif op == b"G":
                reply = worker.render()
            else:
                raise ValueError(f"unknown request {op!r}")
        except Exception as e:
            message = f"{type(e).__name__}: {e}".replace("\n", " ").encode()
            reply = struct.pack("<BI", 1, len(message)) + message
        send(out, reply)


if __name__ == "__main__":
    main()
