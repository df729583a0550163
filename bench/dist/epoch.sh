#!/usr/bin/env bash
# One Fashion-MNIST epoch of the default MLP (configs/mlp.toml) at 1 process x 1 thread,
# 1 process x 2 threads and mpirun -np 2 x 1 thread (per-rank batch = the 1-process batch, as
# in bench/dist/run.sh), alternated ROUNDS times; prints each run's epoch time (the figure
# `keel train` prints: training and validation) and the medians, the scaling efficiency
# (throughput of 2 ranks / twice that of 1) and 2 ranks against 2 threads.
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
epoch_seconds() {  # the "N.Ns" field after the grad norm on the epoch's summary line
  grep -ao 'grad norm [0-9.e+-]* *[0-9.]*s' "$1" | tail -1 | awk '{print $NF}' | tr -d s
}
run() {  # NAME LAUNCHER... -- threads
  local name=$1 threads=$2
  shift 2
  local log="$work/$name.log"
  "$@" "$keel" train configs/mlp.toml --set train.epochs=1 "train.threads=$threads" \
    "run.dir=$work/runs" "run.name=$name-$RANDOM" >"$log" 2>&1 || { cat "$log" >&2; exit 1; }
  local s
  s=$(epoch_seconds "$log")
  echo "$name $s" | tee -a "$work/times"
}
for ((r = 1; r <= rounds; ++r)); do
  run 1x1 1
  run 1x2 2
  # Only the ranks wait passively (see bench/dist/run.sh): the 1-process runs as a user's would.
  run 2x1 1 env OMP_WAIT_POLICY=PASSIVE mpirun --allow-run-as-root -np 2 --bind-to core
done
python3 - "$work/times" <<'PY'
import statistics, sys
times = {}
for line in open(sys.argv[1]):
    name, s = line.split()
    times.setdefault(name, []).append(float(s))
med = {k: statistics.median(v) for k, v in times.items()}
images = 54000  # configs/mlp.toml: 60,000 minus the 10% validation split
print()
for k in ("1x1", "1x2", "2x1"):
    print(f"{k}: median epoch {med[k]:.2f} s ({images / med[k]:,.0f} images/s) over {times[k]}")
print(f"scaling efficiency 1 -> 2 ranks: {med['1x1'] / (2 * med['2x1']):.1%}; "
      f"2 ranks vs 1 process x 2 threads: {med['1x2'] / med['2x1']:.2f}x")
PY
