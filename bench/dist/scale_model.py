#!/usr/bin/env python3
"""Scale-out arithmetic for data-parallel keel (docs/distributed.md, "How far it scales").

Reads the JSON lines that bench/dist/run.sh keeps (KEEL_DIST_JSON=FILE) and predicts the
scaling efficiency of mlp_step and cnn_step at 8, 64 and 512 ranks with a ring-allreduce cost
model:  T_allreduce(p, S) = 2 (p - 1) alpha + 2 (p - 1) / p * S / beta,
efficiency = t_compute / (t_compute + (1 - hidden) * T_allreduce), where t_compute is the
measured 1-process, 1-thread step time at the spec's batch, S the gradient bytes per step, and
`hidden` the share of communication overlapped with backward: 0 (none, the worst case) and the
share measured at 2 ranks (the 2-rank row's hidden_share), or the one given with --hidden. The
measured share assumes the early buckets' allreduces still fit behind the rest of backward at
p ranks: optimistic where the network is much slower than the measured shared memory.
It also prints the smallest per-rank batch that keeps 85% efficiency (compute time taken as
linear in the batch), i.e. where a model stops scaling for a fixed global batch.

Usage: python3 bench/dist/scale_model.py FILE [--hidden SHARE]
"""
import argparse
import json

# Networks: (name, alpha = per-message latency in seconds, beta = bandwidth in bytes/s).
# "this machine" is replaced by the measured shared-memory numbers between 2 ranks.
NETWORKS = [
    ("10 GbE (TCP)", 30e-6, 1.1e9),
    ("100 Gb/s InfiniBand (EDR/HDR100)", 3e-6, 11e9),
]
RANKS = (8, 64, 512)


def allreduce_s(p, size, alpha, beta):
    return 2 * (p - 1) * alpha + 2 * (p - 1) / p * size / beta


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--hidden", type=float, default=None,
                    help="share of communication hidden by overlap (default: 0 and the measured share)")
    args = ap.parse_args()
    rows = [json.loads(l) for l in open(args.file) if l.startswith("{")]
    steps = {(r["workload"], r["ranks"], r["threads"]): r for r in rows if "workload" in r}
    lat = [r for r in rows if r.get("allreduce_bytes") == 8]
    bw = [r for r in rows if r.get("allreduce_bytes", 0) > 1 << 20]
    nets = list(NETWORKS)
    if lat and bw:
        # 2 ranks: T = 2 alpha + S / beta.
        alpha = lat[0]["seconds"] / 2
        beta = bw[0]["allreduce_bytes"] / max(bw[0]["seconds"] - 2 * alpha, 1e-9)
        nets.insert(0, (f"this machine, shared memory (measured: alpha {alpha * 1e6:.1f} us, "
                        f"beta {beta / 1e9:.2f} GB/s)", alpha, beta))
    for w in ("mlp_step", "cnn_step"):
        one, two = steps.get((w, 1, 1)), steps.get((w, 2, 1))
        if not one or not two:
            continue
        t = one["step_s"]
        size = two["bytes_per_step"]
        batch = one["batch_per_rank"]
        print(f"\n{w}: compute {t * 1e3:.2f} ms per step at batch {batch} (1 thread), "
              f"{size / 1e6:.2f} MB of gradients per step")
        shares = [args.hidden] if args.hidden is not None else sorted({0.0, two.get("hidden_share", 0.0)})
        for h in shares:
            print(f"  hidden share {h:.0%}" + (" (measured at 2 ranks)" if args.hidden is None and h > 0 else ""))
            print(f"  {'network':58} " + " ".join(f"{'p=' + str(p):>8}" for p in RANKS) +
                  "   per-rank batch for 85% at p=8/64/512")
            for name, alpha, beta in nets:
                effs, mins = [], []
                for p in RANKS:
                    comm = (1 - h) * allreduce_s(p, size, alpha, beta)
                    effs.append(t / (t + comm))
                    # t * b / batch / (t * b / batch + comm) = 0.85  ->  b = 0.85 / 0.15 * comm * batch / t
                    mins.append(0.85 / 0.15 * comm * batch / t)
                print(f"  {name:58} " + " ".join(f"{e:8.0%}" for e in effs) + "   " +
                      " / ".join(f"{m:.0f}" for m in mins))

if __name__ == "__main__":
    main()
