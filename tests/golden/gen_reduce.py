"""Golden values for the reductions (keel/ops/reduce.h): sum, mean, var/std, max/min,
amax/amin, argmax/argmin and norm."""
import torch

from golden_util import case, write

torch.manual_seed(0)
cases = []


def dims_args(dims, keepdim=False, **extra):
    d = {"dims": dims, "keepdim": keepdim}
    d.update(extra)
    return d


def red(fn_all, fn_dims, dims, keepdim, **kw):
    """Calls fn_all(x) for dims None, else fn_dims(x, dims, keepdim)."""
    if dims is None:
        return lambda x: fn_all(x, **kw)
    return lambda x: fn_dims(x, dims, keepdim=keepdim, **kw)


for dt in (torch.float32, torch.float64):
    sfx = "_f64" if dt == torch.float64 else ""
    a = torch.randn(3, 4).to(dt)
    b = torch.randn(2, 3, 4).to(dt)
    col = torch.randn(5, 1).to(dt)
    ties = torch.tensor([[1.0, 3.0, 3.0, -2.0], [0.5, 0.5, 0.5, 0.5], [-1.0, 2.0, -1.0, 2.0]]).to(dt)
    const_row = torch.tensor([[2.0, 2.0, 2.0], [1.0, 2.0, 4.0]]).to(dt)
    zero_row = torch.tensor([[0.0, 0.0, 0.0], [1.0, -2.0, 0.0]]).to(dt)
    for name, dims, keep, x in [("all", None, False, a), ("dim1", [1], False, a), ("dim0", [0], False, a),
                                ("neg", [-1], True, b), ("dims02_keep", [0, 2], True, b), ("dim1_3d", [1], False, b),
                                ("size1", [1], False, col)]:
        cases.append(case("sum_%s%s" % (name, sfx), "sum", red(torch.sum, torch.sum, dims, keep), [x],
                          dims_args(dims, keep)))
        cases.append(case("mean_%s%s" % (name, sfx), "mean", red(torch.mean, torch.mean, dims, keep), [x],
                          dims_args(dims, keep)))
    for name, dims, keep, unb, x in [("all", None, False, True, a), ("all_biased", None, False, False, b),
                                     ("dim1", [1], False, True, a), ("dim0_biased_keep", [0], True, False, a),
                                     ("dims02", [0, 2], False, True, b), ("dim1_3d", [1], True, True, b),
                                     ("const_row", [1], False, True, const_row), ("single", [1], False, True, col),
                                     ("single_biased", [1], False, False, col)]:
        for op, f in (("var", torch.var), ("std", torch.std)):
            cases.append(case("%s_%s%s" % (op, name, sfx), op, red(f, f, dims, keep, unbiased=unb), [x],
                              dims_args(dims, keep, unbiased=unb)))
    cases += [
        case("max_all" + sfx, "max_all", torch.max, [a]),
        case("min_all" + sfx, "min_all", torch.min, [b]),
        case("max_all_ties" + sfx, "max_all", torch.max, [ties]),
        case("min_all_ties" + sfx, "min_all", torch.min, [ties]),
        case("max_dim1" + sfx, "max_dim_values", lambda x: torch.max(x, 1)[0], [a], {"dim": 1, "keepdim": False}),
        case("max_dim0_keep" + sfx, "max_dim_values", lambda x: torch.max(x, 0, keepdim=True)[0], [b],
             {"dim": 0, "keepdim": True}),
        case("min_dim_neg" + sfx, "min_dim_values", lambda x: torch.min(x, -1)[0], [b], {"dim": -1, "keepdim": False}),
        case("max_dim_ties" + sfx, "max_dim_values", lambda x: torch.max(x, 1)[0], [ties], {"dim": 1, "keepdim": False}),
        case("min_dim_ties" + sfx, "min_dim_values", lambda x: torch.min(x, 1)[0], [ties], {"dim": 1, "keepdim": False}),
        case("amax_dim1" + sfx, "amax", lambda x: torch.amax(x, [1]), [a], dims_args([1])),
        case("amax_dims02_keep" + sfx, "amax", lambda x: torch.amax(x, [0, 2], keepdim=True), [b],
             dims_args([0, 2], True)),
        case("amax_ties" + sfx, "amax", lambda x: torch.amax(x, [1]), [ties], dims_args([1])),
        case("amin_ties_dim0" + sfx, "amin", lambda x: torch.amin(x, [0]), [ties], dims_args([0])),
        case("amin_all" + sfx, "amin", lambda x: torch.amin(x, []), [ties], dims_args([])),
    ]
    for name, p, dims, keep, x in [("p2_all", 2.0, None, False, a), ("p1_dim1", 1.0, [1], False, a),
                                   ("p3_dims02", 3.0, [0, 2], True, b), ("p1_5_dim0", 1.5, [0], False, a),
                                   ("p0_5_dim1", 0.5, [1], False, a), ("inf_dim1", float("inf"), [1], False, ties),
                                   ("ninf_all", float("-inf"), None, False, a), ("inf_all", float("inf"), None, False, b),
                                   ("p2_zero_row", 2.0, [1], False, zero_row), ("p3_zero_row", 3.0, [1], False, zero_row),
                                   ("p2_dim1_3d", 2.0, [1], False, b)]:
        fn = (lambda x, p=p: torch.linalg.vector_norm(x, p)) if dims is None else \
            (lambda x, p=p, dims=dims, keep=keep: torch.linalg.vector_norm(x, p, dims, keep))
        cases.append(case("norm_%s%s" % (name, sfx), "norm", fn, [x], dims_args(dims, keep, p=str(p))))
    cases.append(case("norm_p0" + sfx, "norm", lambda x: torch.linalg.vector_norm(x, 0, [1]), [zero_row],
                      dims_args([1], False, p="0.0"), grad=False))

