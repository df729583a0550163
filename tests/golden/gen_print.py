"""Golden strings for keel's operator<<(std::ostream&, const Tensor&): Python's str(tensor).

Each case records the tensor's values, how keel should build it ("make": plain, a leaf that
requires grad, or the result of an op so that it has a grad_fn) and PyTorch's str() of it.
"""
import json
import os

import torch

from golden_util import HERE, encode

torch.manual_seed(0)
cases = []


def add(name, t, make="plain"):
    """make: plain | requires_grad | mul2 (x * 2 of a leaf x) | transpose (x.transpose(0, 1) of a leaf x)."""
    base = t.detach().clone()
    if make == "plain":
        shown = base
    elif make == "requires_grad":
        shown = base.requires_grad_(True)
    elif make == "mul2":
        shown = base.requires_grad_(True) * 2
    elif make == "transpose":
        shown = base.requires_grad_(True).transpose(0, 1)
    else:
        raise ValueError(make)
    cases.append({"name": name, "make": make, "input": encode(t), "expected": str(shown)})


# The BatchNorm output in the source material.
add("batchnorm_output", torch.tensor([[-1.3246, -1.3492, -0.3756], [1.0912, 0.3077, 1.3685],
                                      [0.2334, 1.0415, -0.9930]]))
add("scalar", torch.tensor(3.5))
add("scalar_zero", torch.tensor(0.0))
add("scalar_int", torch.tensor(7))
add("integer_valued_floats", torch.tensor([1.0, 2.0, -3.0, 0.0]))
add("small_values_sci", torch.tensor([1e-5, 1.0, 100.0]))
add("large_values_sci", torch.tensor([1.5e9, 1.0, -2.0]))
add("int_valued_wide_ratio_sci", torch.tensor([1.0, 1e5]))
add("int64_matrix", torch.arange(-6, 6).reshape(3, 4))
add("bool", torch.tensor([[True, False], [False, True]]))
add("float64", torch.randn(2, 3, dtype=torch.float64))
add("requires_grad_leaf", torch.randn(2, 2), "requires_grad")
add("grad_fn_mul", torch.randn(3), "mul2")
add("grad_fn_transpose", torch.randn(2, 3), "transpose")
add("float64_grad_fn_wraps_suffix", torch.randn(6, dtype=torch.float64), "mul2")
add("long_row_wraps", torch.randn(20))
add("three_dims", torch.randn(2, 2, 3))
add("nan_inf", torch.tensor([float("nan"), float("inf"), -float("inf"), 1.5, -0.0]))
add("nan_with_integers", torch.tensor([float("nan"), 1.0, 2.0]))
add("negative_zero_and_mixed", torch.tensor([[0.0, -0.5, 12.25], [-0.0, 3.0, 100.125]]))
add("summarized_vector", torch.arange(2000, dtype=torch.float32) / 7)
add("summarized_matrix", torch.randn(40, 50))
add("summarized_3d", torch.randn(8, 10, 20))
add("summarized_int64", torch.arange(5000).reshape(50, 100))
add("empty_float", torch.zeros(0))
add("empty_2d", torch.zeros(2, 0))
add("empty_int64", torch.zeros(0, dtype=torch.int64))
add("four_dims", torch.randn(2, 1, 2, 2))

path = os.path.join(HERE, "print.json")
with open(path, "w") as f:
    json.dump({"generator": "tests/golden/gen_print.py", "torch": torch.__version__, "cases": cases}, f, indent=1)
    f.write("\n")
print("wrote %s (%d cases)" % (path, len(cases)))
