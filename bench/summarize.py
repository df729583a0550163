#!/usr/bin/python3
"""Reads the JSON lines of bench/run_all.sh on stdin (keel_steps, libtorch_steps, pytorch_steps.py,
keel_epoch, pytorch_epoch.py, libtorch_steps) and prints its two markdown tables: throughput in
samples/s with keel's ratio to LibTorch and PyTorch, and start-up / peak RSS."""
import json
import statistics
import sys

TRAIN_IMAGES = 60000  # one Fashion-MNIST epoch
SYSTEMS = ("keel", "libtorch", "pytorch")


def key_of(workload):
    """tiny_mlp_step, mlp_step or cnn_step: the first word of a step workload's label."""
    return workload.split()[0].rstrip(",")


def fmt(v, digits=0):
    return "-" if v is None else f"{v:,.{digits}f}"


def ratio(a, b):
    return "-" if a is None or b is None else f"{a / b:.2f}x"


def median_or_none(values):
    return statistics.median(values) if values else None


def main():
    lines = [json.loads(line) for line in sys.stdin if line.startswith("{")]
    # steps[(key, threads)][system] = samples/s; labels[key] = the table label
    steps, labels = {}, {}
    epochs, starts, rss = {}, {}, {}  # [(system, threads)] -> list of JSON lines / values
    for d in lines:
        t = d["threads"]
        if "workload" in d:
            k = key_of(d["workload"])
            labels.setdefault(k, d["workload"])
            row = steps.setdefault((k, t), {})
            if d["system"] == "keel_vs_libtorch":
                row.setdefault("keel", []).append(d["keel_samples_per_s"])
                row.setdefault("libtorch", []).append(d["libtorch_samples_per_s"])
            else:
                row.setdefault(d["system"], []).append(d["samples_per_s"])
        elif "epoch_s" in d:
            epochs.setdefault((d["system"], t), []).append(d)
        elif "first_step_ms" in d:
            starts.setdefault((d["system"], t), []).append(d["first_step_ms"])
            rss.setdefault((d["system"], t), []).append(d["peak_rss_mb"])

    print("| workload | threads | keel | LibTorch | PyTorch | keel/LibTorch | keel/PyTorch |")
    print("|---|---|---|---|---|---|---|")
    for k in ("tiny_mlp_step", "mlp_step", "cnn_step"):
        for t in (1, 2):
            row = steps.get((k, t))
            if row is None:
                continue
            kv, lv, pv = (median_or_none(row.get(s, [])) for s in SYSTEMS)
            print(f"| {labels[k]} | {t} | {fmt(kv)} | {fmt(lv)} | {fmt(pv)} | "
                  f"{ratio(kv, lv)} | {ratio(kv, pv)} |")
    seeds = set()
    for t in (1, 2):
        cells, rates = [], {}
        for s in SYSTEMS:
            runs = epochs.get((s, t), [])
            if not runs:
                cells.append("-")
                continue
            seeds.update(r.get("seed", 0) for r in runs)
            rates[s] = TRAIN_IMAGES / statistics.median(r["epoch_s"] for r in runs)
            acc = statistics.mean(r["test_acc"] for r in runs)
            cells.append(f"{fmt(rates[s])} ({100 * acc:.2f}%)")
        if rates:
            print(f"| fashion_epoch (test accuracy) | {t} | {' | '.join(cells)} | "
                  f"{ratio(rates.get('keel'), rates.get('libtorch'))} | "
                  f"{ratio(rates.get('keel'), rates.get('pytorch'))} |")
    print()
    print("Samples/s: batch size over the median step time (median over repeated processes); fashion_epoch: 60,000 over the median epoch "
          f"time (data loading and test pass included) and the mean test accuracy, seeds "
          f"{', '.join(map(str, sorted(seeds))) or '-'}. Ratios above 1: keel is faster.")
    print()
    print("| threads | measure | keel | LibTorch | PyTorch | keel/LibTorch | keel/PyTorch |")
    print("|---|---|---|---|---|---|---|")
    for t in (1, 2):
        for name, table, digits in (("start-up to first step (ms)", starts, 1),
                                    ("peak RSS, 100 mlp_steps (MiB)", rss, 1)):
            kv, lv, pv = (median_or_none(table.get((s, t), [])) for s in SYSTEMS)
            if kv is None and lv is None and pv is None:
                continue
            print(f"| {t} | {name} | {fmt(kv, digits)} | {fmt(lv, digits)} | {fmt(pv, digits)} | "
                  f"{ratio(kv, lv)} | {ratio(kv, pv)} |")
    runs = max((len(v) for v in starts.values()), default=0)
    print()
    print(f"Medians of {runs} process(es) each; start-up from the exec (bench/e2e/launch.py) to the end of "
          "the first training step. Ratios below 1: keel starts faster or uses less memory.")


if __name__ == "__main__":
    main()
