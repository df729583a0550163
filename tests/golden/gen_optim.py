"""Golden values for keel/optim (optim.json), keel/nn/penalty.h (penalty.json) and
keel/nn/utils/clip_grad.h (optim.json).

Optimizer trajectories: a fixed Linear(4,3)+ReLU+Linear(3,2) model (its initial weights are
written to the json, so keel needs no PyTorch RNG) trained on a fixed batch with MSE loss;
parameters are recorded after each of 5 steps, for float32 and float64.
"""
import json
import math
import os

import torch

from golden_util import HERE, case, encode, write

torch.manual_seed(0)
STEPS = 5

W1, B1 = torch.randn(3, 4) * 0.5, torch.randn(3) * 0.1
W2, B2 = torch.randn(2, 3) * 0.5, torch.randn(2) * 0.1
X, Y = torch.randn(8, 4), torch.randn(8, 2)


def make_model(dtype):
    m = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2)).to(dtype)
    with torch.no_grad():
        for p, v in zip(m.parameters(), (W1, B1, W2, B2)):
            p.copy_(v.to(dtype))
    return m


def torch_kwargs(opts):
    kw = dict(opts)
    if "beta1" in kw:
        kw["betas"] = (kw.pop("beta1"), kw.pop("beta2"))
    return kw


OPTIMIZERS = {"SGD": torch.optim.SGD, "Adam": torch.optim.Adam, "AdamW": torch.optim.AdamW,
              "RMSprop": torch.optim.RMSprop, "Adagrad": torch.optim.Adagrad}

CONFIGS = [
    ("SGD", {"lr": 0.01, "weight_decay": 0.01}),  # the source material's optimizer
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.9}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.5}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.01}),
    ("SGD", {"lr": 0.1, "maximize": True}),
    ("SGD", {"lr": 0.05, "momentum": 0.8, "nesterov": True, "weight_decay": 0.05, "maximize": True}),
    ("Adam", {}),
    ("Adam", {"lr": 0.01}),
    ("Adam", {"lr": 0.01, "weight_decay": 0.1}),
    ("Adam", {"lr": 0.01, "amsgrad": True}),
    ("Adam", {"lr": 0.01, "beta1": 0.8, "beta2": 0.99, "eps": 1e-6}),
    ("Adam", {"lr": 0.01, "maximize": True, "weight_decay": 0.01}),
    ("AdamW", {}),
    ("AdamW", {"lr": 0.01}),
    ("AdamW", {"lr": 0.01, "weight_decay": 0.1, "amsgrad": True}),
    ("AdamW", {"lr": 0.01, "weight_decay": 0.0}),
    ("AdamW", {"lr": 0.01, "maximize": True}),
    ("RMSprop", {}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.9}),
    ("RMSprop", {"lr": 0.01, "centered": True}),
    ("RMSprop", {"lr": 0.01, "centered": True, "momentum": 0.5, "weight_decay": 0.01}),
    ("RMSprop", {"lr": 0.01, "alpha": 0.9, "eps": 1e-6, "maximize": True}),
    ("Adagrad", {}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.1}),
    ("Adagrad", {"lr": 0.1, "weight_decay": 0.01, "initial_accumulator_value": 0.1}),
    ("Adagrad", {"lr": 0.1, "eps": 1e-6, "maximize": True}),
]


def trajectory(name, opts, dtype, groups=None):
    m = make_model(dtype)
    params = list(m.parameters())
    if groups is None:
        opt = OPTIMIZERS[name](params, **torch_kwargs(opts))
    else:  # groups: list of (param indices, option overrides)
        opt = OPTIMIZERS[name]([dict(params=[params[i] for i in idx], **torch_kwargs(o)) for idx, o in groups],
                               **torch_kwargs(opts))
    x, y = X.to(dtype), Y.to(dtype)
    steps = []
    for _ in range(STEPS):
        opt.zero_grad()
        loss = torch.nn.functional.mse_loss(m(x), y)
        loss.backward()
        opt.step()
        steps.append([encode(p) for p in params])
    return steps


