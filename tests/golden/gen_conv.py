"""Golden values for conv2d and the 2-D poolings (keel/nn/functional_conv.h).

Writes conv.json (conv2d) and pooling.json (max_pool2d, avg_pool2d, adaptive_avg_pool2d).
"""
import torch
import torch.nn.functional as F

from golden_util import case, write

torch.manual_seed(0)
r = lambda *s: torch.randn(*s)


def pair(v):
    return list(v) if isinstance(v, tuple) else [v, v]


conv_cases, pool_cases = [], []
for dt in (torch.float32, torch.float64):
    sfx = "_f64" if dt == torch.float64 else ""
    tol = {"atol": 1e-4, "rtol": 1e-4} if dt == torch.float32 else {}
    # name, input shape, weight shape, bias, stride, padding, dilation, groups
    conv_specs = [
        ("basic", (2, 3, 7, 6), (4, 3, 3, 3), True, 1, 0, 1, 1),
        ("pad1", (2, 3, 6, 6), (5, 3, 3, 3), True, 1, 1, 1, 1),
        ("stride2_pad", (2, 2, 9, 8), (3, 2, 3, 3), True, 2, 1, 1, 1),
        ("rect_stride_pad", (1, 3, 8, 10), (2, 3, 3, 2), True, (2, 3), (1, 2), 1, 1),
        ("dilation2", (2, 2, 9, 9), (3, 2, 3, 3), True, 1, 2, 2, 1),
        ("groups2", (2, 4, 6, 6), (6, 2, 3, 3), True, 1, 1, 1, 2),
        ("depthwise", (2, 3, 5, 5), (3, 1, 3, 3), True, 1, 1, 1, 3),
        ("no_bias", (2, 3, 6, 5), (4, 3, 2, 2), False, 1, 0, 1, 1),
        ("pointwise", (2, 5, 4, 4), (3, 5, 1, 1), True, 1, 0, 1, 1),
        ("all_options", (2, 4, 11, 10), (4, 2, 3, 2), False, (2, 1), (2, 1), (2, 3), 2),
        ("unbatched", (3, 6, 6), (4, 3, 3, 3), True, 1, 1, 1, 1),
    ]
    for name, xs, ws, has_b, st, pd, dl, g in conv_specs:
        ins = [r(*xs).to(dt), r(*ws).to(dt)] + ([r(ws[0]).to(dt)] if has_b else [])
        args = {"stride": pair(st), "padding": pair(pd), "dilation": pair(dl), "groups": g}
        fn = (lambda st, pd, dl, g: lambda x, w, b=None: F.conv2d(x, w, b, st, pd, dl, g))(st, pd, dl, g)
        conv_cases.append(case("conv2d_" + name + sfx, "conv2d", fn, ins, args, **tol))

    # name, input shape, kernel, stride, padding, dilation, ceil_mode
    max_specs = [
        ("k2", (2, 3, 6, 6), 2, None, 0, 1, False),
        ("k3s2p1", (2, 2, 7, 8), 3, 2, 1, 1, False),
        ("ceil", (1, 2, 7, 7), 2, 2, 0, 1, True),
        ("ceil_pad", (1, 2, 8, 7), 3, 2, 1, 1, True),
        ("dilation", (1, 2, 9, 9), 3, 1, 1, 2, False),
        ("rect", (2, 1, 7, 9), (2, 3), (1, 2), (1, 1), 1, True),
        ("unbatched", (2, 5, 5), 2, 1, 0, 1, False),
    ]
    for name, xs, k, st, pd, dl, cm in max_specs:
        fn = (lambda k, st, pd, dl, cm: lambda x: F.max_pool2d(x, k, st, pd, dl, cm))(k, st, pd, dl, cm)
        args = {"kernel": pair(k), "padding": pair(pd), "dilation": pair(dl), "ceil_mode": cm}
        if st is not None:
            args["stride"] = pair(st)
        pool_cases.append(case("max_pool2d_" + name + sfx, "max_pool2d", fn, [r(*xs).to(dt)], args))
    # The 2x2 stride-2 fast path: an odd size (last row and column unused), and ties and NaNs
    # (the first of equal maxima wins, a NaN wins over numbers).
    # 38 columns: 19 outputs per row, one full AVX-512 vector of them and a scalar tail.
    ties = torch.randint(0, 3, (1, 2, 6, 38)).to(dt)
    for c, y, x in [(0, 0, 1), (1, 3, 2), (1, 3, 3), (0, 4, 30), (0, 5, 17), (1, 2, 36)]:
        ties[0, c, y, x] = float("nan")
    for name, x in [("k2_odd", r(2, 2, 7, 35).to(dt)), ("k2_ties_nan", ties)]:
        pool_cases.append(case("max_pool2d_" + name + sfx, "max_pool2d", lambda x: F.max_pool2d(x, 2), [x],
                               {"kernel": [2, 2], "stride": [2, 2], "padding": [0, 0], "dilation": [1, 1],
                                "ceil_mode": False}))

    # name, input shape, kernel, stride, padding, ceil_mode, count_include_pad
    avg_specs = [
        ("k2", (2, 3, 6, 6), 2, None, 0, False, True),
        ("k3s2p1", (2, 2, 7, 8), 3, 2, 1, False, True),
        ("k3s2p1_exclude_pad", (2, 2, 7, 8), 3, 2, 1, False, False),
        ("ceil", (1, 2, 7, 7), 2, 2, 0, True, True),
        ("ceil_pad", (1, 2, 8, 7), 3, 2, 1, True, True),
        ("ceil_pad_exclude", (1, 2, 8, 7), 3, 2, 1, True, False),
        ("rect", (2, 1, 7, 9), (2, 3), (1, 2), (1, 1), True, False),
        ("unbatched", (2, 5, 5), 2, 1, 0, False, True),
    ]
    for name, xs, k, st, pd, cm, cip in avg_specs:
        fn = (lambda k, st, pd, cm, cip: lambda x: F.avg_pool2d(x, k, st, pd, cm, cip))(k, st, pd, cm, cip)
        args = {"kernel": pair(k), "padding": pair(pd), "ceil_mode": cm, "count_include_pad": cip}
        if st is not None:
            args["stride"] = pair(st)
        pool_cases.append(case("avg_pool2d_" + name + sfx, "avg_pool2d", fn, [r(*xs).to(dt)], args))

    for name, xs, out in [("shrink", (2, 3, 7, 9), (3, 4)), ("same", (1, 2, 4, 4), 4), ("grow", (1, 2, 3, 5), (5, 7)),
                          ("global", (2, 3, 5, 6), 1), ("unbatched", (2, 6, 5), (4, 3))]:
        fn = (lambda out: lambda x: F.adaptive_avg_pool2d(x, out))(out)
        pool_cases.append(case("adaptive_avg_pool2d_" + name + sfx, "adaptive_avg_pool2d", fn, [r(*xs).to(dt)],
                               {"output_size": pair(out)}))

write("conv", conv_cases)
write("pooling", pool_cases)
