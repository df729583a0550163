"""Golden values for elementwise math, maximum/minimum and comparisons (keel/ops/elementwise.h).

Layouts: every op runs on a plain (5, 13) input (65 elements: whole SIMD vectors plus a
tail); some also on a transposed input ("t": the op sees x.t()) and on an input broadcast
along its innermost dim ("expand": (5, 1) seen as (5, 13)).
"""
import torch

from golden_util import case, write

torch.manual_seed(0)
SHAPE = (5, 13)
DTYPES = ((torch.float32, "", {"atol": 1e-6, "rtol": 1e-5}), (torch.float64, "_f64", {"atol": 1e-12, "rtol": 1e-10}))


def any_(*s):
    return torch.randn(*s) * 2


def pos(*s):
    return torch.rand(*s) * 3 + 0.1


def away0(*s):  # keeps inputs off the kink at 0
    x = torch.randn(*s)
    return torch.sign(x) * (x.abs() + 0.1)


def layout(x, args):
    if args.get("layout") == "t":
        return x.t()
    if args.get("layout") == "expand":
        return x.expand(*args["shape"])
    return x


cases = []


def unary(name, op, fn, gen, args=None, layouts=("plain",), seed=0):
    """One case per dtype and layout; fn(x, args) is the torch op."""
    args = dict(args or {})
    for dt, sfx, tol in DTYPES:
        for lay in layouts:
            a = dict(args)
            if lay == "plain":
                x = gen(*SHAPE)
            elif lay == "t":
                x, a["layout"] = gen(SHAPE[1], SHAPE[0]), "t"
            else:
                x, a["layout"], a["shape"] = gen(SHAPE[0], 1), "expand", list(SHAPE)
            lsfx = "" if lay == "plain" else "_" + lay
            cases.append(case(name + lsfx + sfx, op, lambda t, a=a: fn(layout(t, a), a), [x.to(dt)], a, seed=seed, **tol))


ALL = ("plain", "t", "expand")
for p in (2.0, 3.0, 0.5, -0.5, -1.0, -2.0, 2.5, 1.0, 0.0, -1.7):
    unary("pow_%g" % p, "pow_scalar", lambda x, a: torch.pow(x, a["p"]), pos, {"p": p}, ALL if p == 2.5 else ("plain",))
unary("pow_int_exponent_negative_base", "pow_scalar", lambda x, a: torch.pow(x, a["p"]), away0, {"p": 3.0})
unary("exp", "exp", lambda x, a: torch.exp(x), any_, layouts=ALL)
unary("log", "log", lambda x, a: torch.log(x), pos, layouts=ALL)
unary("sqrt", "sqrt", lambda x, a: torch.sqrt(x), pos)
unary("rsqrt", "rsqrt", lambda x, a: torch.rsqrt(x), pos, layouts=("plain", "t"))
unary("abs", "abs", lambda x, a: torch.abs(x), away0, layouts=("plain", "expand"))
unary("sign", "sign", lambda x, a: torch.sign(x), away0)
unary("clamp", "clamp", lambda x, a: torch.clamp(x, a["min"], a["max"]), any_, {"min": -0.5, "max": 1.0}, ALL)
unary("clamp_min", "clamp_min", lambda x, a: torch.clamp_min(x, a["min"]), any_, {"min": -0.3})
unary("clamp_max", "clamp_max", lambda x, a: torch.clamp_max(x, a["max"]), any_, {"max": 0.4})
unary("clamp_inverted", "clamp", lambda x, a: torch.clamp(x, a["min"], a["max"]), any_, {"min": 1.0, "max": -1.0})

