#!/usr/bin/env python3
"""keel <-> PyTorch checkpoint interop, both ways, with nothing but torch.

Usage: pytorch_interop_test.py PATH/TO/checkpoint_interop_tool

(a) The tool writes a keel checkpoint of a small MLP plus its input and output; PyTorch loads
    the checkpoint into the same architecture with load_state_dict(strict=True) and must
    predict the same values and classes.
(b) PyTorch writes a safetensors file from a torch state_dict (in reversed key order, as
    other writers may order keys differently); the tool loads it and must match PyTorch.

safetensors is read and written here with a few lines of Python (there is no Debian package
of the safetensors library): 8-byte little-endian header length, JSON header, raw bytes.
Exits 77 (CTest's skip code) when torch cannot be imported.
"""
import json
import os
import struct
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

DTYPES = {"F32": torch.float32, "F64": torch.float64, "I64": torch.int64, "BOOL": torch.bool}
NAMES = {v: k for k, v in DTYPES.items()}
IN, HIDDEN, OUT = 20, 16, 5


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    metadata = header.pop("__metadata__", {})
    tensors = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        dtype = DTYPES[info["dtype"]]
        raw = bytearray(data[8 + n + begin:8 + n + end])  # a copy: aligned and writable
        flat = torch.frombuffer(raw, dtype=dtype) if raw else torch.empty(0, dtype=dtype)
        tensors[name] = flat.reshape(info["shape"])
    return tensors, metadata


def write_safetensors(path, tensors, metadata):
    header = {"__metadata__": metadata}
    blobs, offset = [], 0
    for name, t in tensors.items():
        raw = t.detach().contiguous().cpu().numpy().tobytes()
        header[name] = {"dtype": NAMES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def build(arch):
    layers = [nn.Linear(IN, HIDDEN)]
    if arch == "linear-bn-relu-dropout-linear":
        layers.append(nn.BatchNorm1d(HIDDEN))
    elif arch != "linear-relu-dropout-linear":
        raise ValueError(f"unknown architecture {arch}")
    layers += [nn.ReLU(), nn.Dropout(0.5), nn.Linear(HIDDEN, OUT)]
    return nn.Sequential(*layers)


def compare(name, got, expected):
    diff = (got - expected).abs().max().item()
    same = bool(torch.equal(got.argmax(1), expected.argmax(1)))
    print(f"{name}: max |diff| = {diff:.3g}, same classes: {same}")
    return diff <= 1e-5 and same


def keel_to_torch(tool, tmp):
    subprocess.run([tool, "write", tmp], check=True)
    state, metadata = read_safetensors(os.path.join(tmp, "keel_model.safetensors"))
    model = build(metadata["arch"])
    expected_keys = list(model.state_dict().keys())
    if list(state.keys()) != expected_keys:
        print(f"keel's keys {list(state.keys())} differ from PyTorch's {expected_keys}")
        return False, metadata["arch"]
    for key, t in model.state_dict().items():
        if state[key].dtype != t.dtype:
            print(f"{key}: keel wrote {state[key].dtype}, PyTorch has {t.dtype}")
            return False, metadata["arch"]
    model.load_state_dict(state, strict=True)
    model.eval()
    io, _ = read_safetensors(os.path.join(tmp, "keel_io.safetensors"))
    with torch.no_grad():
        out = model(io["input"])
    return compare(f"(a) torch on keel's {metadata['arch']} checkpoint", out, io["output"]), metadata["arch"]


def torch_to_keel(tool, tmp, arch):
    torch.manual_seed(0)
    model = build(arch)
    with torch.no_grad():
        for _ in range(3):  # running statistics worth checking
            model(torch.randn(32, IN) * 2 + 0.5)
    model.eval()
    x = torch.randn(9, IN)
    with torch.no_grad():
        y = model(x)
    state = dict(reversed(list(model.state_dict().items())))
    write_safetensors(os.path.join(tmp, "torch_model.safetensors"), state, {"arch": arch, "format": "pt"})
    write_safetensors(os.path.join(tmp, "torch_io.safetensors"), {"input": x, "output": y}, {})
    result = subprocess.run([tool, "check", tmp])
    print(f"(b) keel on PyTorch's {arch} checkpoint: {'ok' if result.returncode == 0 else 'FAILED'}")
    return result.returncode == 0


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    tool = sys.argv[1]
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory(prefix="keel_interop_") as tmp:
        ok_a, arch = keel_to_torch(tool, tmp)
        ok_b = torch_to_keel(tool, tmp, arch)
    return 0 if ok_a and ok_b else 1


if __name__ == "__main__":
    sys.exit(main())
