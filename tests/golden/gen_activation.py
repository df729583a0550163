"""Golden values for activations (keel/ops/elementwise.h): relu, sigmoid, tanh, gelu, softplus,
leaky_relu, elu, forward and backward, on plain, transposed and broadcast inputs."""
import torch
import torch.nn.functional as F

from golden_util import case, write

torch.manual_seed(0)
SHAPE = (5, 13)  # 65 elements: whole SIMD vectors plus a tail
DTYPES = ((torch.float32, "", {"atol": 1e-6, "rtol": 1e-5}), (torch.float64, "_f64", {"atol": 1e-12, "rtol": 1e-10}))


def wide(*s):  # spans the saturating tails as well as the middle
    return torch.randn(*s) * 4


def away0(*s):
    x = torch.randn(*s) * 3
    return torch.sign(x) * (x.abs() + 0.1)


def layout(x, a):
    if a.get("layout") == "t":
        return x.t()
    if a.get("layout") == "expand":
        return x.expand(*a["shape"])
    return x


OPS = [
    ("relu", lambda x, a: F.relu(x), away0, {}),
    ("sigmoid", lambda x, a: torch.sigmoid(x), wide, {}),
    ("tanh", lambda x, a: torch.tanh(x), wide, {}),
    ("gelu", lambda x, a: F.gelu(x, approximate=a["approximate"]), wide, {"approximate": "none"}),
    ("gelu_tanh", lambda x, a: F.gelu(x, approximate=a["approximate"]), wide, {"approximate": "tanh"}),
    ("leaky_relu", lambda x, a: F.leaky_relu(x, a["slope"]), away0, {"slope": 0.01}),
    ("leaky_relu_0.2", lambda x, a: F.leaky_relu(x, a["slope"]), away0, {"slope": 0.2}),
    ("elu", lambda x, a: F.elu(x, a["alpha"]), wide, {"alpha": 1.0}),
    ("elu_0.5", lambda x, a: F.elu(x, a["alpha"]), wide, {"alpha": 0.5}),
    ("softplus", lambda x, a: F.softplus(x), wide, {}),
]

cases = []
for name, fn, gen, args in OPS:
    op = name.split("_0")[0] if name.startswith(("leaky", "elu")) else name.replace("gelu_tanh", "gelu")
    for dt, sfx, tol in DTYPES:
        for lay in ("plain", "t", "expand"):
            a = dict(args)
            if lay == "plain":
                x = gen(*SHAPE)
            elif lay == "t":
                x, a["layout"] = gen(SHAPE[1], SHAPE[0]), "t"
            else:
                x, a["layout"], a["shape"] = gen(SHAPE[0], 1), "expand", list(SHAPE)
            lsfx = "" if lay == "plain" else "_" + lay
            cases.append(case(name + lsfx + sfx, op, lambda t, a=a, fn=fn: fn(layout(t, a), a), [x.to(dt)], a, **tol))

for dt, sfx, tol in DTYPES:
    # Kinks and saturation: relu's gradient at 0 is 0, elu's at 0 takes the negative branch,
    # sigmoid/tanh/gelu far out in the tails, and NaN/inf through the forward passes.
    edge = torch.tensor([0.0, -0.0, 1e-8, -1e-8, 20.0, -20.0, 50.0, -50.0, 120.0, -120.0], dtype=dt)
    for name, fn, _, args in OPS:
        op = name.split("_0")[0] if name.startswith(("leaky", "elu")) else name.replace("gelu_tanh", "gelu")
        cases.append(case(name + "_edges" + sfx, op, lambda t, a=args, fn=fn: fn(t, a), [edge], args, **tol))
        special = torch.tensor([float("nan"), float("inf"), -float("inf"), 1000.0, -1000.0], dtype=dt)
        cases.append(case(name + "_special" + sfx, op, lambda t, a=args, fn=fn: fn(t, a), [special], args, grad=False))
    # A denser sweep of the erf-based gelu (its float32 path uses keel's own erfc).
    sweep = torch.linspace(-10, 10, 401, dtype=dt)
    cases.append(case("gelu_sweep" + sfx, "gelu", lambda t: F.gelu(t), [sweep], {"approximate": "none"}, **tol))

ia = torch.randint(-6, 7, (3, 5))
cases += [
    case("int_relu", "relu", F.relu, [ia], grad=False),
    case("int_sigmoid", "sigmoid", torch.sigmoid, [ia], grad=False),
    case("int_tanh", "tanh", torch.tanh, [ia], grad=False),
]
write("activation", cases)