for dt, sfx, tol in DTYPES:
    # Inputs exactly on the bounds: PyTorch passes the gradient where min <= x <= max.
    edge = torch.tensor([-1.0, -0.5, 0.0, 0.5, 1.0, 2.0], dtype=dt)
    cases.append(case("clamp_bounds" + sfx, "clamp", lambda x: torch.clamp(x, -0.5, 0.5), [edge],
                      {"min": -0.5, "max": 0.5}, **tol))
    cases.append(case("clamp_min_bounds" + sfx, "clamp_min", lambda x: torch.clamp_min(x, 0.5), [edge], {"min": 0.5}, **tol))
    cases.append(case("clamp_max_bounds" + sfx, "clamp_max", lambda x: torch.clamp_max(x, -0.5), [edge], {"max": -0.5}, **tol))
    # Special values through the forward passes.
    special = torch.tensor([float("nan"), float("inf"), -float("inf"), 0.0, -0.0, 1e-30, 100.0, -100.0, 800.0, -800.0],
                           dtype=dt)
    for op in ("exp", "log", "sqrt", "rsqrt", "abs", "sign"):
        cases.append(case("special_" + op + sfx, op, getattr(torch, op), [special], grad=False))
    cases.append(case("special_clamp" + sfx, "clamp", lambda x: torch.clamp(x, -1.0, 1.0), [special],
                      {"min": -1.0, "max": 1.0}, grad=False))
    cases.append(case("special_pow_2.5" + sfx, "pow_scalar", lambda x: torch.pow(x, 2.5), [special], {"p": 2.5}, grad=False))
    # Exp across its whole range, including subnormal results and overflow.
    wide = torch.linspace(-760, 760, 97, dtype=dt)
    cases.append(case("exp_wide" + sfx, "exp", torch.exp, [wide], grad=False, rtol=tol["rtol"], atol=0.0))
    cases.append(case("log_wide" + sfx, "log", torch.log, [torch.logspace(-300 if dt == torch.float64 else -40,
                      300 if dt == torch.float64 else 38, 97, dtype=dt)], grad=False, **tol))

    # pow with a tensor exponent, broadcast both ways; maximum/minimum with ties.
    base, ex_row, ex_col = pos(3, 4).to(dt), any_(4).to(dt), any_(3, 1).to(dt)
    cases.append(case("pow_tensor" + sfx, "pow_tensor", torch.pow, [base, any_(3, 4).to(dt)], **tol))
    cases.append(case("pow_tensor_row" + sfx, "pow_tensor", torch.pow, [base, ex_row], **tol))
    cases.append(case("pow_tensor_col_base" + sfx, "pow_tensor", torch.pow, [pos(3, 1).to(dt), ex_row], **tol))
    zero_base = torch.tensor([0.0, 0.0, 0.0, 2.0], dtype=dt)
    cases.append(case("pow_tensor_zero_base" + sfx, "pow_tensor", torch.pow,
                      [zero_base, torch.tensor([0.0, 2.0, 1.5, 0.0], dtype=dt)], **tol))
    a, b = any_(3, 4).to(dt), any_(3, 4).to(dt)
    b[0] = a[0]  # ties: the gradient splits half and half
    for op in ("maximum", "minimum"):
        fn = getattr(torch, op)
        cases.append(case(op + sfx, op, fn, [a, b], **tol))
        cases.append(case(op + "_broadcast" + sfx, op, fn, [a, any_(4).to(dt)], **tol))
        cases.append(case(op + "_nan" + sfx, op, fn, [torch.tensor([float("nan"), 1.0, 2.0], dtype=dt),
                                                       torch.tensor([0.0, float("nan"), 1.0], dtype=dt)], grad=False))

# Integer and bool inputs: PyTorch keeps int64 for abs/sign/clamp/pow with integral
# scalars and computes exp/log/sqrt/... in float32.
ia = torch.randint(-6, 7, (3, 5))
ib = torch.randint(0, 4, (5,))
cases += [
    case("int_abs", "abs", torch.abs, [ia], grad=False),
    case("int_sign", "sign", torch.sign, [ia], grad=False),
    case("int_clamp", "clamp", lambda x: torch.clamp(x, -2, 3), [ia], {"min": -2, "max": 3}, grad=False),
    case("int_clamp_fractional", "clamp", lambda x: torch.clamp(x, -2.5, 3), [ia], {"min": -2.5, "max": 3}, grad=False),
    case("int_clamp_min", "clamp_min", lambda x: torch.clamp_min(x, 1), [ia], {"min": 1}, grad=False),
    case("int_pow", "pow_scalar", lambda x: torch.pow(x, 3), [ia], {"p": 3}, grad=False),
    case("int_pow_fractional", "pow_scalar", lambda x: torch.pow(x.abs(), 0.5), [ia.abs()], {"p": 0.5}, grad=False),
    case("int_pow_tensor", "pow_tensor", torch.pow, [ia, ib], grad=False),
    case("int_exp", "exp", torch.exp, [ia], grad=False),
    case("int_sqrt", "sqrt", torch.sqrt, [ia.abs()], grad=False),
    case("int_maximum", "maximum", torch.maximum, [ia, ib], grad=False),
    case("int_float_minimum", "minimum", torch.minimum, [ia, torch.randn(5)], grad=False),
    case("bool_maximum", "maximum", torch.maximum, [ia > 0, ib > 1], grad=False),
]

# Comparisons: bool results, ties included, broadcasting, scalars and mixed dtypes.
ca = torch.randint(-2, 3, (3, 4)).float()
cb = torch.randint(-2, 3, (4,)).float()
for op in ("eq", "ne", "lt", "le", "gt", "ge"):
    fn = getattr(torch, op)
    cases += [
        case("cmp_" + op, "cmp_" + op, fn, [ca, cb], grad=False),
        case("cmp_" + op + "_f64", "cmp_" + op, fn, [ca.double(), ca.t().double().t().contiguous()], grad=False),
        case("cmp_" + op + "_int", "cmp_" + op, fn, [ia, ib], grad=False),
        case("cmp_" + op + "_int_float", "cmp_" + op, fn, [ia, torch.randn(5)], grad=False),
        case("cmp_" + op + "_bool", "cmp_" + op, fn, [ia > 0, ib > 1], grad=False),
        case("cmp_" + op + "_scalar", "cmp_" + op + "_scalar", lambda x, f=fn: f(x, 0.0), [ca], {"s": 0.0}, grad=False),
        case("cmp_" + op + "_int_frac_scalar", "cmp_" + op + "_scalar", lambda x, f=fn: f(x, 1.5), [ia], {"s": 1.5},
             grad=False),
        case("cmp_" + op + "_bool_scalar", "cmp_" + op + "_scalar", lambda x, f=fn: f(x, 1), [ia > 0], {"s": 1},
             grad=False),
    ]
# clamp_ in place on a non-leaf (the op table's clamp_ entry).
torch.manual_seed(12)
cases.append(case("clamp_inplace", "clamp_", lambda x: x.clone().clamp_(-0.27, 0.33), [torch.randn(3, 4)],
                  {"min": -0.27, "max": 0.33}))
write("unary", cases)
