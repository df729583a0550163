#!/usr/bin/env bash
# fashion_epoch and start-up/peak RSS: keel vs PyTorch (Debian's python3-torch), 1 and 2 threads.
# Each run is its own process; medians of 3 runs. Prints JSON lines and the ratios.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/install_deps.sh libtorch-dev python3-torch dataset-fashion-mnist
export OPENBLAS_CORETYPE="${OPENBLAS_CORETYPE:-Haswell}"
cmake --preset bench >/dev/null
cmake --build --preset bench --target keel_epoch >/dev/null
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
field() { python3 -c "import json,sys; print(json.loads(sys.stdin.read())['$1'])"; }
for threads in 1 2; do
  for mode in epoch steps; do
    args=("$threads"); [ "$mode" = steps ] && args+=(--steps 100)
    key=$([ "$mode" = epoch ] && echo epoch_s || echo first_step_ms)
    k=(); p=()
    for run in 1 2 3; do
      kl=$(./build/bench/bench/keel_epoch "${args[@]}"); echo "$kl"; k+=("$(echo "$kl" | field "$key")")
      pl=$(/usr/bin/python3 bench/e2e/pytorch_epoch.py "${args[@]}"); echo "$pl"; p+=("$(echo "$pl" | field "$key")")
    done
    km=$(printf '%s\n' "${k[@]}" | median); pm=$(printf '%s\n' "${p[@]}" | median)
    echo "threads $threads $key: keel $km, pytorch $pm, keel speedup $(python3 -c "print(round($pm/$km, 2))")x"
  done
done
