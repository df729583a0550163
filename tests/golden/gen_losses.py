"""Golden values for the loss functions (keel/nn/loss.h) and nn.functional.linear."""
import torch
import torch.nn.functional as F

from golden_util import case, write

torch.manual_seed(0)
cases = []
for dt, sfx in ((torch.float32, ""), (torch.float64, "_f64")):
    x, y = torch.randn(4, 5, dtype=dt), torch.randn(4, 5, dtype=dt)
    logits = torch.randn(6, 4, dtype=dt)
    target = torch.tensor([0, 3, 1, 1, 2, 3])
    target_ign = torch.tensor([0, -100, 1, 1, 2, -100])
    w = torch.rand(4, dtype=dt) + 0.5
    logits3 = torch.randn(2, 3, 4, dtype=dt)  # (N, C, d)
    target3 = torch.tensor([[0, 2, 1, 1], [2, 2, 0, 1]])
    probs = torch.rand(3, 4, dtype=dt) * 0.9 + 0.05
    labels = (torch.rand(3, 4) > 0.5).to(dt)
    pos_w = torch.rand(4, dtype=dt) + 0.5
    bw = torch.rand(3, 4, dtype=dt)
    lw, lb, lx = torch.randn(3, 5, dtype=dt), torch.randn(3, dtype=dt), torch.randn(2, 4, 5, dtype=dt)
    # More classes than one AVX-512 vector holds: the fused kernel's vector body and its tail.
    wide, wide_target = torch.randn(5, 37, dtype=dt) * 3, torch.tensor([36, 0, 17, -100, 16])
    for red in ("mean", "sum", "none"):
        a = {"reduction": red}
        cases += [
            case("mse_" + red + sfx, "mse", lambda i, t: F.mse_loss(i, t, reduction=red), [x, y], a),
            case("l1_" + red + sfx, "l1", lambda i, t: F.l1_loss(i, t, reduction=red), [x, y], a),
            case("ce_" + red + sfx, "ce", lambda i, t: F.cross_entropy(i, t, reduction=red), [logits, target], a),
            case("ce_weight_ignore_" + red + sfx, "ce",
                 lambda i, t, ww: F.cross_entropy(i, t, weight=ww, reduction=red), [logits, target_ign, w], a, no_grad=(2,)),
            case("ce_smooth_" + red + sfx, "ce",
                 lambda i, t: F.cross_entropy(i, t, reduction=red, label_smoothing=0.1), [logits, target],
                 dict(a, label_smoothing=0.1)),
            case("ce_smooth_weight_ignore_" + red + sfx, "ce",
                 lambda i, t, ww: F.cross_entropy(i, t, weight=ww, reduction=red, label_smoothing=0.2),
                 [logits, target_ign, w], dict(a, label_smoothing=0.2), no_grad=(2,)),
            case("ce_ignore_" + red + sfx, "ce", lambda i, t: F.cross_entropy(i, t, reduction=red),
                 [logits, target_ign], a),
            case("ce_wide_" + red + sfx, "ce", lambda i, t: F.cross_entropy(i, t, reduction=red),
                 [wide, wide_target], a),
            case("ce_spatial_" + red + sfx, "ce", lambda i, t: F.cross_entropy(i, t, reduction=red),
                 [logits3, target3], a),
            case("nll_" + red + sfx, "nll", lambda i, t, ww: F.nll_loss(i, t, weight=ww, reduction=red),
                 [F.log_softmax(logits, 1), target_ign, w], a, no_grad=(2,)),
            case("bce_" + red + sfx, "bce", lambda i, t: F.binary_cross_entropy(i, t, reduction=red),
                 [probs, labels], a),
            case("bce_weight_" + red + sfx, "bce",
                 lambda i, t, ww: F.binary_cross_entropy(i, t, weight=ww, reduction=red), [probs, labels, bw], a, no_grad=(2,)),
            case("bce_logits_" + red + sfx, "bce_logits",
                 lambda i, t: F.binary_cross_entropy_with_logits(i, t, reduction=red), [x[:3, :4] * 4, labels], a),
            case("bce_logits_pos_weight_" + red + sfx, "bce_logits",
                 lambda i, t, pw: F.binary_cross_entropy_with_logits(i, t, pos_weight=pw, reduction=red),
                 [x[:3, :4] * 4, labels, pos_w], dict(a, pos_weight=True), no_grad=(2,)),
        ]
    cases += [
        case("bce_saturated" + sfx, "bce", lambda i, t: F.binary_cross_entropy(i, t),
             [torch.tensor([0.0, 1.0, 0.5], dtype=dt), torch.tensor([1.0, 0.0, 1.0], dtype=dt)], {"reduction": "mean"},
             grad=False),
        case("linear" + sfx, "linear", lambda i, ww, b: F.linear(i, ww, b), [lx, lw, lb]),
        case("linear_2d" + sfx, "linear", lambda i, ww, b: F.linear(i, ww, b), [lx[0], lw, lb]),
    ]
# Predictions of exactly 0 and 1 (after the seeded cases above, so those keep their inputs):
for dt, sfx in ((torch.float32, ""), (torch.float64, "_f64")):
    # the forward's log clamp at -100 and the backward's max(x (1 - x), 1e-12) give large finite
    # values (the target's gradient, logit(x), is inf).
    edge_x = torch.tensor([[0.0, 1.0, 0.0], [1.0, 0.5, 0.25]], dtype=dt)
    edge_t = torch.tensor([[0.0, 0.0, 1.0], [1.0, 1.0, 0.3]], dtype=dt)
    edge_w = torch.tensor([0.5, 2.0, 1.5], dtype=dt)
    for red in ("mean", "sum", "none"):
        a = {"reduction": red}
        cases += [
            case("bce_edges_" + red + sfx, "bce", lambda i, t: F.binary_cross_entropy(i, t, reduction=red),
                 [edge_x, edge_t], a),
            case("bce_edges_weight_" + red + sfx, "bce",
                 lambda i, t, ww: F.binary_cross_entropy(i, t, weight=ww, reduction=red), [edge_x, edge_t, edge_w], a,
                 no_grad=(2,)),
        ]
write("losses", cases)
