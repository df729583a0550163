#!/usr/bin/env bash
# Builds and runs the side-by-side harness (keel vs LibTorch in one process) at 1 and 2
# threads. Needs Debian's libtorch-dev (installed here if missing).
# Usage: bench/run_side_by_side.sh [--threads 1,2] [--filter substring]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install_deps.sh libtorch-dev python3-torch libopenblas0-pthread
export CCACHE_DIR="${CCACHE_DIR:-$PWD/build/.ccache}"
cmake --preset bench >/dev/null
cmake --build --preset bench -j "$(nproc)" --target keel_vs_torch >/dev/null
# LibTorch's BLAS on its fastest correct kernels for this CPU (see bench/openblas_env.sh).
source bench/openblas_env.sh
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-auto}"
# LibTorch's allocations at their best too (bench/run_all.sh says why); keel's caching allocator
# does not depend on it.
GLIBC_TUNABLES=glibc.malloc.mmap_threshold=268435456:glibc.malloc.trim_threshold=1073741824 \
  ./build/bench/bench/keel_vs_torch "$@"
