"""PyTorch's side of the step workloads, as bench/common/step_specs.h, keel_models.h and
torch_models.h define them for keel and LibTorch: the same models, step, thread settings and
process measurements, shared by pytorch_epoch.py and pytorch_steps.py."""
import ctypes
import os
import resource
import time

import torch
from torch import nn

# key -> (table label, model builder arguments, input shape); the same as step_specs.h.
STEP_SPECS = {
    "tiny_mlp_step": ("tiny_mlp_step 32-64-64-10, batch 32", (32, 64, 64), (32, 32)),
    "mlp_step": ("mlp_step 784-512-256-10, batch 128", (784, 512, 256), (128, 784)),
    "cnn_step": ("cnn_step, batch 64", None, (64, 1, 28, 28)),
}


def mlp(inp, h1, h2):
    return nn.Sequential(nn.Linear(inp, h1), nn.BatchNorm1d(h1), nn.ReLU(), nn.Dropout(0.2),
                         nn.Linear(h1, h2), nn.BatchNorm1d(h2), nn.ReLU(), nn.Dropout(0.2), nn.Linear(h2, 10))


def cnn():
    return nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(3136, 128), nn.ReLU(), nn.Dropout(0.5), nn.Linear(128, 10))


def model_for(key):
    widths = STEP_SPECS[key][1]
    return mlp(*widths) if widths else cnn()


def make_step(model):
    """One full training step on a batch: zero_grad, forward, CrossEntropyLoss, backward,
    clip_grad_norm_(1.0), SGD(lr 0.01, momentum 0.9, weight decay 5e-4)."""
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
    criterion = nn.CrossEntropyLoss()

    def step(x, y):
        opt.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()

    return step


def set_threads(n):
    """torch.set_num_threads does not reach Debian's OpenBLAS (a pthreads build with its own
    pool, loaded by torch), so give it the same count, as the LibTorch programs do."""
    torch.set_num_threads(n)
    try:
        ctypes.CDLL("libopenblas.so.0").openblas_set_num_threads(n)
    except (OSError, AttributeError):
        pass


def ms_since_process_start():
    """Milliseconds since this process was exec'd, as bench/common/process.cpp measures keel and
    LibTorch: interpreter start and imports count. Under bench/e2e/launch.py, from the clock it
    read just before the exec; otherwise from the kernel's start time (/proc/self/stat, field
    22), whose resolution is one clock tick (10 ms; at most one tick high)."""
    launch = os.environ.get("KEEL_BENCH_LAUNCH_NS")
    if launch:
        return (time.time_ns() - int(launch)) / 1e6
    with open("/proc/self/stat") as f:
        fields = f.read().rpartition(")")[2].split()
    start_s = int(fields[19]) / os.sysconf("SC_CLK_TCK")  # field 22 is the 20th after the name
    return (time.clock_gettime(time.CLOCK_BOOTTIME) - start_s) * 1e3


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
