#!/usr/bin/env bash
# The main job: installs what it needs, builds keel, and trains a small model.
# (Until the `keel` CLI lands, this is the examples/train_mlp program.)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install_deps.sh
export CCACHE_DIR="${CCACHE_DIR:-$PWD/build/.ccache}"
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" --target train_mlp
./build/release/examples/train_mlp "$@"
