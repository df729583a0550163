"""Finds the fastest correct OPENBLAS_CORETYPE for this CPU, so that LibTorch and PyTorch (both on
Debian's OpenBLAS) are measured at their best.

OpenBLAS 0.3.21 does not know every new CPU: on an AVX-512 Intel machine it detects Prescott
(27 GFLOPS at 1024^3) where SkylakeX runs 107-150. Each candidate runs in its own process (a
kernel the CPU lacks dies of SIGILL there, not here) and is checked against a float64 product,
since some builds compute wrong results on some CPUs.

Usage: openblas_best.py            prints the table on stderr and the best setting on stdout
                                   ("auto" when OpenBLAS's own detection wins)
       openblas_best.py --measure  (internal) one measurement in this process's environment
"""
import json
import os
import subprocess
import sys

CANDIDATES = ["auto", "Haswell", "Zen", "SkylakeX", "Cooperlake", "Sandybridge"]


def measure():
    import time

    import torch

    torch.set_num_threads(1)
    out = {}
    for n in (256, 1024):
        torch.manual_seed(0)
        a = torch.randn(n, n)
        b = torch.randn(n, n)
        ref = a.double() @ b.double()
        err = ((a @ b).double() - ref).abs().max().item() / ref.abs().max().item()
        if not err < 1e-4:
            out["error"] = f"wrong result at {n}^3 (relative error {err:.3g})"
            break
        reps = 50 if n == 256 else 5
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            for _ in range(reps):
                torch.mm(a, b)
            times.append((time.perf_counter() - t0) / reps)
        times.sort()
        out[f"gflops_{n}"] = 2 * n**3 / times[len(times) // 2] / 1e9
    print(json.dumps(out))


def main():
    results = {}
    for cand in CANDIDATES:
        env = dict(os.environ)
        env.pop("OPENBLAS_CORETYPE", None)
        env["OMP_NUM_THREADS"] = "1"
        env["OPENBLAS_NUM_THREADS"] = "1"
        if cand != "auto":
            env["OPENBLAS_CORETYPE"] = cand
        p = subprocess.run([sys.executable, __file__, "--measure"], env=env, capture_output=True, text=True)
        try:
            r = json.loads(p.stdout.strip().splitlines()[-1])
        except (IndexError, json.JSONDecodeError):
            r = {"error": f"exit {p.returncode}"}
        results[cand] = r
        if "error" in r:
            print(f"  OPENBLAS_CORETYPE={cand:<12} {r['error']}", file=sys.stderr)
        else:
            print(f"  OPENBLAS_CORETYPE={cand:<12} sgemm 256^3 {r['gflops_256']:6.1f} GFLOPS, "
                  f"1024^3 {r['gflops_1024']:6.1f} GFLOPS (1 thread)", file=sys.stderr)
    ok = {c: r for c, r in results.items() if "error" not in r}
    if not ok:
        print("auto")
        return
    # The step workloads' products are mid-sized: weigh both sizes equally.
    best = max(ok, key=lambda c: ok[c]["gflops_256"] + ok[c]["gflops_1024"])
    print(best)


if __name__ == "__main__":
    measure() if "--measure" in sys.argv else main()
