"""PyTorch peer of `nets::bench::dqn_update`: the DQN update we benchmark against.

Nature CNN Q-network (Mnih et al., 2015; CleanRL dqn_atari.py), batch of u8 4x84x84 stacks turned
into float /255 inside the network, online forward on s, target forward on s' without gradients
(plain DQN: max over the target net; --double picks the action with the online net), TD target
r + gamma*(1-done)*Q', Huber loss (delta 1, mean), backward, gradient-norm clip 10, Adam lr 1e-4.
The batch is random and stays on the device: replay sampling is not measured.
Acting: batch-1 forward without gradients + argmax + .item().

Prints one JSON line. Module names match the Rust `nets::QNet` variables (backbone.conv1.weight,
head.fc1.weight, head.out.weight), so `--check DIR` can load a checkpoint written by the Rust
example `cargo run -p nets --example export_qnet -- DIR` and compare outputs.

--autocast bf16 runs the forward passes (and so the backward) under torch.autocast to bfloat16 on
the device, with f32 weights and Adam state: the peer of `dqn bench learner --precision bf16`.
Acting is timed under the same autocast.

Usage: python torch_learner.py --threads 1 [--double] [--device cpu|cuda] [--autocast bf16] [--check DIR]
"""
import argparse
import contextlib
import json
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

GAMMA = 0.99
MAX_GRAD_NORM = 10.0
LR = 1e-4


class NatureBackbone(nn.Module):
    def __init__(self, in_channels):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, 32, 8, stride=4)
        self.conv2 = nn.Conv2d(32, 64, 4, stride=2)
        self.conv3 = nn.Conv2d(64, 64, 3, stride=1)

    def forward(self, x):
        return F.relu(self.conv3(F.relu(self.conv2(F.relu(self.conv1(x))))))


class Head(nn.Module):
    def __init__(self, features, hidden, n_actions):
        super().__init__()
        self.fc1 = nn.Linear(features, hidden)
        self.out = nn.Linear(hidden, n_actions)

    def forward(self, x):
        return self.out(F.relu(self.fc1(x)))


class QNet(nn.Module):
    """Same layers and names as nets::QNet with QNetConfig::nature()."""

    def __init__(self, in_channels=4, n_actions=4):
        super().__init__()
        self.backbone = NatureBackbone(in_channels)
        self.head = Head(64 * 7 * 7, 512, n_actions)

    def forward(self, obs_u8):
        x = obs_u8.float() / 255.0
        return self.head(self.backbone(x).flatten(1))


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def check(dirname, device):
    """Loads the Rust checkpoint and compares Q-values on the Rust input."""
    from safetensors.torch import load_file

    net = QNet().to(device)
    state = load_file(f"{dirname}/qnet.safetensors")
    net.load_state_dict(state, strict=True)
    probe = load_file(f"{dirname}/probe.safetensors")
    with torch.no_grad():
        q = net(probe["obs"].to(device)).cpu()
    diff = (q - probe["q"]).abs().max().item()
    print(json.dumps({"check": "qnet", "names": len(state), "max_abs_diff": diff}))
    assert diff < 1e-4, diff


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--updates", type=int, default=30)
    p.add_argument("--acts", type=int, default=300)
    p.add_argument("--double", action="store_true")
    p.add_argument("--device", default="cpu")
    p.add_argument("--autocast", choices=["none", "bf16"], default="none")
    p.add_argument("--check", default=None, help="folder written by the export_qnet example")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    if args.check:
        check(args.check, device)
        return

    online = QNet().to(device)
    target = QNet().to(device)
    target.load_state_dict(online.state_dict())
    opt = torch.optim.Adam(online.parameters(), lr=LR)
    n_params = sum(p.numel() for p in online.parameters())
    b = args.batch
    obs = torch.randint(0, 256, (b, 4, 84, 84), dtype=torch.uint8, device=device)
    next_obs = torch.randint(0, 256, (b, 4, 84, 84), dtype=torch.uint8, device=device)
    actions = torch.randint(0, 4, (b,), device=device)
    rewards = torch.randn(b, device=device)
    dones = torch.randint(0, 2, (b,), device=device).float()

    def region():
        if args.autocast == "bf16":
            return torch.autocast(device_type=device.type, dtype=torch.bfloat16)
        return contextlib.nullcontext()

    def update():
        with region():
            loss = losses()
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(online.parameters(), MAX_GRAD_NORM)
        opt.step()

    def losses():
        with torch.no_grad():
            q_next = target(next_obs)
            if args.double:
                best = online(next_obs).argmax(1, keepdim=True)
                q_next = q_next.gather(1, best).squeeze(1)
            else:
                q_next = q_next.max(1).values
            td_target = rewards + GAMMA * (1.0 - dones) * q_next
        q = online(obs).gather(1, actions.unsqueeze(1)).squeeze(1).float()
        return F.smooth_l1_loss(q, td_target.float())

    for _ in range(3):
        update()
    sync(device)
    t0 = time.perf_counter()
    for _ in range(args.updates):
        update()
    sync(device)
    updates_per_sec = args.updates / (time.perf_counter() - t0)

    one = torch.randint(0, 256, (1, 4, 84, 84), dtype=torch.uint8)

    def act():
        with torch.no_grad(), region():
            return online(one.to(device)).argmax(1).item()

    for _ in range(3):
        act()
    t0 = time.perf_counter()
    for _ in range(args.acts):
        act()
    act_per_sec = args.acts / (time.perf_counter() - t0)
    print(json.dumps({
        "peer": "torch_learner", "torch": torch.__version__, "device": str(device), "threads": args.threads,
        "batch": b, "double": args.double, "autocast": args.autocast, "parameters": n_params,
        "updates_per_sec": round(updates_per_sec, 2), "act_per_sec": round(act_per_sec, 1),
    }))


if __name__ == "__main__":
    main()
