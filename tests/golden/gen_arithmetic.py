"""Golden values for + - * / with broadcasting (keel/ops/elementwise.h)."""
import torch

from golden_util import case, write

torch.manual_seed(0)
r = lambda *s: torch.randn(*s)
cases = []
for dt in (torch.float32, torch.float64):
    sfx = "_f64" if dt == torch.float64 else ""
    a, b, row, col = r(3, 4).to(dt), r(3, 4).to(dt), r(4).to(dt), r(3, 1).to(dt)
    pos = (torch.rand(3, 4) + 0.5).to(dt)
    cases += [
        case("add" + sfx, "add", lambda x, y: x + y, [a, b]),
        case("add_alpha" + sfx, "add_alpha", lambda x, y: torch.add(x, y, alpha=2.5), [a, b], {"alpha": 2.5}),
        case("add_broadcast_row" + sfx, "add", lambda x, y: x + y, [a, row]),
        case("sub_broadcast_col" + sfx, "sub", lambda x, y: x - y, [a, col]),
        case("mul_outer" + sfx, "mul", lambda x, y: x * y, [col, row]),
        case("div" + sfx, "div", lambda x, y: x / y, [a, pos]),
        case("div_broadcast" + sfx, "div", lambda x, y: x / y, [row, pos]),
        case("add_scalar" + sfx, "add_scalar", lambda x: x + 1.5, [a], {"s": 1.5}),
        case("rsub_scalar" + sfx, "rsub_scalar", lambda x: 2.0 - x, [a], {"s": 2.0}),
        case("rdiv_scalar" + sfx, "rdiv_scalar", lambda x: 3.0 / x, [pos], {"s": 3.0}),
        case("neg" + sfx, "neg", lambda x: -x, [a]),
    ]
ia, ib = torch.randint(-5, 5, (2, 3)), torch.randint(1, 5, (3,))
cases += [
    case("int_add", "add", lambda x, y: x + y, [ia, ib], grad=False),
    case("int_true_div", "div", lambda x, y: x / y, [ia, ib], grad=False),
    case("int_float_promote", "mul", lambda x, y: x * y, [ia, r(3)], grad=False),
]
# In-place methods on a non-leaf (the op table's add_, sub_, mul_, div_ entries), from their own
# seed so the cases above keep their inputs.
torch.manual_seed(11)
ip_a, ip_row, ip_col, ip_pos = r(3, 4), r(4), r(3, 1), torch.rand(3, 4) + 0.5
cases += [
    case("add_inplace_alpha", "add_", lambda x, y: x.clone().add_(y, alpha=2.5), [ip_a, ip_row], {"alpha": 2.5}),
    case("sub_inplace", "sub_", lambda x, y: x.clone().sub_(y), [ip_a, ip_col]),
    case("mul_inplace", "mul_", lambda x, y: x.clone().mul_(y), [ip_a, ip_row]),
    case("div_inplace", "div_", lambda x, y: x.clone().div_(y), [ip_a, ip_pos]),
]
write("arithmetic", cases)
