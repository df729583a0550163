#!/usr/bin/python3
"""fashion_epoch and start-up for PyTorch (Debian's python3-torch): the same model, data,
batches and optimizer as bench/e2e/keel_epoch.cpp. Prints one JSON line.
   pytorch_epoch.py THREADS [--steps N] [--seed S]
--steps: time from process start to the end of the first step, and peak RSS after N steps.
--seed: seeds initialization, dropout and shuffling (default 0)."""
import gzip
import json
import sys
import time

import numpy as np
import torch

import torch_common

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 1
options = dict(zip(sys.argv[2::2], sys.argv[3::2]))
steps = int(options.get("--steps", 0))
seed = int(options.get("--seed", 0))
torch_common.set_threads(threads)
torch.manual_seed(seed)
model = torch_common.mlp(784, 512, 256)
step = torch_common.make_step(model)

if steps:
    x, y = torch.randn(128, 784), torch.randint(0, 10, (128,))
    step(x, y)
    first = torch_common.ms_since_process_start()
    for _ in range(steps - 1):
        step(x, y)
    print(json.dumps({"system": "pytorch", "threads": threads, "first_step_ms": round(first, 1),
                      "peak_rss_mb": round(torch_common.peak_rss_mb(), 1)}))
    sys.exit(0)


def load(kind):
    d = "/usr/share/datasets/fashion-mnist/"
    with gzip.open(d + kind + "-images-idx3-ubyte.gz") as f:
        images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 784)
    with gzip.open(d + kind + "-labels-idx1-ubyte.gz") as f:
        labels = np.frombuffer(f.read(), np.uint8, offset=8)
    return torch.from_numpy(images.astype(np.float32) / 255.0), torch.from_numpy(labels.astype(np.int64))


t0 = time.monotonic()
train_x, train_y = load("train")
test_x, test_y = load("t10k")
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(train_x, train_y), batch_size=128, shuffle=True)
model.train()
for x, y in loader:
    step(x, y)
model.eval()
with torch.no_grad():
    correct = sum(int((model(test_x[i:i + 1000]).argmax(1) == test_y[i:i + 1000]).sum())
                  for i in range(0, len(test_x), 1000))
print(json.dumps({"system": "pytorch", "threads": threads, "seed": seed,
                  "epoch_s": round(time.monotonic() - t0, 3), "test_acc": correct / len(test_x),
                  "peak_rss_mb": round(torch_common.peak_rss_mb(), 1)}))
