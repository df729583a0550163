#!/usr/bin/python3
"""fashion_epoch and start-up for PyTorch (Debian's python3-torch): the same model, data,
batches and optimizer as bench/e2e/keel_epoch.cpp. Prints one JSON line.
   pytorch_epoch.py THREADS [--steps N]"""
import gzip
import json
import resource
import sys
import time

t_start = time.monotonic()
import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 1
steps = int(sys.argv[3]) if len(sys.argv) > 3 and sys.argv[2] == "--steps" else 0
torch.set_num_threads(threads)
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(784, 512), nn.BatchNorm1d(512), nn.ReLU(), nn.Dropout(0.2),
                      nn.Linear(512, 256), nn.BatchNorm1d(256), nn.ReLU(), nn.Dropout(0.2), nn.Linear(256, 10))
opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
criterion = nn.CrossEntropyLoss()


def step(x, y):
    opt.zero_grad()
    loss = criterion(model(x), y)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


if steps:
    x, y = torch.randn(128, 784), torch.randint(0, 10, (128,))
    step(x, y)
    first = (time.monotonic() - t_start) * 1e3
    for _ in range(steps - 1):
        step(x, y)
    print(json.dumps({"system": "pytorch", "threads": threads, "first_step_ms": round(first, 1),
                      "peak_rss_mb": round(peak_rss_mb(), 1)}))
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
print(json.dumps({"system": "pytorch", "threads": threads, "epoch_s": round(time.monotonic() - t0, 3),
                  "test_acc": correct / len(test_x), "peak_rss_mb": round(peak_rss_mb(), 1)}))
