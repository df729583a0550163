#!/usr/bin/python3
"""configs/fast.toml's recipe trained in PyTorch 1.13 (Debian's python3-torch), to compare with
`keel train configs/fast.toml` (bench/e2e/fast_vs_pytorch.sh runs both).
   fast_pytorch.py [CONFIG] [--threads N] [--seed S] [--target ACC] [--loader batched|dataloader]
The recipe is read from the same TOML file keel trains from, so both train the same thing: the
MLP (Linear, BatchNorm1d, activation, Dropout per hidden layer) or the CNN (model.arch = cnn:
keel's Conv2d-BatchNorm2d-ReLU-MaxPool2d blocks of model.channels, then Linear(., 128), ReLU,
Dropout, Linear(128, 10)), Kaiming-normal (fan_in) weights and zero biases, SGD with momentum
and weight decay, gradient-norm clipping, label smoothing, the cosine (per epoch) or one-cycle
(per step) schedule, the batch size, the epochs, the normalization (x / 255 - 0.286) / 0.353
and, with data.crop, keel's crop (padding 2, zeros after normalization), with data.augment
also the horizontal flip. Keys this script does not implement are refused.
Training images: all 60,000 (data.val_fraction must be 0, as in fast.toml: no validation split).
The test set is evaluated after every epoch; the clock stops during evaluation, so train_s is
the training time alone (data loading from the gzipped IDX files, done once, is not counted:
load_s) and eval_s is the evaluations' total. Prints one JSON line: the training time until the
first epoch whose test accuracy reaches --target (default 0.90), and every epoch's accuracy.
--loader batched (default): each epoch indexes the tensors with one random permutation, a batch
at a time (the fastest plain-PyTorch way); dataloader: torch.utils.data.DataLoader over a
TensorDataset with shuffle=True (the idiomatic way; slower, it collates sample by sample)."""
import gzip
import json
import math
import sys
import time
import tomllib

import torch
from torch import nn

import torch_common

MEAN, STD = 0.286, 0.353  # keel's data.normalize = "dataset" for Fashion-MNIST

args = sys.argv[1:]
config_path = args.pop(0) if args and not args[0].startswith("--") else "configs/fast.toml"
options = dict(zip(args[::2], args[1::2]))
threads = int(options.get("--threads", 1))
seed = int(options.get("--seed", 0))
target = float(options.get("--target", 0.90))
loader_kind = options.get("--loader", "batched")

with open(config_path, "rb") as f:
    cfg = tomllib.load(f)


def get(section, key, default):
    return cfg.get(section, {}).get(key, default)


def refuse_unless(ok, what):
    if not ok:
        sys.exit(f"fast_pytorch.py: error: {config_path}: {what} is not implemented here")


# The keel defaults (src/train/config.cpp) for the keys the config may leave out.
arch = get("model", "arch", "mlp")
hidden = get("model", "hidden", [512, 256])
activation = get("model", "activation", "relu")
norm = get("model", "norm", "batch")
dropout = get("model", "dropout", 0.2)
init = get("model", "init", "kaiming")
order = get("model", "order", "norm_dropout")
opt_name = get("optim", "name", "sgd")
lr = get("optim", "lr", 0.05)
momentum = get("optim", "momentum", 0.9)
nesterov = get("optim", "nesterov", False)
weight_decay = get("optim", "weight_decay", 5e-4)
schedule = get("optim", "schedule", "cosine")
epochs = get("train", "epochs", 15)
batch_size = get("train", "batch_size", 128)
clip = get("train", "clip_grad_norm", 5.0)
smoothing = get("train", "label_smoothing", 0.0)
augment = get("data", "augment", False)
crop = augment or get("data", "crop", False)
channels = get("model", "channels", [32, 64])
refuse_unless(arch in ("mlp", "cnn"), f"model.arch = {arch}")
refuse_unless(activation == "relu" and init == "kaiming", "an activation or init other than relu, kaiming")
refuse_unless(norm in ("batch", "none") and order == "norm_dropout", f"model.norm = {norm} / model.order = {order}")
refuse_unless(opt_name == "sgd", f"optim.name = {opt_name}")
refuse_unless(schedule in ("none", "cosine", "onecycle"), f"optim.schedule = {schedule}")
refuse_unless(get("data", "val_fraction", 0.1) == 0, "a validation split (data.val_fraction > 0)")
refuse_unless(get("data", "normalize", "dataset") == "dataset", "data.normalize other than dataset")
refuse_unless(get("data", "train_subset", 0) == 0 and get("data", "test_subset", 0) == 0, "a data subset")
refuse_unless(get("reg", "penalty", "none") == "none", "a reg.penalty")

torch_common.set_threads(threads)
torch.manual_seed(seed)


def build_cnn():
    """keel's model.arch = cnn (src/train/model_factory.cpp): per entry of model.channels a
    Conv2d(3x3, padding 1)-BatchNorm2d-activation-MaxPool2d(2) block, then Flatten,
    Linear(C*side*side, 128), activation, Dropout and Linear(128, 10)."""
    layers, in_ch, side = [nn.Unflatten(1, (1, 28, 28))], 1, 28
    for out_ch in channels:
        layers.append(nn.Conv2d(in_ch, out_ch, 3, 1, 1))
        if norm == "batch":
            layers.append(nn.BatchNorm2d(out_ch))
        layers += [nn.ReLU(), nn.MaxPool2d(2)]
        in_ch, side = out_ch, side // 2
    layers += [nn.Flatten(), nn.Linear(in_ch * side * side, 128), nn.ReLU()]
    if dropout > 0:
        layers.append(nn.Dropout(dropout))
    layers.append(nn.Linear(128, 10))
    return nn.Sequential(*layers)