# Index results and integer inputs (no gradients).
x = torch.tensor([[1.0, 5.0, 5.0, -2.0], [float("nan"), 0.0, float("nan"), 9.0], [3.0, -4.0, -4.0, 3.0]])
m = torch.randn(4, 6)
ints = torch.randint(-5, 5, (3, 4))
# NaN inside the vectorized body of a long row (not only in the scalar tail).
long_nan = torch.randn(3, 100)
long_nan[0, 50] = float("nan")
long_nan[2, 7] = float("nan")
cases += [
    case("max_dim_indices", "max_dim_indices", lambda t: torch.max(t, 1)[1], [x], {"dim": 1, "keepdim": False},
         grad=False),
    case("min_dim_indices_keep", "min_dim_indices", lambda t: torch.min(t, 0, keepdim=True)[1], [m],
         {"dim": 0, "keepdim": True}, grad=False),
    case("max_dim_values_nan", "max_dim_values", lambda t: torch.max(t, 1)[0], [x], {"dim": 1, "keepdim": False},
         grad=False),
    case("argmax_all", "argmax_all", torch.argmax, [m], grad=False),
    case("argmin_all", "argmin_all", torch.argmin, [m], grad=False),
    case("argmax_all_nan", "argmax_all", torch.argmax, [x], grad=False),
    case("argmax_dim1", "argmax", lambda t: torch.argmax(t, 1), [x], {"dim": 1, "keepdim": False}, grad=False),
    case("argmin_dim0_keep", "argmin", lambda t: torch.argmin(t, 0, keepdim=True), [x], {"dim": 0, "keepdim": True},
         grad=False),
    case("amax_nan", "amax", lambda t: torch.amax(t, [1]), [x], dims_args([1]), grad=False),
    case("max_all_nan", "max_all", torch.max, [x], grad=False),
    case("amax_long_nan", "amax", lambda t: torch.amax(t, [1]), [long_nan], dims_args([1]), grad=False),
    case("amin_long_nan", "amin", lambda t: torch.amin(t, [1]), [long_nan], dims_args([1]), grad=False),
    case("max_all_long_nan", "max_all", torch.max, [long_nan], grad=False),
    case("sum_int", "sum", lambda t: torch.sum(t, [0]), [ints], dims_args([0]), grad=False),
    case("sum_int_all", "sum", torch.sum, [ints], dims_args(None), grad=False),
    case("max_int_dim", "max_dim_values", lambda t: torch.max(t, 1)[0], [ints], {"dim": 1, "keepdim": False},
         grad=False),
    case("amin_int", "amin", lambda t: torch.amin(t, [0]), [ints], dims_args([0]), grad=False),
    case("sum_empty_dim", "sum", lambda t: torch.sum(t, [1]), [torch.empty(3, 0)], dims_args([1]), grad=False),
    case("mean_empty_dim", "mean", lambda t: torch.mean(t, [1]), [torch.empty(3, 0)], dims_args([1]), grad=False),
    case("var_empty", "var", torch.var, [torch.empty(0)], dims_args(None, unbiased=True), grad=False),
]
write("reduce", cases)
