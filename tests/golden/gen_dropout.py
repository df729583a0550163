"""Golden values for dropout (keel::nn::functional::dropout, dropout2d).

keel draws its masks from its own generator, so only the cases PyTorch makes deterministic are
golden: p = 0 in training (the identity, through the op's training path) and evaluation mode.
The random masks themselves are checked statistically and by gradcheck in the C++ tests.
"""
import torch
import torch.nn.functional as F

from golden_util import case, write

torch.manual_seed(0)
cases = []
for dt, sfx in ((torch.float32, ""), (torch.float64, "_f64")):
    x, x4 = torch.randn(3, 4, 5, dtype=dt), torch.randn(2, 3, 4, 5, dtype=dt)
    cases += [
        case("dropout_p0_train" + sfx, "dropout", lambda t: F.dropout(t, 0.0, True), [x], {"p": 0.0, "training": True}),
        case("dropout_eval" + sfx, "dropout", lambda t: F.dropout(t, 0.5, False), [x], {"p": 0.5, "training": False}),
        case("dropout2d_p0_train" + sfx, "dropout2d", lambda t: F.dropout2d(t, 0.0, True), [x4],
             {"p": 0.0, "training": True}),
        case("dropout2d_eval" + sfx, "dropout2d", lambda t: F.dropout2d(t, 0.5, False), [x4],
             {"p": 0.5, "training": False}),
    ]
write("dropout", cases)
