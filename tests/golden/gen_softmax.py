"""Golden values for softmax and log_softmax (keel/ops/reduce.h)."""
import torch

from golden_util import case, write

torch.manual_seed(0)
cases = []
for dt in (torch.float32, torch.float64):
    sfx = "_f64" if dt == torch.float64 else ""
    a = torch.randn(3, 5).to(dt)
    b = torch.randn(2, 3, 4).to(dt)
    big = (torch.randn(2, 6) * 100).to(dt)  # needs the max shift to avoid overflow
    masked = torch.randn(3, 4).to(dt)
    masked[0, 1] = float("-inf")
    masked[2, 0] = float("-inf")
    masked[2, 3] = float("-inf")
    vec = torch.randn(37).to(dt)  # not a multiple of any vector width
    for name, dim, x in [("last", -1, a), ("dim0", 0, a), ("3d_dim1", 1, b), ("3d_dim0", 0, b), ("3d_last", 2, b),
                         ("big", 1, big), ("masked", 1, masked), ("vec", 0, vec)]:
        cases.append(case("softmax_%s%s" % (name, sfx), "softmax", lambda x, d=dim: torch.softmax(x, d), [x],
                          {"dim": dim}))
        cases.append(case("log_softmax_%s%s" % (name, sfx), "log_softmax",
                          lambda x, d=dim: torch.log_softmax(x, d), [x], {"dim": dim}))
nan_row = torch.tensor([[1.0, float("nan"), 2.0], [1.0, 2.0, 3.0]])
inf_row = torch.tensor([[1.0, float("inf"), 2.0], [float("-inf")] * 3])
long_nan = torch.randn(3, 100)  # NaN in the vectorized body of a row
long_nan[0, 50] = float("nan")
for name, x in [("nan", nan_row), ("inf", inf_row), ("long_nan", long_nan)]:
    cases.append(case("softmax_" + name, "softmax", lambda t: torch.softmax(t, 1), [x], {"dim": 1}, grad=False))
    cases.append(case("log_softmax_" + name, "log_softmax", lambda t: torch.log_softmax(t, 1), [x], {"dim": 1},
                      grad=False))
write("softmax", cases)
