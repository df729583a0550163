#!/usr/bin/env python3
"""docs/interop.md, run as written: keel <-> PyTorch checkpoints with nothing but torch.

Usage: interop_doc_test.py PATH/TO/keel PATH/TO/docs/interop.md

Runs every ```python block of the page in order, in one namespace, in a scratch directory, with
the keel commands the page describes in between, on a tiny CSV data set of 784 features:
(a) keel trains runs/mlp (with data.normalize = [0.5, 0.5]); the page's PyTorch lines load
    its checkpoint and must predict what `keel eval runs/mlp` predicts on the test set.
(b) the page's PyTorch lines save a flat-input MLP (no Flatten); `keel eval` with the page's
    config must give PyTorch's predictions (confusion matrix), accuracy and loss; the same
    model with a leading Flatten must load too.
(c) a config that does not match is refused with the page's side-by-side message.
Exits 77 (CTest's skip code) when torch cannot be imported.
"""
import os
import re
import subprocess
import sys
import tempfile

SKIP = 77
try:
    import torch
    from torch import nn
except ImportError as e:
    print(f"skipped: cannot import torch ({e})")
    sys.exit(SKIP)

FEATURES, CLASSES, TRAIN_ROWS, TEST_ROWS = 784, 10, 96, 60
DATA = ["--set", "data.dataset=csv", "data.csv_train=train.csv", "data.csv_test=test.csv", "train.threads=2"]


def blocks(markdown, lang):
    return re.findall(r"^```" + lang + r"\n(.*?)^```$", markdown, flags=re.S | re.M)


def write_csv(path, x, y):
    with open(path, "w") as f:
        f.write(",".join(f"f{i}" for i in range(FEATURES)) + ",label\n")
        for row, label in zip(x.tolist(), y.tolist()):
            f.write(",".join(repr(v) for v in row) + f",{label}\n")


def keel(cli, *args, ok=True):
    r = subprocess.run([cli, *args], capture_output=True, text=True)
    if ok and r.returncode != 0:
        raise AssertionError(f"keel {' '.join(args)} failed ({r.returncode}):\n{r.stdout}\n{r.stderr}")
    return r


def keel_eval(cli, *args):
    """(accuracy %, loss, confusion rows) from `keel eval`'s report."""
    out = keel(cli, "eval", *args).stdout
    m = re.search(r"test accuracy: ([\d.]+)% \((\d+) images, loss ([\d.]+)\)", out)
    assert m, out
    lines = out[out.index("confusion matrix"):].splitlines()[2:2 + CLASSES]
    confusion = [[int(v) for v in line.split()[-CLASSES:]] for line in lines]
    return float(m.group(1)), float(m.group(3)), confusion


def torch_report(model, x, y):
    with torch.no_grad():
        logits = model(x)
    predicted = logits.argmax(1)
    confusion = [[0] * CLASSES for _ in range(CLASSES)]
    for t, p in zip(y.tolist(), predicted.tolist()):
        confusion[t][p] += 1
    accuracy = 100.0 * (predicted == y).double().mean().item()
    loss = torch.nn.functional.cross_entropy(logits.double(), y).item()
    return accuracy, loss, confusion, predicted


def check(name, keel_report, torch_acc, torch_loss, torch_confusion):
    acc, loss, confusion = keel_report
    ok = abs(acc - torch_acc) < 0.006 and abs(loss - torch_loss) < 1.5e-4 and confusion == torch_confusion
    print(f"{name}: keel {acc:.2f}% loss {loss:.4f}, torch {torch_acc:.2f}% loss {torch_loss:.4f}, "
          f"same confusion matrix: {confusion == torch_confusion} -> {'ok' if ok else 'FAILED'}")
    return ok


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    cli, doc = os.path.abspath(sys.argv[1]), sys.argv[2]
    with open(doc) as f:
        markdown = f.read()
    python, toml, shell, text = (blocks(markdown, lang) for lang in ("python", "toml", "sh", "text"))
    assert len(python) == 3 and len(toml) == 1 and len(shell) == 1 and len(text) == 1, "page layout changed"
    torch.set_num_threads(1)
    torch.manual_seed(1)
    # Pixel-like values k / 256: exact in float32 and in the CSV text.
    x_train = torch.randint(0, 256, (TRAIN_ROWS, FEATURES)).float() / 256
    x = torch.randint(0, 256, (TEST_ROWS, FEATURES)).float() / 256
    y_train, y = torch.arange(TRAIN_ROWS) % CLASSES, torch.arange(TEST_ROWS) % CLASSES
    results = []
    with tempfile.TemporaryDirectory(prefix="keel_interop_doc_") as tmp:
        os.chdir(tmp)
        write_csv("train.csv", x_train, y_train)
        write_csv("test.csv", x, y)
        page = {}
        exec(python[0], page)

        # (a) keel -> PyTorch
        keel(cli, "train", *DATA, "run.name=mlp", "data.normalize=[0.5, 0.5]", "train.epochs=4",
             "train.batch_size=16", "data.val_fraction=0.1")
        page["x"] = x
        exec(python[1], page)
        def as_in_keel(t):
            return page["model"](page["keel_inputs"](t, page["normalize"]))

        acc, loss, confusion, predicted = torch_report(as_in_keel, x, y)
        print(f"(a) classes torch predicts: {sorted(set(predicted.tolist()))}")
        results.append(page["normalize"] == [0.5, 0.5])
        results.append(torch.equal(page["predictions"], predicted))
        keel_report = keel_eval(cli, "runs/mlp", "--set", "train.threads=2")
        results.append(check("(a) torch on keel's checkpoint", keel_report, acc, loss, confusion))
        # The comparison can fail: the same weights on inputs normalized otherwise disagree.
        _, wrong_loss, wrong_confusion, _ = torch_report(page["model"], x, y)
        print(f"(a) the same weights on unnormalized inputs: loss {wrong_loss:.4f}, same confusion matrix: "
              f"{wrong_confusion == keel_report[2]} (one must differ)")
        results.append(abs(wrong_loss - keel_report[1]) > 3e-4 or wrong_confusion != keel_report[2])
        # The same model saved by PyTorch, with its leading Flatten, evaluates in keel too.
        page["save_safetensors"](page["model"].state_dict(), "with_flatten.safetensors")
        results.append(check("(b) keel on torch's Sequential with Flatten",
                             keel_eval(cli, "with_flatten.safetensors", "--config", "runs/mlp/config.toml",
                                       "--set", "train.threads=2"), acc, loss, confusion))

        # (b) PyTorch -> keel
        exec(python[2], page)
        with open("torch_mlp.toml", "w") as f:
            f.write(toml[0])
        command = shell[0].split()
        assert command[:2] == ["keel", "eval"], shell[0]
        acc, loss, confusion, _ = torch_report(page["model"], x, y)
        results.append(check("(b) keel on torch's flat-input MLP",
                             keel_eval(cli, *command[2:], *DATA), acc, loss, confusion))

        # (c) a config that does not match: the page's message
        with open("torch_mlp.toml", "w") as f:
            f.write(toml[0].replace("hidden = [256]", "hidden = [512]"))
        r = keel(cli, *command[1:], *DATA, ok=False)
        shown = [line for line in text[0].splitlines() if line.strip() != "..."]
        missing = [line for line in shown if line not in r.stderr.splitlines()]
        print(f"(c) mismatch: exit {r.returncode}, lines of the page not in keel's message: {missing}")
        results.append(r.returncode == 1 and not missing and r.stderr.count("keel: error:") == 1)
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
