#!/usr/bin/python3
"""tiny_mlp_step, mlp_step and cnn_step for PyTorch (Debian's python3-torch): the models,
batches and step of bench/common/step_specs.h, timed like the side-by-side harness: warm-up,
then the median over rounds of ~0.3 s each. One JSON line per workload.
   pytorch_steps.py THREADS [--rounds R]   (default 11 rounds)"""
import json
import statistics
import sys
import time

import torch

import torch_common


def seconds_per_step(step, x, y, calls):
    t0 = time.perf_counter()
    for _ in range(calls):
        step(x, y)
    return (time.perf_counter() - t0) / calls


def main():
    threads = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 and sys.argv[2] == "--rounds" else 11
    torch_common.set_threads(threads)
    torch.manual_seed(0)
    for key, (name, _, shape) in torch_common.STEP_SPECS.items():
        x, y = torch.randn(*shape), torch.randint(0, 10, (shape[0],))
        step = torch_common.make_step(torch_common.model_for(key))
        warm = seconds_per_step(step, x, y, 3)  # first steps allocate momentum buffers
        calls = max(1, round(0.3 / seconds_per_step(step, x, y, max(1, round(0.1 / warm)))))
        median = statistics.median(seconds_per_step(step, x, y, calls) for _ in range(rounds))
        print(json.dumps({"system": "pytorch", "threads": threads, "workload": name, "step_s": median,
                          "samples_per_s": round(shape[0] / median, 1)}), flush=True)


if __name__ == "__main__":
    main()
