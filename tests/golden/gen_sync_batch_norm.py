"""Golden values for SyncBatchNorm (keel/ops/sync_batch_norm.h, keel/nn/sync_batch_norm.h).

SyncBatchNorm over ranks holding `splits` samples each computes what BatchNorm computes on the
concatenated global batch, so each case runs torch.nn.BatchNorm1d/2d (training mode) on the
whole batch: output, grads of input, weight and bias, and the running statistics after the
step (args running_mean_after / running_var_after). The C++ test splits the input along dim 0
by args["splits"] over that many ranks; the op table's conformance test runs it in one rank.
"""
import json
import os

import torch
from torch import nn
from torch.nn.utils.stateless import functional_call

from golden_util import HERE, case, write

torch.manual_seed(0)


def sync_case(name, layer, shape, splits, dt, momentum=0.1, eps=1e-5):
    assert sum(splits) == shape[0]
    c = shape[1]
    x = (torch.randn(*shape) * 1.5 + 0.7).to(dt)
    w, b = (1.0 + 0.5 * torch.randn(c)).to(dt), (0.5 * torch.randn(c)).to(dt)
    rm, rv = (0.5 * torch.randn(c)).to(dt), (torch.rand(c) + 0.5).to(dt)
    m = getattr(nn, layer)(c, eps=eps, momentum=momentum, dtype=dt)
    after = {}

    def fn(xi, wi, bi):
        with torch.no_grad():
            m.running_mean.copy_(rm)
            m.running_var.copy_(rv)
        m.train()
        y = functional_call(m, {"weight": wi, "bias": bi}, (xi,))
        after["running_mean_after"] = m.running_mean.tolist()
        after["running_var_after"] = m.running_var.tolist()
        return y

    args = {"layer": layer, "splits": list(splits), "momentum": momentum, "eps": eps,
            "running_mean": rm.tolist(), "running_var": rv.tolist()}
    rec = case(name, "sync_batch_norm", fn, [x, w, b], args)
    rec["args"].update(after)
    return rec


cases = [
    sync_case("BatchNorm1d_2d_splits_3_5_2", "BatchNorm1d", (10, 3), (3, 5, 2), torch.float64),
    sync_case("BatchNorm1d_3d_splits_4_4", "BatchNorm1d", (8, 3, 5), (4, 4), torch.float64, momentum=0.3),
    sync_case("BatchNorm2d_splits_2_0_3", "BatchNorm2d", (5, 2, 3, 4), (2, 0, 3), torch.float64),
    sync_case("BatchNorm2d_splits_1_1", "BatchNorm2d", (2, 4, 2, 3), (1, 1), torch.float64, eps=1e-3),
    sync_case("BatchNorm1d_3d_splits_3_5_2_f32", "BatchNorm1d", (10, 4, 3), (3, 5, 2), torch.float32),
]
write("sync_batch_norm", cases)

# state_dict keys and reprs of SyncBatchNorm (constructing one needs no process group).
configs = {
    "SyncBatchNorm": nn.SyncBatchNorm(3),
    "SyncBatchNorm_options": nn.SyncBatchNorm(4, eps=1e-3, momentum=None, affine=False),
}
path = os.path.join(HERE, "sync_batch_norm_modules.json")
with open(path, "w") as f:
    json.dump({"generator": "tests/golden/gen_sync_batch_norm.py", "torch": torch.__version__,
               "modules": {k: {"keys": list(m.state_dict().keys()), "repr": repr(m)} for k, m in configs.items()}},
              f, indent=1)
    f.write("\n")
print("wrote %s" % path)
