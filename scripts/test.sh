#!/usr/bin/env bash
# The whole test suite, from a fresh Debian 12 machine: installs what it needs, builds the
# optimized tests and an ASan+UBSan build of them, runs both under CTest, then checks that
# an installed keel is usable from another CMake project via find_package(keel); the file
# readers get a bounded smoke fuzz.
set -euo pipefail
cd "$(dirname "$0")/.."
# The data set and python3-torch let the Fashion-MNIST and PyTorch-interop tests run too.
bash scripts/install_deps.sh dataset-fashion-mnist python3-torch
export CCACHE_DIR="${CCACHE_DIR:-$PWD/build/.ccache}"
jobs=$(nproc)

echo "== release build and tests"
cmake --preset release
cmake --build --preset release -j "$jobs"
ctest --preset release -j "$jobs"

echo "== ASan+UBSan build and tests"
# allocator_may_return_null: an impossible allocation must reach keel's own error (tested), as
# it does outside ASan, instead of ASan aborting the process.
cmake --preset asan
cmake --build --preset asan -j "$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:allocator_may_return_null=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --preset asan -j "$jobs"

echo "== smoke fuzz of the file readers (libFuzzer, bounded runs)"
bash scripts/fuzz_smoke.sh

echo "== install and find_package(keel)"
prefix="$PWD/build/install"
rm -rf "$prefix" build/consumer
cmake --install build/release --prefix "$prefix"
cmake -S tests/install_consumer -B build/consumer -G Ninja -DCMAKE_PREFIX_PATH="$prefix"
cmake --build build/consumer
./build/consumer/consumer
echo "All tests passed."
