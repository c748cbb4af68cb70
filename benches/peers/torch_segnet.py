"""PyTorch peer of `nets::bench::segnet_inference`: SegNet inference speed.

Same architecture and variable names as the Rust `nets::SegNet` (Badrinarayanan et al., 2017):
VGG encoder stages of k x (3x3 conv without bias, BatchNorm, ReLU) + 2x2 max-pool with indices;
mirrored decoder stages of max-unpool (to the recorded pre-pool size) + k x (conv, BN, ReLU), the
last conv of each decoder stage mapping to the previous stage's channels; 1x1 classifier.
Presets: basic (4 stages x 1 conv, 64 channels) and vgg16 (13 convs, 64-128-256-512-512).

Measures batch-1 images/s at 360x480 in eval mode without gradients, and prints one JSON line with
the parameter count. `--check DIR` loads a checkpoint written by the Rust example
`cargo run -p nets --example export_segnet -- DIR` and compares the logits.

--autocast bf16 runs the forward under torch.autocast to bfloat16 (the peer of
`dqn bench segnet --precision bf16`).

Usage: python torch_segnet.py --threads 1 [--preset basic|vgg16] [--iters 10] [--device cpu] [--autocast bf16]
"""
import argparse
import contextlib
import json
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

PRESETS = {
    "basic": [(64, 1), (64, 1), (64, 1), (64, 1)],
    "vgg16": [(64, 2), (128, 2), (256, 3), (512, 3), (512, 3)],
}


class Stage(nn.Module):
    """conv{i} / bn{i} pairs, named like the Rust variables."""

    def __init__(self, channels_in_out):
        super().__init__()
        self.n = len(channels_in_out)
        for i, (c_in, c_out) in enumerate(channels_in_out, start=1):
            setattr(self, f"conv{i}", nn.Conv2d(c_in, c_out, 3, padding=1, bias=False))
            setattr(self, f"bn{i}", nn.BatchNorm2d(c_out))

    def forward(self, x):
        for i in range(1, self.n + 1):
            x = F.relu(getattr(self, f"bn{i}")(getattr(self, f"conv{i}")(x)))
        return x


class Encoder(nn.Module):
    def __init__(self, stages, in_channels):
        super().__init__()
        self.n = len(stages)
        c_in = in_channels
        for s, (c, convs) in enumerate(stages, start=1):
            setattr(self, f"stage{s}", Stage([(c_in if i == 0 else c, c) for i in range(convs)]))
            c_in = c

    def forward(self, x):
        pools = []
        for s in range(1, self.n + 1):
            x = getattr(self, f"stage{s}")(x)
            size = x.shape[-2:]
            x, idx = F.max_pool2d(x, 2, 2, return_indices=True)
            pools.append((idx, size))
        return x, pools


class Decoder(nn.Module):
    def __init__(self, stages, num_classes):
        super().__init__()
        self.n = len(stages)
        for s, (c, convs) in enumerate(stages, start=1):
            c_last = c if s == 1 else stages[s - 2][0]
            setattr(self, f"stage{s}", Stage([(c, c_last if i == convs - 1 else c) for i in range(convs)]))
        self.classifier = nn.Conv2d(stages[0][0], num_classes, 1)

    def forward(self, x, pools):
        for s in range(self.n, 0, -1):
            idx, size = pools[s - 1]
            x = F.max_unpool2d(x, idx, 2, 2, output_size=size)
            x = getattr(self, f"stage{s}")(x)
        return self.classifier(x)


class SegNet(nn.Module):
    def __init__(self, preset="basic", num_classes=11, in_channels=3):
        super().__init__()
        self.backbone = Encoder(PRESETS[preset], in_channels)
        self.decoder = Decoder(PRESETS[preset], num_classes)

    def forward(self, x):
        y, pools = self.backbone(x)
        return self.decoder(y, pools)


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def check(dirname, preset, device):
    from safetensors.torch import load_file

    net = SegNet(preset).to(device).eval()
    state = load_file(f"{dirname}/segnet.safetensors")
    # PyTorch's BatchNorm also has `num_batches_tracked`, which only matters when momentum=None.
    missing, unexpected = net.load_state_dict(state, strict=False)
    assert not unexpected and all(m.endswith("num_batches_tracked") for m in missing), (missing, unexpected)
    probe = load_file(f"{dirname}/probe.safetensors")
    with torch.no_grad():
        logits = net(probe["x"].to(device)).cpu()
    diff = (logits - probe["logits"]).abs().max().item()
    print(json.dumps({"check": "segnet", "preset": preset, "names": len(state), "max_abs_diff": diff}))
    assert diff < 1e-3, diff


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--preset", default="basic", choices=sorted(PRESETS))
    p.add_argument("--height", type=int, default=360)
    p.add_argument("--width", type=int, default=480)
    p.add_argument("--iters", type=int, default=10)
    p.add_argument("--device", default="cpu")
    p.add_argument("--check", default=None, help="folder written by the export_segnet example")
    p.add_argument("--autocast", choices=["none", "bf16"], default="none")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    if args.check:
        check(args.check, args.preset, device)
        return
    net = SegNet(args.preset).to(device).eval()
    n_params = sum(p.numel() for p in net.parameters())
    x = torch.randn(1, 3, args.height, args.width, device=device)
    region = (torch.autocast(device_type=device.type, dtype=torch.bfloat16) if args.autocast == "bf16"
              else contextlib.nullcontext())
    with torch.no_grad(), region:
        for _ in range(3):
            net(x)
        sync(device)
        t0 = time.perf_counter()
        for _ in range(args.iters):
            net(x)
        sync(device)
        images_per_sec = args.iters / (time.perf_counter() - t0)
    print(json.dumps({
        "peer": "torch_segnet", "torch": torch.__version__, "device": str(device), "threads": args.threads,
        "preset": args.preset, "height": args.height, "width": args.width, "parameters": n_params,
        "autocast": args.autocast, "images_per_sec": round(images_per_sec, 3),
    }))


if __name__ == "__main__":
    main()
