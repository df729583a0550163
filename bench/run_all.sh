#!/usr/bin/env bash
# The performance issue's benchmark in one run: keel, LibTorch (Debian's libtorch-dev) and
# PyTorch (Debian's python3-torch) on this machine at 1 and 2 threads. Runs the three step
# workloads (keel_steps, libtorch_steps and pytorch_steps.py, each system in its own process), one
# Fashion-MNIST epoch per seed (keel_epoch, pytorch_epoch.py) and start-up / peak RSS
# (keel_epoch, libtorch_steps, pytorch_epoch.py with --steps 100), then prints one markdown
# table of samples/s with keel's ratios and one of start-up and peak RSS (bench/summarize.py).
# Usage: bench/run_all.sh [--quick]
#   --quick: a smoke run (3 timing rounds, seed 0 only, one start-up run), to check it works.
set -euo pipefail
cd "$(dirname "$0")/.."
quick=0
case "${1:-}" in
  "") ;;
  --quick) quick=1 ;;
  *) echo "usage: $0 [--quick]" >&2; exit 2 ;;
esac
# OpenBLAS too: without it Debian's LibTorch and PyTorch run on the reference BLAS (0.3 GFLOPS),
# which would make an unfair anchor.
bash scripts/install_deps.sh libtorch-dev python3-torch dataset-fashion-mnist libopenblas0-pthread
export CCACHE_DIR="${CCACHE_DIR:-$PWD/build/.ccache}"
cmake --preset bench >/dev/null
cmake --build --preset bench -j "$(nproc)" --target keel_steps keel_epoch libtorch_steps >/dev/null
# LibTorch's and PyTorch's BLAS on its fastest correct kernels for this CPU, measured now
# (bench/openblas_best.py; a value already set is kept). Printed with the tables.
source bench/openblas_env.sh
bin=build/bench/bench
py=/usr/bin/python3  # Debian's python3-torch lives only there
seeds=(0 1 2); startup_runs=3; rounds=11; step_repeats=3
[ "$quick" = 1 ] && { seeds=(0); startup_runs=1; rounds=3; step_repeats=1; }
results=$(mktemp)
trap 'rm -f "$results"' EXIT
# Progress goes to stderr; the JSON lines collect in $results.
run() { echo "+ $*" >&2; "$@" | tee -a "$results" >&2; }
# The anchors' step timings at their best: in a fresh process glibc's malloc returns each step's
# large temporaries (LibTorch's im2col buffers) to the kernel and faults them in again on the
# next step, which made their cnn_step 3-4x slower than the same step inside a training run
# (where freeing the loaded data raises malloc's mmap threshold). keel has its own caching
# allocator and runs without it.
anchor() { run env GLIBC_TUNABLES=glibc.malloc.mmap_threshold=268435456:glibc.malloc.trim_threshold=1073741824 "$@"; }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)," \
     "load $(cut -d' ' -f1-3 /proc/loadavg), OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-auto}"
# Each system in its own process (keel ran 10-15% slower in a process that also loads
# LibTorch), alternated and repeated; summarize.py takes the median over repeats.
for threads in 1 2; do
  for ((r = 0; r < step_repeats; ++r)); do
    run "$bin/keel_steps" all "$threads" --json
    anchor "$bin/libtorch_steps" all "$threads" --json
    anchor "$py" bench/e2e/pytorch_steps.py "$threads" --rounds "$rounds"
  done
done
for threads in 1 2; do
  for seed in "${seeds[@]}"; do
    run "$bin/keel_epoch" "$threads" --seed "$seed"
    anchor "$py" bench/e2e/pytorch_epoch.py "$threads" --seed "$seed"
  done
  # Alternate the systems so that a noisy moment does not hit one alone.
  for ((r = 0; r < startup_runs; ++r)); do
    run "$py" bench/e2e/launch.py "$bin/keel_epoch" "$threads" --steps 100
    run "$py" bench/e2e/launch.py "$bin/libtorch_steps" "$threads" --steps 100
    run "$py" bench/e2e/launch.py "$py" bench/e2e/pytorch_epoch.py "$threads" --steps 100
  done
done
echo
"$py" bench/summarize.py <"$results"
