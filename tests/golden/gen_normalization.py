"""Golden values for the normalization layers (keel/nn/normalization.h).

Cases run the torch.nn modules themselves (through torch.nn.utils.stateless.functional_call, so
weight and bias are inputs that receive gradients): forward and grads in train and eval mode
for each momentum/affine/track_running_stats variant, running statistics after 3 training
steps, and the source's BatchNorm1d example. Also writes normalization_modules.json: each
module's state_dict keys and repr.
"""
import json
import os

import torch
from torch import nn
from torch.nn.utils.stateless import functional_call

from golden_util import HERE, case, write

torch.manual_seed(0)
DTYPES = ((torch.float32, ""), (torch.float64, "_f64"))


def make(layer, c, dt, momentum=0.1, affine=True, track=True, groups=None, shape=None, eps=1e-5):
    if layer == "LayerNorm":
        return nn.LayerNorm(shape, eps=eps, elementwise_affine=affine, dtype=dt)
    if layer == "GroupNorm":
        return nn.GroupNorm(groups, c, eps=eps, affine=affine, dtype=dt)
    cls = getattr(nn, layer)
    return cls(c, eps=eps, momentum=momentum, affine=affine, track_running_stats=track, dtype=dt)


def module_case(name, layer, x, dt, training, momentum=0.1, affine=True, track=True, groups=None, shape=None):
    """Forward (and grads of input, weight, bias) of one module call, from given running stats."""
    c = x.shape[1] if layer != "LayerNorm" and x.dim() > 1 else 0
    if layer.startswith("InstanceNorm") and x.dim() == (2 if layer.endswith("1d") else 3):
        c = x.shape[0]  # unbatched input
    args = {"layer": layer, "c": c, "momentum": momentum, "affine": affine, "track": track,
            "training": training, "groups": groups, "shape": shape}
    probe = make(layer, c, dt, momentum, affine, track, groups, shape)
    stats = {}
    if getattr(probe, "running_mean", None) is not None:
        stats = {"running_mean": (torch.randn(c) * 0.5).to(dt), "running_var": (torch.rand(c) + 0.5).to(dt)}
        args.update({k: v.tolist() for k, v in stats.items()})
    inputs = [x]
    if affine:
        pshape = probe.weight.shape
        inputs += [(1.0 + 0.5 * torch.randn(pshape)).to(dt), (0.5 * torch.randn(pshape)).to(dt)]

    def fn(xi, *wb):
        m = make(layer, c, dt, momentum, affine, track, groups, shape)
        with torch.no_grad():
            for k, v in stats.items():
                getattr(m, k).copy_(v)
        m.train(training)
        params = {"weight": wb[0], "bias": wb[1]} if affine else {}
        return functional_call(m, params, (xi,))

    return case(name, "module", fn, inputs, args)


def steps_case(name, layer, xs, dt, momentum=0.1, affine=True):
    """Running statistics (and num_batches_tracked) after 3 training steps, then an eval forward."""
    c = xs.shape[2]
    args = {"layer": layer, "c": c, "momentum": momentum, "affine": affine, "track": True}

    def fn(xs_):
        m = make(layer, c, dt, momentum, affine, True)
        m.train()
        for i in range(3):
            m(xs_[i])
        m.eval()
        y = m(xs_[0])
        return torch.cat([m.running_mean, m.running_var, m.num_batches_tracked.to(dt).reshape(1), y.reshape(-1)])

    return case(name, "steps", fn, [xs], args, grad=False)


cases = []
for dt, sfx in DTYPES:
    r = lambda *s: (torch.randn(*s) * 1.5 + 0.7).to(dt)
    # Batch norm: every momentum / affine / track_running_stats variant, train and eval.
    for layer, shape in (("BatchNorm1d", (5, 3)), ("BatchNorm1d", (4, 3, 6)), ("BatchNorm2d", (3, 4, 3, 5))):
        x = r(*shape)
        tag = "%s_%dd" % (layer, len(shape))
        for momentum in (0.1, None):
            for affine in (True, False):
                for track in (True, False):
                    for training in (True, False):
                        name = "%s_m%s_a%d_t%d_%s%s" % (tag, "None" if momentum is None else momentum, affine,
                                                       track, "train" if training else "eval", sfx)
                        cases.append(module_case(name, layer, x, dt, training, momentum, affine, track))
    # Instance norm: batched and unbatched, affine / tracking variants, train and eval.
    for layer, shape in (("InstanceNorm1d", (3, 4, 7)), ("InstanceNorm1d", (4, 7)), ("InstanceNorm2d", (2, 3, 4, 5)),
                         ("InstanceNorm2d", (3, 4, 5))):
        x = r(*shape)
        tag = "%s_%dd" % (layer, len(shape))
        for affine in (True, False):
            for track in (True, False):
                for training in (True, False):
                    name = "%s_a%d_t%d_%s%s" % (tag, affine, track, "train" if training else "eval", sfx)
                    cases.append(module_case(name, layer, x, dt, training, 0.1, affine, track))
    # Layer norm over the last dim and over the last two dims.
    for xshape, nshape in (((6, 8), [8]), ((2, 3, 4, 5), [4, 5])):
        x = r(*xshape)
        for affine in (True, False):
            name = "LayerNorm_%s_a%d%s" % ("x".join(map(str, nshape)), affine, sfx)
            cases.append(module_case(name, "LayerNorm", x, dt, True, affine=affine, shape=nshape))
    # Group norm: several group counts, 3-D and 4-D inputs.
    for xshape, groups in (((2, 6, 4, 5), 3), ((2, 6, 4, 5), 1), ((2, 6, 4, 5), 6), ((3, 4, 7), 2)):
        x = r(*xshape)
        for affine in (True, False):
            name = "GroupNorm_%dd_g%d_a%d%s" % (len(xshape), groups, affine, sfx)
            cases.append(module_case(name, "GroupNorm", x, dt, True, affine=affine, groups=groups))
    # Running statistics after 3 training steps.
    for layer, shape in (("BatchNorm1d", (3, 5, 3)), ("BatchNorm1d", (3, 4, 3, 6)), ("BatchNorm2d", (3, 3, 4, 3, 5)),
                         ("InstanceNorm1d", (3, 2, 3, 7)), ("InstanceNorm2d", (3, 2, 3, 4, 5))):
        xs = r(*shape)
        for momentum in ((0.1, None) if layer.startswith("Batch") else (0.1,)):
            name = "steps_%s_%dd_m%s%s" % (layer, len(shape) - 1, "None" if momentum is None else momentum, sfx)
            cases.append(steps_case(name, layer, xs, dt, momentum))

