"""Golden values for the view ops and copies (Tensor::view, reshape, transpose, ..., clone, to).

Each case applies one view to a seeded input and backpropagates a seeded gradient, so the
recorded gradient is the view's backward (scattering into the base's shape). The op table's
conformance test (tests/ops/conformance_test.cpp) replays them; args name the view's arguments.
"""
import torch

from golden_util import case, write

torch.manual_seed(0)
cases = []
for dt, sfx in ((torch.float32, ""), (torch.float64, "_f64")):
    x = torch.randn(2, 3, 4, dtype=dt)
    cases += [
        case("view" + sfx, "view", lambda t: t.view(4, 6), [x], {"shape": [4, 6]}),
        case("reshape_copy" + sfx, "reshape", lambda t: t.transpose(0, 2).reshape(12, 2),
             [x], {"shape": [12, 2], "transpose": [0, 2]}),
        case("flatten" + sfx, "flatten", lambda t: t.flatten(1), [x], {"start": 1, "end": -1}),
        case("transpose" + sfx, "transpose", lambda t: t.transpose(0, 2), [x], {"dim0": 0, "dim1": 2}),
        case("t" + sfx, "t", lambda t: t.t(), [x[0]]),
        case("permute" + sfx, "permute", lambda t: t.permute(2, 0, 1), [x], {"dims": [2, 0, 1]}),
        case("narrow" + sfx, "narrow", lambda t: t.narrow(2, 1, 2), [x], {"dim": 2, "start": 1, "length": 2}),
        case("slice_step" + sfx, "slice", lambda t: t[:, :, 0:4:2], [x], {"dim": 2, "start": 0, "end": 4, "step": 2}),
        case("select" + sfx, "select", lambda t: t.select(1, 2), [x], {"dim": 1, "index": 2}),
        case("squeeze" + sfx, "squeeze", lambda t: t.squeeze(1), [x[:, :1]], {"dim": 1}),
        case("unsqueeze" + sfx, "unsqueeze", lambda t: t.unsqueeze(1), [x], {"dim": 1}),
        case("expand" + sfx, "expand", lambda t: t.expand(2, 3, 4), [x[:, :1]], {"shape": [2, 3, 4]}),
        case("clone" + sfx, "clone", lambda t: t.clone(), [x]),
        case("to_other_float" + sfx, "to", lambda t: t.to(torch.float64 if dt == torch.float32 else torch.float32),
             [x], {"dtype": "float64" if dt == torch.float32 else "float32"}),
    ]
# In-place copies and fills on a non-leaf (the op table's copy_, fill_, zero_, uniform_, normal_
# entries). The old values get a zero gradient. uniform_ and normal_ draw from different
# generators in keel and PyTorch, so their cases use an empty range (from == to) and std 0: the
# values are then defined without a generator, and the case checks values and gradients fully.
torch.manual_seed(14)
fx, fs = torch.randn(3, 4), torch.randn(4)
cases += [
    case("copy_inplace_broadcast", "copy_", lambda t, s: t.clone().copy_(s), [fx, fs]),
    case("fill_inplace", "fill_", lambda t: t.clone().fill_(2.0), [fx], {"value": 2.0}),
    case("zero_inplace", "zero_", lambda t: t.clone().zero_(), [fx]),
    case("uniform_inplace_point", "uniform_", lambda t: t.clone().uniform_(0.25, 0.25), [fx],
         {"from": 0.25, "to": 0.25}),
    case("normal_inplace_std0", "normal_", lambda t: t.clone().normal_(0.25, 0.0), [fx], {"mean": 0.25, "std": 0.0}),
]
write("views", cases)
