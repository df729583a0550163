"""Shared helpers for the PyTorch golden-value generators (run by developers, not CI).

Each gen_<family>.py builds a list of cases with `case(...)` and writes
tests/golden/<family>.json with `write(family, cases)`. A case runs a torch function on
seeded inputs, records the output, then backpropagates a seeded random upstream gradient
and records every input's gradient. The C++ side (tests/support/golden.h) replays the
same inputs through keel and compares.
"""
import json
import math
import os

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
_DTYPES = {torch.float32: "float32", torch.float64: "float64", torch.int64: "int64", torch.bool: "bool"}


def _num(v):
    if isinstance(v, bool):
        return v
    if isinstance(v, float) and not math.isfinite(v):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
    return v


def encode(t):
    if t is None:
        return None
    t = t.detach()
    return {"shape": list(t.shape), "dtype": _DTYPES[t.dtype],
            "data": [_num(v) for v in t.reshape(-1).tolist()]}


def case(name, op, fn, inputs, args=None, grad=True, seed=0, atol=None, rtol=None, no_grad=()):
    """inputs: list of tensors; floating ones get requires_grad when grad is True, except the
    indices listed in no_grad (inputs PyTorch does not differentiate, such as class weights)."""
    torch.manual_seed(seed + 1000)
    ins = []
    for k, t in enumerate(inputs):
        t = t.detach().clone()
        if grad and t.is_floating_point() and k not in no_grad:
            t.requires_grad_(True)
        ins.append(t)
    out = fn(*ins)
    rec = {"name": name, "op": op, "args": args or {}, "inputs": [encode(t) for t in ins],
           "requires_grad": [bool(t.requires_grad) for t in ins], "output": encode(out)}
    if atol is not None:
        rec["atol"] = atol
    if rtol is not None:
        rec["rtol"] = rtol
    if grad and out.requires_grad:
        g = torch.randn(out.shape, dtype=out.dtype)
        out.backward(g)
        rec["grad_output"] = encode(g)
        rec["grads"] = [encode(t.grad) if t.requires_grad else None for t in ins]
    return rec


def write(family, cases):
    path = os.path.join(HERE, family + ".json")
    with open(path, "w") as f:
        json.dump({"generator": "tests/golden/gen_%s.py" % family, "torch": torch.__version__,
                   "cases": cases}, f, separators=(",", ":"))
        f.write("\n")
    print("wrote %s (%d cases)" % (path, len(cases)))