# The source's example: BatchNorm1d(3) in training mode.
example = torch.tensor([[-0.6577, -0.5797, 0.6360], [0.7392, 0.2145, 1.523], [0.2432, 0.5662, 0.322]])
cases.append(case("example_batchnorm1d", "module", lambda x: nn.BatchNorm1d(3)(x), [example],
                  {"layer": "BatchNorm1d", "c": 3, "momentum": 0.1, "affine": True, "track": True,
                   "training": True}, grad=False))

# relu(batch_norm(...)), keel's fused batch_norm_relu, in training and eval (own generator so the
# cases above keep their inputs). Some outputs are clamped to 0, so the mask reaches the grads.
fused = torch.Generator().manual_seed(11)
for dt, sfx in DTYPES:
    x = (torch.randn(4, 3, 5, generator=fused) * 1.5 + 0.3).to(dt)
    w, b = (1.0 + 0.5 * torch.randn(3, generator=fused)).to(dt), (0.5 * torch.randn(3, generator=fused)).to(dt)
    rm, rv = (0.5 * torch.randn(3, generator=fused)).to(dt), (torch.rand(3, generator=fused) + 0.5).to(dt)
    for training in (True, False):
        args = {"running_mean": rm.tolist(), "running_var": rv.tolist(), "training": training, "momentum": 0.1,
                "eps": 1e-5}
        cases.append(case("batch_norm_relu_%s%s" % ("train" if training else "eval", sfx), "batch_norm_relu",
                          lambda xi, wi, bi: torch.relu(torch.nn.functional.batch_norm(
                              xi, rm.clone(), rv.clone(), wi, bi, training, 0.1, 1e-5)), [x, w, b], args))
# max_pool2d(relu(batch_norm(...)), 2), keel's fused batch_norm_relu_max_pool2d (own generator).
pooled = torch.Generator().manual_seed(12)
for dt, sfx in DTYPES:
    x = (torch.randn(3, 2, 4, 6, generator=pooled) * 1.5 + 0.3).to(dt)
    w, b = (1.0 + 0.5 * torch.randn(2, generator=pooled)).to(dt), (0.5 * torch.randn(2, generator=pooled)).to(dt)
    rm, rv = (0.5 * torch.randn(2, generator=pooled)).to(dt), (torch.rand(2, generator=pooled) + 0.5).to(dt)
    for training in (True, False):
        args = {"running_mean": rm.tolist(), "running_var": rv.tolist(), "training": training, "momentum": 0.1,
                "eps": 1e-5}
        cases.append(case("batch_norm_relu_max_pool2d_%s%s" % ("train" if training else "eval", sfx),
                          "batch_norm_relu_max_pool2d",
                          lambda xi, wi, bi: torch.nn.functional.max_pool2d(torch.relu(torch.nn.functional.batch_norm(
                              xi, rm.clone(), rv.clone(), wi, bi, training, 0.1, 1e-5)), 2), [x, w, b], args))
write("normalization", cases)

# state_dict keys and reprs of each module configuration.
configs = {
    "BatchNorm1d": nn.BatchNorm1d(3),
    "BatchNorm1d_momentum_none": nn.BatchNorm1d(3, momentum=None),
    "BatchNorm1d_no_affine": nn.BatchNorm1d(3, affine=False),
    "BatchNorm1d_no_track": nn.BatchNorm1d(3, track_running_stats=False),
    "BatchNorm2d": nn.BatchNorm2d(16, eps=1e-3, momentum=0.01),
    "InstanceNorm1d": nn.InstanceNorm1d(3),
    "InstanceNorm2d_affine_track": nn.InstanceNorm2d(4, affine=True, track_running_stats=True),
    "LayerNorm": nn.LayerNorm(10),
    "LayerNorm_2d_no_affine": nn.LayerNorm([4, 5], elementwise_affine=False),
    "GroupNorm": nn.GroupNorm(2, 6),
    "GroupNorm_no_affine": nn.GroupNorm(3, 6, eps=1e-3, affine=False),
}
path = os.path.join(HERE, "normalization_modules.json")
with open(path, "w") as f:
    json.dump({"generator": "tests/golden/gen_normalization.py", "torch": torch.__version__,
               "modules": {k: {"keys": list(m.state_dict().keys()), "repr": repr(m)} for k, m in configs.items()}},
              f, indent=1)
    f.write("\n")
print("wrote %s" % path)
