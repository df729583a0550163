"""Golden values for arange, linspace and eye (keel/tensor/factories.h): exact, bit for bit."""
import json
import os
import random

import torch

from golden_util import HERE, encode

random.seed(0)
cases = []
dts = {"float32": torch.float32, "float64": torch.float64, "int64": torch.int64}


def add(op, args, out):
    cases.append({"op": op, "args": args, "output": encode(out)})


for a, b, n in [(0, 1, 7), (-1, 1, 50), (-3.3, 7.1, 100), (1e-3, 5.7, 1001), (2.5, -7.25, 77), (0, 10, 1000),
                (-5, 3, 12345), (0, 1, 1), (3, 5, 0), (1, 1, 5)]:
    for dt in ("float32", "float64"):
        add("linspace", {"start": a, "end": b, "steps": n, "dtype": dt}, torch.linspace(a, b, n, dtype=dts[dt]))
for k in range(6):
    a, b, n = random.uniform(-100, 100), random.uniform(-100, 100), random.randint(2, 3000)
    for dt in ("float32", "float64"):
        add("linspace", {"start": a, "end": b, "steps": n, "dtype": dt}, torch.linspace(a, b, n, dtype=dts[dt]))
for a, b, n in [(0, 10, 7), (-1000, 999, 333), (5, -5, 40)]:
    add("linspace", {"start": a, "end": b, "steps": n, "dtype": "int64"}, torch.linspace(a, b, n, dtype=torch.int64))

for a, b, s in [(0, 1, 0.1), (-2.5, 7.3, 0.37), (10, -3, -0.7), (0, 5000, 1.3), (1, 2, 0.001)]:
    for dt in ("float32", "float64"):
        add("arange", {"start": a, "end": b, "step": s, "dtype": dt}, torch.arange(a, b, s, dtype=dts[dt]))
for a, b, s in [(0, 10, 3), (-7, 20, 4), (20, -7, -3), (0, 0, 1)]:
    add("arange", {"start": a, "end": b, "step": s}, torch.arange(a, b, s))
add("arange", {"start": 0, "end": 2.5, "step": 0.5}, torch.arange(0, 2.5, 0.5))
add("arange_end", {"end": 6}, torch.arange(6))
add("arange_end", {"end": 4.5}, torch.arange(4.5))
add("eye", {"n": 3, "m": -1, "dtype": "float32"}, torch.eye(3))
add("eye", {"n": 2, "m": 4, "dtype": "int64"}, torch.eye(2, 4, dtype=torch.int64))
add("eye", {"n": 4, "m": 2, "dtype": "float64"}, torch.eye(4, 2, dtype=torch.float64))

path = os.path.join(HERE, "ranges.json")
with open(path, "w") as f:
    json.dump({"generator": "tests/golden/gen_ranges.py", "torch": torch.__version__, "cases": cases}, f,
              separators=(",", ":"))
    f.write("\n")
print("wrote %s (%d cases)" % (path, len(cases)))