optim_cases = []
for name, opts in CONFIGS:
    for dtype in (torch.float32, torch.float64):
        optim_cases.append({"optimizer": name, "options": opts, "dtype": "float64" if dtype == torch.float64 else
                            "float32", "steps": trajectory(name, opts, dtype)})
# Parameter groups with their own options.
GROUPS = [([0, 1], {"lr": 0.1}), ([2, 3], {"lr": 0.01, "momentum": 0.5})]
for dtype in (torch.float32, torch.float64):
    optim_cases.append({"optimizer": "SGD", "options": {"lr": 0.05, "momentum": 0.9}, "groups": GROUPS,
                        "dtype": "float64" if dtype == torch.float64 else "float32",
                        "steps": trajectory("SGD", {"lr": 0.05, "momentum": 0.9}, dtype, GROUPS)})

# ---- penalties ------------------------------------------------------------------------------
penalty_cases = []
for dt in (torch.float32, torch.float64):
    sfx = "_f64" if dt == torch.float64 else ""
    a, b = torch.randn(3, 4, dtype=dt), torch.randn(2, 3, dtype=dt)
    a[0, 0] = 0  # abs'(0) = 0
    penalty_cases += [
        case("l1" + sfx, "l1", lambda u, v: u.abs().sum() + v.abs().sum(), [a, b]),
        case("l2" + sfx, "l2", lambda u, v: u.pow(2).sum() + v.pow(2).sum(), [a, b]),
        case("elastic" + sfx, "elastic", lambda u, v: 0.3 * (u.abs().sum() + v.abs().sum()) +
             0.7 * (u.pow(2).sum() + v.pow(2).sum()), [a, b], {"alpha": 0.3}),
    ]

# ---- clip_grad_norm_ / clip_grad_value_ ---------------------------------------------------------
clip_cases = []
for dt in (torch.float32, torch.float64):
    grads = [torch.randn(3, 4, dtype=dt), torch.randn(5, dtype=dt) * 2, torch.randn(2, 2, 2, dtype=dt)]
    for norm_type in (1.0, 2.0, math.inf, 3.0):
        for max_norm in (1.0, 0.1, 100.0):
            ps = [torch.zeros_like(g, requires_grad=True) for g in grads]
            for p, g in zip(ps, grads):
                p.grad = g.clone()
            total = torch.nn.utils.clip_grad_norm_(ps, max_norm, norm_type)
            clip_cases.append({"kind": "norm", "norm_type": "inf" if math.isinf(norm_type) else norm_type,
                               "max_norm": max_norm, "grads": [encode(g) for g in grads], "total": encode(total),
                               "clipped": [encode(p.grad) for p in ps]})
    ps = [torch.zeros_like(g, requires_grad=True) for g in grads]
    for p, g in zip(ps, grads):
        p.grad = g.clone()
    torch.nn.utils.clip_grad_value_(ps, 0.5)
    clip_cases.append({"kind": "value", "clip_value": 0.5, "grads": [encode(g) for g in grads],
                       "clipped": [encode(p.grad) for p in ps]})

# ---- schedulers -------------------------------------------------------------------------------
S = torch.optim.lr_scheduler
SCHED_STEPS = 30
METRICS = [1.0, 0.9, 0.85, 0.85, 0.86, 0.84, 0.84, 0.84, 0.9, 0.95, 0.83, 0.83, 0.83, 0.83, 0.83,
           0.83, 0.7, 0.7, 0.71, 0.72, 0.73, 0.74, 0.75, 0.76, 0.77, 0.78, 0.79, 0.8, 0.81, 0.82]
