#!/usr/bin/env bash
# One Fashion-MNIST epoch of the built-in default MLP (`keel train` with no config: SGD, the
# recipe configs/mlp.toml had before it moved to AdamW) at 1 process x 1 thread,
# 1 process x 2 threads and mpirun -np 2 x 1 thread (per-rank batch = the 1-process batch, as
# in bench/dist/run.sh), alternated ROUNDS times; prints each run's epoch time (training and
# validation, from metrics.csv: the median of epochs 2 and 3, since the first also warms the
# caches and rebuilds DDP's buckets) and the medians, the scaling efficiency (throughput of 2
# ranks / twice that of 1) and 2 ranks against 2 threads.
# Usage: bench/dist/epoch.sh [BUILD_DIR (default build/release)] [ROUNDS (default 3)]
set -euo pipefail
build=${1:-build/release}
rounds=${2:-3}
keel="$build/src/cli/keel"
[ -x "$keel" ] || { echo "epoch.sh: $keel not found (build with KEEL_WITH_MPI=ON)" >&2; exit 1; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
# Shared-memory copy-in/copy-out instead of CMA (process_vm_readv) between the ranks: on the
# benchmarks' VM it halved a 2.15 MB allreduce (docs/distributed.md, "Running"). Set the
# variable to cma to measure the default.
export OMPI_MCA_btl_vader_single_copy_mechanism=${OMPI_MCA_btl_vader_single_copy_mechanism:-none}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
epoch_seconds() {  # RUN_DIR: the median of epochs 2 and 3 in metrics.csv's seconds column
  python3 -c 'import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
print("%.3f" % statistics.median(float(r["seconds"]) for r in rows[1:]))' "$1/metrics.csv"
}
run() {  # NAME THREADS LAUNCHER...
  local name=$1 threads=$2
  shift 2
  local log="$work/$name.log" dir="$work/runs/$name-$RANDOM"
  "$@" "$keel" train --set train.epochs=3 "train.threads=$threads" \
    "run.dir=$(dirname "$dir")" "run.name=$(basename "$dir")" >"$log" 2>&1 || { cat "$log" >&2; exit 1; }
  local s
  s=$(epoch_seconds "$dir")
  echo "$name $s" | tee -a "$work/times"
}
# "alone": each rank's share of the work with no DDP: two 1-process runs at once, pinned to
# CPUs 0 and 1 as mpirun's --bind-to core places the ranks, each on 30,000 images (27,000 to
# train on, the 3,000 validation images of a rank). Synchronous data parallelism waits for the
# slower, so "alone" is the slower one's epoch; 2x1 / alone is DDP's own cost, apart from what
# the machine takes from two processes at once (shared caches and memory bandwidth, unequal
# vCPUs: see docs/distributed.md).
run_alone() {
  local c dirs=() pids=()
  for c in 0 1; do
    dirs[c]="$work/runs/alone$c-$RANDOM"
    taskset -c "$c" "$keel" train --set train.epochs=3 train.threads=1 data.train_subset=30000 \
      "run.dir=$(dirname "${dirs[c]}")" "run.name=$(basename "${dirs[c]}")" >"$work/alone$c.log" 2>&1 &
    pids[c]=$!
  done
  for c in 0 1; do wait "${pids[c]}" || { cat "$work/alone$c.log" >&2; exit 1; }; done
  local s0 s1
  s0=$(epoch_seconds "${dirs[0]}")
  s1=$(epoch_seconds "${dirs[1]}")
  echo "alone_cpu0 $s0" | tee -a "$work/times"
  echo "alone_cpu1 $s1" | tee -a "$work/times"
  echo "alone $(python3 -c "print(max($s0, $s1))")" | tee -a "$work/times"
}
for ((r = 1; r <= rounds; ++r)); do
  run 1x1 1
  run 1x2 2
  # Only the ranks wait passively (see bench/dist/run.sh): the 1-process runs as a user's would.
  run 2x1 1 env OMP_WAIT_POLICY=PASSIVE mpirun --allow-run-as-root -np 2 --bind-to core
  run_alone
done
python3 - "$work/times" <<'PY'
import statistics, sys
times = {}
for line in open(sys.argv[1]):
    name, s = line.split()
    times.setdefault(name, []).append(float(s))
med = {k: statistics.median(v) for k, v in times.items()}
images = 54000  # the default run: 60,000 minus the 10% validation split
print()
for k in ("1x1", "1x2", "2x1"):
    print(f"{k}: median epoch {med[k]:.3f} s ({images / med[k]:,.0f} images/s) over {times[k]}")
for k in ("alone_cpu0", "alone_cpu1", "alone"):
    print(f"{k}: median epoch {med[k]:.3f} s of 27,000 images over {times[k]}")
print(f"scaling efficiency 1 -> 2 ranks: {med['1x1'] / (2 * med['2x1']):.1%}; "
      f"2 ranks vs 1 process x 2 threads: {med['1x2'] / med['2x1']:.2f}x; "
      f"2 ranks vs alone (DDP's own cost): {med['alone'] / med['2x1']:.1%}; "
      f"the machine's bound on the efficiency (1x1 / twice alone): {med['1x1'] / (2 * med['alone']):.1%}")
PY
