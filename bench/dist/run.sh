#!/usr/bin/env bash
# Data-parallel scaling of mlp_step and cnn_step: 1 process x 1 thread, 1 process x 2 threads,
# and mpirun -np 2 x 1 thread (per-rank batch = the 1-process batch), then the scaling
# efficiency (throughput of 2 ranks / twice that of 1), the communication per step and the
# share of it hidden by overlap, and allreduce latency (8 B) and bandwidth (25 MiB).
# Usage: bench/dist/run.sh [BUILD_DIR] [extra keel_dist_bench args, e.g. --bucket-mb 1]
# BUILD_DIR (default build/bench) must be configured with -DKEEL_BUILD_BENCH=ON -DKEEL_WITH_MPI=ON.
set -euo pipefail
build=${1:-build/bench}
shift || true
bin="$build/bench/keel_dist_bench"
[ -x "$bin" ] || { echo "run.sh: $bin not found (configure with -DKEEL_BUILD_BENCH=ON -DKEEL_WITH_MPI=ON)" >&2; exit 1; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
# Shared-memory copy-in/copy-out instead of CMA (process_vm_readv) between the ranks: on the
# benchmarks' VM it halved a 2.15 MB allreduce (docs/distributed.md, "Running"). Set the
# variable to cma to measure the default.
export OMPI_MCA_btl_vader_single_copy_mechanism=${OMPI_MCA_btl_vader_single_copy_mechanism:-none}
# A rank's communication thread shares its core with the compute thread (--bind-to core below);
# while an early bucket's allreduce waits for the other rank, OpenMPI's polling yields the core
# instead of spinning on it.
export OMPI_MCA_mpi_yield_when_idle=${OMPI_MCA_mpi_yield_when_idle:-1}
# KEEL_DIST_JSON=FILE keeps the measurements (JSON lines) for bench/dist/scale_model.py.
if [ -n "${KEEL_DIST_JSON:-}" ]; then
  out=$KEEL_DIST_JSON
  : >"$out"
else
  out=$(mktemp)
  trap 'rm -f "$out"' EXIT
fi
"$bin" all --threads 1 "$@" | tee -a "$out"
"$bin" all --threads 2 "$@" | tee -a "$out"
# The 1-process layouts run with OpenMP's default waiting (spinning a while before sleeping), as
# keel_steps and a user's run do: the 2-thread process, the baseline the ranks must beat, at its
# best (a PASSIVE policy made its MLP step 1.0-1.3x the 1-thread one instead of 1.7x on Zen 5).
# The ranks have one OpenMP thread each, so no OpenMP thread waits there; PASSIVE is for a rank
# run with more threads, whose idle workers would otherwise spin on the communication thread's core.
# --bind-to core: one core per rank, as on a cluster node with one rank per core or socket.
OMP_WAIT_POLICY=PASSIVE mpirun --allow-run-as-root -np 2 --bind-to core "$bin" all --threads 1 "$@" | tee -a "$out"
python3 - "$out" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
steps = {(r["workload"], r["ranks"], r["threads"]): r for r in rows if "workload" in r}
print()
print(f"{'workload':10} {'1x1 samples/s':>14} {'1x2 samples/s':>14} {'2x1 samples/s':>14} {'efficiency':>10} "
      f"{'comm ms':>8} {'wait ms':>8} {'hidden':>7} {'2x1 alone':>10} {'of alone':>9}")
for w in ("mlp_step", "cnn_step"):
    one, two_threads, two_ranks = steps.get((w, 1, 1)), steps.get((w, 1, 2)), steps.get((w, 2, 1))
    if not (one and two_threads and two_ranks):
        continue
    eff = two_ranks["samples_per_s"] / (2 * one["samples_per_s"])
    print(f"{w:10} {one['samples_per_s']:14.0f} {two_threads['samples_per_s']:14.0f} "
          f"{two_ranks['samples_per_s']:14.0f} {eff:10.1%} {two_ranks['comm_s'] * 1e3:8.2f} "
          f"{two_ranks['wait_s'] * 1e3:8.2f} {two_ranks['hidden_share']:7.0%} "
          f"{two_ranks['alone_samples_per_s']:10.0f} {two_ranks['samples_per_s'] / two_ranks['alone_samples_per_s']:9.1%}")
for r in rows:
    if "allreduce_bytes" in r:
        print(f"allreduce {r['allreduce_bytes']:>9} B over {r['ranks']} ranks: {r['seconds'] * 1e6:10.1f} us "
              f"({r['bus_gb_per_s']:.2f} GB/s bus bandwidth)")
PY
