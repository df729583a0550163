"""Reference values from the real Fashion-MNIST files (Debian's dataset-fashion-mnist), read
with Python's gzip module, for tests/io/fashion_mnist_test.cpp. Pixels as float32 are computed
the way torchvision's ToTensor does (uint8 -> float, divided by 255) with torch.

Skips (keeping the committed JSON) when the data set is not installed."""
import gzip
import json
import os
import struct
import sys

import torch

DIR = "/usr/share/datasets/fashion-mnist"
HERE = os.path.dirname(os.path.abspath(__file__))


def read_idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    zero, dtype, ndim = struct.unpack(">HBB", raw[:4])
    assert zero == 0 and dtype == 0x08, path
    dims = struct.unpack(">" + "I" * ndim, raw[4:4 + 4 * ndim])
    return dims, raw[4 + 4 * ndim:]


def split(prefix):
    idims, images = read_idx(os.path.join(DIR, prefix + "-images-idx3-ubyte.gz"))
    ldims, labels = read_idx(os.path.join(DIR, prefix + "-labels-idx1-ubyte.gz"))
    pixels = idims[1] * idims[2]
    first = torch.tensor(list(images[:pixels]), dtype=torch.uint8).float().div(255)
    nonzero = [i for i in range(pixels) if images[i] != 0][:16]
    last = images[(idims[0] - 1) * pixels:]
    return {
        "count": idims[0],
        "rows": idims[1],
        "cols": idims[2],
        "label_count": ldims[0],
        "labels_head": list(labels[:32]),
        "labels_tail": list(labels[-8:]),
        "label_histogram": [labels.count(bytes([c])) for c in range(10)],
        "image0_byte_sum": sum(images[:pixels]),
        "last_image_byte_sum": sum(last),
        "image0_nonzero_index": nonzero,
        "image0_nonzero_value": [float(first[i]) for i in nonzero],
    }


if not os.path.isdir(DIR):
    print("gen_fashion_mnist_head.py: %s not installed; keeping the committed JSON" % DIR, file=sys.stderr)
else:
    out = {"train": split("train"), "test": split("t10k")}
    with open(os.path.join(HERE, "fashion_mnist_head.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