SCHEDULERS = [
    ("StepLR", {"step_size": 7, "gamma": 0.5}, "SGD", lambda o: S.StepLR(o, 7, gamma=0.5)),
    ("StepLR", {"step_size": 3}, "SGD", lambda o: S.StepLR(o, 3)),
    ("MultiStepLR", {"milestones": [5, 12, 12, 20], "gamma": 0.5}, "SGD",
     lambda o: S.MultiStepLR(o, [5, 12, 12, 20], gamma=0.5)),
    ("ExponentialLR", {"gamma": 0.9}, "SGD", lambda o: S.ExponentialLR(o, 0.9)),
    ("CosineAnnealingLR", {"T_max": 10}, "SGD", lambda o: S.CosineAnnealingLR(o, 10)),
    ("CosineAnnealingLR", {"T_max": 7, "eta_min": 0.01}, "SGD", lambda o: S.CosineAnnealingLR(o, 7, eta_min=0.01)),
    ("LinearLR", {}, "SGD", lambda o: S.LinearLR(o)),
    ("LinearLR", {"start_factor": 0.5, "end_factor": 0.1, "total_iters": 10}, "SGD",
     lambda o: S.LinearLR(o, start_factor=0.5, end_factor=0.1, total_iters=10)),
    ("OneCycleLR", {"max_lr": 1.0, "total_steps": 31}, "SGD", lambda o: S.OneCycleLR(o, 1.0, total_steps=31)),
    ("OneCycleLR", {"max_lr": 0.5, "total_steps": 31, "anneal_strategy": "linear", "three_phase": True,
                    "div_factor": 10.0, "final_div_factor": 100.0, "pct_start": 0.25}, "SGD",
     lambda o: S.OneCycleLR(o, 0.5, total_steps=31, anneal_strategy="linear", three_phase=True, div_factor=10.0,
                            final_div_factor=100.0, pct_start=0.25)),
    ("OneCycleLR", {"max_lr": 0.01, "total_steps": 31, "base_momentum": 0.8, "max_momentum": 0.9}, "Adam",
     lambda o: S.OneCycleLR(o, 0.01, total_steps=31, base_momentum=0.8, max_momentum=0.9)),
    ("ReduceLROnPlateau", {"patience": 2}, "SGD", lambda o: S.ReduceLROnPlateau(o, patience=2)),
    ("ReduceLROnPlateau", {"mode": "max", "factor": 0.5, "patience": 1, "threshold": 0.01, "threshold_mode": "abs",
                           "cooldown": 2, "min_lr": 0.02}, "SGD",
     lambda o: S.ReduceLROnPlateau(o, mode="max", factor=0.5, patience=1, threshold=0.01, threshold_mode="abs",
                                   cooldown=2, min_lr=0.02)),
]
sched_cases = []
for name, args, opt_name, make in SCHEDULERS:
    p1, p2 = torch.zeros(2, requires_grad=True), torch.zeros(2, requires_grad=True)
    if opt_name == "SGD":
        opt = torch.optim.SGD([{"params": [p1]}, {"params": [p2], "lr": 0.05}], lr=0.1, momentum=0.9)
    else:
        opt = torch.optim.Adam([{"params": [p1]}, {"params": [p2], "lr": 0.05}], lr=0.1)
    sched = make(opt)
    mom_key = "momentum" if opt_name == "SGD" else "betas"
    mom = lambda: [g[mom_key] if mom_key == "momentum" else g["betas"][0] for g in opt.param_groups]
    lrs, moms = [[g["lr"] for g in opt.param_groups]], [mom()]
    for i in range(SCHED_STEPS):
        opt.step()
        if name == "ReduceLROnPlateau":
            sched.step(METRICS[i] if args.get("mode") != "max" else 1 - METRICS[i])
        else:
            sched.step()
        lrs.append([g["lr"] for g in opt.param_groups])
        moms.append(mom())
    sched_cases.append({"scheduler": name, "args": args, "optimizer": opt_name, "lrs": lrs, "momentums": moms,
                        "metrics": METRICS if args.get("mode") != "max" else [1 - m for m in METRICS]})

# Penalties replay through the shared golden-case format (tests/support/golden.h).
write("penalty", penalty_cases)
with open(os.path.join(HERE, "optim.json"), "w") as f:
    json.dump({"generator": "tests/golden/gen_optim.py", "torch": torch.__version__,
               "model": {"W1": encode(W1), "b1": encode(B1), "W2": encode(W2), "b2": encode(B2),
                         "x": encode(X), "y": encode(Y)},
               "optimizers": optim_cases, "clip": clip_cases,
               "schedulers": sched_cases}, f, separators=(",", ":"))
    f.write("\n")
print("wrote optim.json: %d trajectories, %d clip, %d scheduler cases" %
      (len(optim_cases), len(clip_cases), len(sched_cases)))
