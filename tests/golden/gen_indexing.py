"""Golden values for cat, stack, index_select, gather (keel/ops/indexing.h), where and
masked_fill (keel/ops/elementwise.h)."""
import torch

from golden_util import case, write

torch.manual_seed(0)
r = lambda *s: torch.randn(*s)
cases = []
for dt in (torch.float32, torch.float64):
    sfx = "_f64" if dt == torch.float64 else ""
    t = lambda *s: r(*s).to(dt)
    idx1 = torch.tensor([2, 0, 2, 1])
    gidx0 = torch.tensor([[0, 2, 1, 0], [2, 2, 0, 1]])
    gidx1 = torch.tensor([[3, 0], [1, 1], [0, 2]])
    cond = torch.rand(3, 4) > 0.5
    cases += [
        case("cat0" + sfx, "cat", lambda x, y: torch.cat([x, y], 0), [t(2, 3), t(4, 3)], {"dim": 0}),
        case("cat1" + sfx, "cat", lambda x, y, z: torch.cat([x, y, z], 1), [t(2, 3), t(2, 1), t(2, 2)], {"dim": 1}),
        case("cat_neg" + sfx, "cat", lambda x, y: torch.cat([x, y], -1), [t(2, 2, 3), t(2, 2, 2)], {"dim": -1}),
        case("cat_skip_empty" + sfx, "cat", lambda x, y: torch.cat([x, y], 0), [t(0), t(3, 2)], {"dim": 0}),
        case("stack0" + sfx, "stack", lambda x, y: torch.stack([x, y], 0), [t(2, 3), t(2, 3)], {"dim": 0}),
        case("stack_last" + sfx, "stack", lambda x, y, z: torch.stack([x, y, z], -1), [t(2, 3), t(2, 3), t(2, 3)],
             {"dim": -1}),
        case("index_select0" + sfx, "index_select", lambda x, i: torch.index_select(x, 0, i), [t(3, 4), idx1],
             {"dim": 0}),
        case("index_select1" + sfx, "index_select", lambda x, i: torch.index_select(x, 1, i), [t(2, 3, 5), idx1],
             {"dim": 1}),
        case("index_select_last" + sfx, "index_select", lambda x, i: torch.index_select(x, -1, i), [t(2, 3), idx1],
             {"dim": -1}),
        case("gather0" + sfx, "gather", lambda x, i: torch.gather(x, 0, i), [t(3, 4), gidx0], {"dim": 0}),
        case("gather1" + sfx, "gather", lambda x, i: torch.gather(x, 1, i), [t(4, 4), gidx1], {"dim": 1}),
        case("gather_3d" + sfx, "gather", lambda x, i: torch.gather(x, 1, i), [t(2, 3, 4), torch.randint(0, 3, (2, 5, 3))],
             {"dim": 1}),
        case("where" + sfx, "where", lambda c, x, y: torch.where(c, x, y), [cond, t(3, 4), t(3, 4)]),
        case("where_broadcast" + sfx, "where", lambda c, x, y: torch.where(c, x, y), [cond, t(4), t(3, 1)]),
        case("masked_fill" + sfx, "masked_fill", lambda x, m: x.masked_fill(m, -1.5), [t(3, 4), cond],
             {"value": -1.5}),
        case("masked_fill_broadcast_mask" + sfx, "masked_fill", lambda x, m: x.masked_fill(m, 2.0),
             [t(3, 4), torch.tensor([True, False, False, True])], {"value": 2.0}),
    ]
ia = torch.randint(-9, 9, (3, 4))
cases += [
    case("cat_int", "cat", lambda x, y: torch.cat([x, y], 1), [ia, torch.randint(-9, 9, (3, 2))], {"dim": 1},
         grad=False),
    case("cat_promote", "cat", lambda x, y: torch.cat([x, y], 0), [ia, r(1, 4)], {"dim": 0}, grad=False),
    case("index_select_int", "index_select", lambda x, i: torch.index_select(x, 1, i), [ia, torch.tensor([3, 3, 0])],
         {"dim": 1}, grad=False),
    case("gather_int", "gather", lambda x, i: torch.gather(x, 0, i), [ia, torch.tensor([[2, 0, 1, 1]])], {"dim": 0},
         grad=False),
    case("where_int", "where", lambda c, x, y: torch.where(c, x, y), [torch.rand(3, 4) > 0.5, ia, -ia], grad=False),
    case("masked_fill_int", "masked_fill", lambda x, m: x.masked_fill(m, 7), [ia, torch.rand(3, 4) > 0.5],
         {"value": 7.0}, grad=False),
]
# masked_fill_ in place on a non-leaf (the op table's masked_fill_ entry).
torch.manual_seed(13)
cases.append(case("masked_fill_inplace", "masked_fill_", lambda x, m: x.clone().masked_fill_(m, 2.0),
                  [torch.randn(3, 4), torch.randn(4) > 0], {"value": 2.0}))
write("indexing", cases)