def build():
    if arch == "cnn":
        model = build_cnn()
        for m in model.modules():
            if isinstance(m, (nn.Linear, nn.Conv2d)):
                nn.init.kaiming_normal_(m.weight, mode="fan_in", nonlinearity="relu")
                nn.init.zeros_(m.bias)
        return model
    layers, width = [], 784
    for h in hidden:
        layers.append(nn.Linear(width, h))
        if norm == "batch":
            layers.append(nn.BatchNorm1d(h))
        layers.append(nn.ReLU())
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
        width = h
    layers.append(nn.Linear(width, 10))
    model = nn.Sequential(*layers)
    for m in model.modules():
        if isinstance(m, nn.Linear):
            nn.init.kaiming_normal_(m.weight, mode="fan_in", nonlinearity="relu")
            nn.init.zeros_(m.bias)
    return model


def load(kind):
    d = "/usr/share/datasets/fashion-mnist/"
    with gzip.open(d + kind + "-images-idx3-ubyte.gz") as f:
        images = torch.frombuffer(bytearray(f.read()[16:]), dtype=torch.uint8).reshape(-1, 784)
    with gzip.open(d + kind + "-labels-idx1-ubyte.gz") as f:
        labels = torch.frombuffer(bytearray(f.read()[8:]), dtype=torch.uint8)
    return (images.float() / 255.0 - MEAN) / STD, labels.long()


def augment_batch(x):
    """keel's RandomCrop(28, padding 2) (data.crop), then with data.augment RandomHorizontalFlip(0.5),
    per image."""
    n = x.shape[0]
    padded = nn.functional.pad(x.view(n, 28, 28), (2, 2, 2, 2))
    oy, ox = torch.randint(0, 5, (n,)), torch.randint(0, 5, (n,))
    rows = (oy.view(n, 1) + torch.arange(28)).view(n, 28, 1)
    cols = (ox.view(n, 1) + torch.arange(28)).view(n, 1, 28)
    out = padded[torch.arange(n).view(n, 1, 1), rows, cols]
    if not augment:
        return out.reshape(n, 784)
    flip = torch.rand(n) < 0.5
    out[flip] = out[flip].flip(-1)
    return out.reshape(n, 784)


t_load = time.monotonic()
train_x, train_y = load("train")
test_x, test_y = load("t10k")
load_s = time.monotonic() - t_load

model = build()
opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum, nesterov=nesterov, weight_decay=weight_decay)
steps_per_epoch = math.ceil(len(train_x) / batch_size)
scheduler = None
if schedule == "cosine":
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(opt, epochs)
elif schedule == "onecycle":
    scheduler = torch.optim.lr_scheduler.OneCycleLR(opt, lr, total_steps=epochs * steps_per_epoch,
                                                    cycle_momentum=momentum > 0)
criterion = nn.CrossEntropyLoss(label_smoothing=smoothing)
if loader_kind == "dataloader":
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(train_x, train_y), batch_size=batch_size,
                                         shuffle=True)
else:
    refuse_unless(loader_kind == "batched", f"--loader {loader_kind}")


def batches():
    if loader_kind == "dataloader":
        yield from loader
        return
    perm = torch.randperm(len(train_x))
    for i in range(0, len(perm), batch_size):
        idx = perm[i:i + batch_size]
        yield train_x[idx], train_y[idx]


def test_accuracy():
    model.eval()
    with torch.no_grad():
        correct = sum(int((model(test_x[i:i + 1000]).argmax(1) == test_y[i:i + 1000]).sum())
                      for i in range(0, len(test_x), 1000))
    model.train()
    return correct / len(test_x)


train_s = eval_s = 0.0
accs, reached = [], None
model.train()
for epoch in range(epochs):
    t0 = time.monotonic()
    for x, y in batches():
        if crop:
            x = augment_batch(x)
        opt.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        if clip > 0:
            nn.utils.clip_grad_norm_(model.parameters(), clip)
        opt.step()
        if schedule == "onecycle":
            scheduler.step()
    if schedule == "cosine":
        scheduler.step()
    train_s += time.monotonic() - t0
    t1 = time.monotonic()
    accs.append(test_accuracy())
    eval_s += time.monotonic() - t1
    if reached is None and accs[-1] >= target:
        reached = {"epoch": epoch + 1, "train_s": round(train_s, 3), "test_acc": accs[-1]}
with open("/proc/self/maps") as f:
    blas = "openblas" if "openblas" in f.read() else "not openblas (reference BLAS?)"
print(json.dumps({"system": "pytorch", "config": config_path, "threads": threads, "seed": seed,
                  "blas": blas, "loader": loader_kind, "target": target, "reached": reached,
                  "train_s_to_target": reached["train_s"] if reached else None,
                  "train_s_all": round(train_s, 3), "eval_s": round(eval_s, 3), "load_s": round(load_s, 3),
                  "epoch_test_acc": accs}))
