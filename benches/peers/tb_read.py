"""Reads a TensorBoard run folder with the official `tensorboard` package and prints what it
found as JSON, so Rust tests (and people) can check that our event files are read as intended.

Usage: python benches/peers/tb_read.py RUN_DIR

Output: {"scalars": {tag: [[step, wall_time, value], ...]},
         "texts":   {tag: [[step, text], ...]},
         "images":  {tag: [{"step", "width", "height", "mode", "pixels": [bytes...]}, ...]}}
Pixels come from decoding the stored PNG with Pillow (a tensorboard dependency).
"""

import io
import json
import sys

from PIL import Image
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.util import tensor_util


def main(run_dir: str) -> None:
    acc = EventAccumulator(run_dir, size_guidance={"scalars": 0, "images": 0, "tensors": 0})
    acc.Reload()
    tags = acc.Tags()
    out = {"scalars": {}, "texts": {}, "images": {}}
    for tag in tags["scalars"]:
        out["scalars"][tag] = [[e.step, e.wall_time, e.value] for e in acc.Scalars(tag)]
    for tag in tags["tensors"]:
        plugin = acc.SummaryMetadata(tag).plugin_data.plugin_name
        if plugin != "text":
            continue
        texts = []
        for e in acc.Tensors(tag):
            value = tensor_util.make_ndarray(e.tensor_proto)
            texts.append([e.step, value.item().decode("utf-8")])
        out["texts"][tag] = texts
    for tag in tags["images"]:
        images = []
        for e in acc.Images(tag):
            img = Image.open(io.BytesIO(e.encoded_image_string))
            images.append(
                {
                    "step": e.step,
                    "width": e.width,
                    "height": e.height,
                    "mode": img.mode,
                    "pixels": list(img.tobytes()),
                }
            )
        out["images"][tag] = images
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
