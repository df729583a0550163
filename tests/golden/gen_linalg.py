"""Golden values for matmul, mm, bmm and addmm (keel/ops/linalg.h)."""
import torch

from golden_util import case, write

torch.manual_seed(0)
r = lambda *s: torch.randn(*s)
cases = []
for dt in (torch.float32, torch.float64):
    sfx = "_f64" if dt == torch.float64 else ""
    t = lambda *s: r(*s).to(dt)
    mm = lambda x, y: torch.matmul(x, y)
    # Transposed operands are recorded contiguous; the C++ side transposes them back (args).
    cases += [
        case("dot" + sfx, "matmul", mm, [t(5), t(5)]),
        case("mv" + sfx, "matmul", mm, [t(3, 5), t(5)]),
        case("vm" + sfx, "matmul", mm, [t(5), t(5, 4)]),
        case("mm" + sfx, "matmul", mm, [t(3, 5), t(5, 4)]),
        case("mm_fn" + sfx, "mm", torch.mm, [t(3, 5), t(5, 4)]),
        case("mm_ta" + sfx, "matmul_t", lambda x, y: torch.matmul(x.t(), y), [t(5, 3), t(5, 4)],
             {"ta": True, "tb": False}),
        case("mm_tb" + sfx, "matmul_t", lambda x, y: torch.matmul(x, y.t()), [t(3, 5), t(4, 5)],
             {"ta": False, "tb": True}),
        case("mm_tab" + sfx, "matmul_t", lambda x, y: torch.matmul(x.t(), y.t()), [t(5, 3), t(4, 5)],
             {"ta": True, "tb": True}),
        case("bmm" + sfx, "bmm", torch.bmm, [t(2, 3, 5), t(2, 5, 4)]),
        case("batched_same" + sfx, "matmul", mm, [t(2, 3, 3, 5), t(2, 3, 5, 4)]),
        case("batched_broadcast" + sfx, "matmul", mm, [t(2, 1, 3, 5), t(4, 5, 2)]),
        case("batched_broadcast_4d" + sfx, "matmul", mm, [t(3, 1, 2, 4), t(1, 2, 4, 3)]),
        case("nd_2d" + sfx, "matmul", mm, [t(2, 3, 3, 5), t(5, 4)]),
        case("2d_nd" + sfx, "matmul", mm, [t(3, 5), t(2, 5, 4)]),
        case("nd_1d" + sfx, "matmul", mm, [t(2, 3, 5), t(5)]),
        case("1d_nd" + sfx, "matmul", mm, [t(5), t(2, 3, 5, 4)]),
        case("batched_ta" + sfx, "matmul_t", lambda x, y: torch.matmul(x.transpose(-1, -2), y),
             [t(2, 5, 3), t(2, 5, 4)], {"ta": True, "tb": False}),
        case("batched_tb_broadcast" + sfx, "matmul_t", lambda x, y: torch.matmul(x, y.transpose(-1, -2)),
             [t(2, 2, 3, 5), t(4, 5)], {"ta": False, "tb": True}),
        case("addmm" + sfx, "addmm", torch.addmm, [t(3, 4), t(3, 5), t(5, 4)], {"beta": 1.0, "alpha": 1.0}),
        case("addmm_row_bias" + sfx, "addmm", lambda c, x, y: torch.addmm(c, x, y, beta=0.5, alpha=2.0),
             [t(4), t(3, 5), t(5, 4)], {"beta": 0.5, "alpha": 2.0}),
        case("addmm_col_bias" + sfx, "addmm", lambda c, x, y: torch.addmm(c, x, y, beta=-1.5, alpha=0.25),
             [t(3, 1), t(3, 5), t(5, 4)], {"beta": -1.5, "alpha": 0.25}),
    ]
ia, ib = torch.randint(-5, 5, (2, 3, 4)), torch.randint(-5, 5, (4, 2))
cases += [
    case("int64_batched", "matmul", torch.matmul, [ia, ib], grad=False),
    case("int64_dot", "matmul", torch.matmul, [torch.randint(-5, 5, (6,)), torch.randint(-5, 5, (6,))],
         grad=False),
]
write("linalg", cases)
