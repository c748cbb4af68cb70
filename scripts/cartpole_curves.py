"""Per-5k-step curves of cartpole DQN runs, read from their TensorBoard event files.

For each run folder: the 20-episode greedy eval (eval/mean_return), the mean logged Q(s, a)
(losses/q_values) and TD loss (losses/td_loss) over each window, the episodes that ended in the
window, and the share of the replay buffer's transitions that are failures (terminal, pole down
or cart out) at the window's end. The buffer share is computed from charts/episodic_length: an
episode shorter than 500 steps ended with one terminal transition; one of 500 was truncated.

Usage: .venv/bin/python scripts/cartpole_curves.py [--window 5000] [--buffer N] RUN_DIR...
"""

import argparse
import glob
import os
import sys

from tensorboard.backend.event_processing.event_accumulator import EventAccumulator


def scalars(acc, tag):
    try:
        return [(e.step, e.value) for e in acc.Scalars(tag)]
    except KeyError:
        return []


def window_mean(points, lo, hi):
    vals = [v for s, v in points if lo < s <= hi]
    return (sum(vals) / len(vals), max(vals)) if vals else (float("nan"), float("nan"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--window", type=int, default=5000)
    ap.add_argument("--buffer", type=int, default=None, help="replay size (default: the run's config)")
    ap.add_argument("runs", nargs="+")
    args = ap.parse_args()
    for run in args.runs:
        if not glob.glob(os.path.join(run, "events.out.tfevents.*")):
            print(f"{run}: no TensorBoard event file", file=sys.stderr)
            sys.exit(1)
        acc = EventAccumulator(run, size_guidance={"scalars": 0})
        acc.Reload()
        buffer = args.buffer
        if buffer is None:
            buffer = 50_000
            cfg = os.path.join(run, "config.toml")
            if os.path.exists(cfg):
                for line in open(cfg):
                    if line.strip().startswith("buffer_size"):
                        buffer = int(line.split("=")[1].strip().replace("_", ""))
        evals = dict(scalars(acc, "eval/mean_return"))
        q = scalars(acc, "losses/q_values")
        loss = scalars(acc, "losses/td_loss")
        lengths = scalars(acc, "charts/episodic_length")
        last = max([s for s, _ in lengths] + [0])
        print(f"== {run} (buffer {buffer})")
        print(f"{'step':>7} {'eval20':>7} {'Q mean':>7} {'Q max':>7} {'loss':>7} {'eps':>4} {'fails':>5} {'fail% buf':>9}")
        hi = args.window
        while hi <= last + args.window - 1:
            lo = hi - args.window
            qm, qx = window_mean(q, lo, hi)
            lm, _ = window_mean(loss, lo, hi)
            eps = [v for s, v in lengths if lo < s <= hi]
            fails = sum(1 for v in eps if v < 500)
            in_buf = [v for s, v in lengths if hi - buffer < s <= hi]
            # The buffer holds min(hi, buffer) transitions; each failed episode left one terminal.
            fail_share = 100.0 * sum(1 for v in in_buf if v < 500) / max(1, min(hi, buffer))
            ev = evals.get(hi, float("nan"))
            print(f"{hi:>7} {ev:>7.1f} {qm:>7.2f} {qx:>7.2f} {lm:>7.3f} {len(eps):>4} {fails:>5} {fail_share:>8.2f}%")
            hi += args.window


if __name__ == "__main__":
    main()
