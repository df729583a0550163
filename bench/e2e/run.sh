#!/usr/bin/env bash
# fashion_epoch and start-up/peak RSS: keel vs PyTorch (Debian's python3-torch), 1 and 2 threads.
# Each run is its own process. Epoch: seeds 0, 1 and 2 for each system, the median epoch time
# and the MEAN test accuracy (one seed alone moves accuracy by about half a point). Start-up:
# median of 3 runs. Prints the JSON lines and the ratios. bench/run_all.sh adds LibTorch.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/install_deps.sh libtorch-dev python3-torch dataset-fashion-mnist libopenblas0-pthread
source bench/openblas_env.sh
cmake --preset bench >/dev/null
cmake --build --preset bench --target keel_epoch >/dev/null
speedup() { python3 -c "print(round($2 / $1, 2))"; }  # keel's: PyTorch's time over keel's
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
mean() { awk '{s+=$1} END {printf "%.4f\n", s/NR}'; }
field() { python3 -c "import json,sys; print(json.loads(sys.stdin.read())['$1'])"; }
for threads in 1 2; do
  k=(); p=(); ka=(); pa=()
  for seed in 0 1 2; do
    kl=$(./build/bench/bench/keel_epoch "$threads" --seed "$seed"); echo "$kl"
    k+=("$(echo "$kl" | field epoch_s)"); ka+=("$(echo "$kl" | field test_acc)")
    pl=$(/usr/bin/python3 bench/e2e/pytorch_epoch.py "$threads" --seed "$seed"); echo "$pl"
    p+=("$(echo "$pl" | field epoch_s)"); pa+=("$(echo "$pl" | field test_acc)")
  done
  km=$(printf '%s\n' "${k[@]}" | median); pm=$(printf '%s\n' "${p[@]}" | median)
  echo "threads $threads epoch_s: keel $km, pytorch $pm, keel speedup $(speedup "$km" "$pm")x"
  echo "threads $threads test_acc (mean of seeds 0-2): keel $(printf '%s\n' "${ka[@]}" | mean)," \
       "pytorch $(printf '%s\n' "${pa[@]}" | mean)"
  k=(); p=()
  for run in 1 2 3; do
    kl=$(/usr/bin/python3 bench/e2e/launch.py ./build/bench/bench/keel_epoch "$threads" --steps 100); echo "$kl"
    k+=("$(echo "$kl" | field first_step_ms)")
    pl=$(/usr/bin/python3 bench/e2e/launch.py /usr/bin/python3 bench/e2e/pytorch_epoch.py "$threads" --steps 100); echo "$pl"
    p+=("$(echo "$pl" | field first_step_ms)")
  done
  km=$(printf '%s\n' "${k[@]}" | median); pm=$(printf '%s\n' "${p[@]}" | median)
  echo "threads $threads first_step_ms: keel $km, pytorch $pm, keel speedup $(speedup "$km" "$pm")x"
done
