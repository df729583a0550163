#!/usr/bin/env bash
# The main job: installs what it needs (build dependencies and Debian's Fashion-MNIST),
# builds the `keel` program and trains the main MLP (configs/mlp.toml) on Fashion-MNIST.
# Arguments, if any, go to `keel train` instead, e.g. `bash scripts/run.sh configs/cnn.toml`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install_deps.sh dataset-fashion-mnist
export CCACHE_DIR="${CCACHE_DIR:-$PWD/build/.ccache}"
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" --target keel_cli
[ $# -gt 0 ] || set -- configs/mlp.toml
./build/release/src/cli/keel train "$@"
