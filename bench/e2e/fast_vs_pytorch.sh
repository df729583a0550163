#!/usr/bin/env bash
# configs/fast.toml in keel against the same recipe in PyTorch 1.13 (bench/e2e/fast_pytorch.py),
# both at 1 thread, each run its own process, alternating keel and PyTorch (RUNS of each,
# default 3). Prints every run and the medians:
# - keel train_s: the sum of the epochs' seconds in metrics.csv (the training alone; fast.toml
#   has no validation split, so no evaluation is inside it); keel wall_s: the whole
#   `keel train` process (loading, checkpoints, the test evaluation included). keel evaluates the
#   test set once, after the last epoch; a run whose accuracy is under 90% is flagged.
# - PyTorch train_s: the training time until the first epoch whose test accuracy is >= 90%
#   (the test set is evaluated after every epoch, off the clock).
# The ratio is PyTorch's train_s over keel's (and over keel's whole wall time).
# PyTorch runs on OpenBLAS: Debian's python3-torch calls libblas.so.3, which without OpenBLAS is
# the reference BLAS (24x slower on a 128x784x512 product). KEEL_OPENBLAS_DIR names a directory
# holding OpenBLAS's libblas.so.3 (e.g. one unpacked with `apt-get download` and `dpkg -x`);
# otherwise libopenblas0-pthread is installed, as bench/e2e/run.sh does.
#   bench/e2e/fast_vs_pytorch.sh [RUNS]   (after cmake --build --preset release)
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-3}
blas_dir=${KEEL_OPENBLAS_DIR:-/usr/lib/x86_64-linux-gnu/openblas-pthread}
if [ ! -e "$blas_dir/libblas.so.3" ]; then
  bash scripts/install_deps.sh python3-torch libopenblas0-pthread
  blas_dir=/usr/lib/x86_64-linux-gnu/openblas-pthread
fi
keel=build/release/src/cli/keel
config=configs/fast.toml
[ -x "$keel" ] || { echo "fast_vs_pytorch.sh: build keel first (cmake --build --preset release)" >&2; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2)}'; }
field() { python3 -c "import json,sys; v=json.loads(sys.stdin.read())['$1']; print(v if v is not None else 'nan')"; }
k_train=(); k_wall=(); p_train=()
for run in $(seq "$runs"); do
  echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
  start=$(date +%s.%N)
  if ! "$keel" train "$config" --set train.threads=1 --run-dir "$out/keel" --overwrite </dev/null >"$out/keel.log" 2>&1; then
    cat "$out/keel.log" >&2
    exit 1
  fi
  end=$(date +%s.%N)
  acc=$(grep -o 'test accuracy [0-9.]*' "$out/keel.log" | awk '{print $3}')
  train_s=$(awk -F, 'NR > 1 {s += $NF} END {printf "%.3f", s}' "$out/keel/metrics.csv")
  wall_s=$(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.3f", b - a}')
  flag=$(awk -v a="$acc" 'BEGIN {print (a >= 90 ? "" : " (UNDER 90%)")}')
  echo "keel run $run: test accuracy $acc%$flag, train_s $train_s, wall_s $wall_s"
  k_train+=("$train_s"); k_wall+=("$wall_s")
  line=$(LD_LIBRARY_PATH="$blas_dir" /usr/bin/python3 bench/e2e/fast_pytorch.py "$config" --threads 1 --seed "$((run - 1))")
  echo "pytorch run $run: $line"
  p_train+=("$(echo "$line" | field train_s_to_target)")
done
kt=$(printf '%s\n' "${k_train[@]}" | median)
kw=$(printf '%s\n' "${k_wall[@]}" | median)
pt=$(printf '%s\n' "${p_train[@]}" | median)
echo "median of $runs: keel train_s $kt (wall_s $kw), pytorch train_s to 90% $pt"
# A PyTorch run that never reached 90% counts as nan, and so does any median it enters.
python3 -c "print('pytorch / keel: %.2fx (training time), %.2fx (keel whole process)' % (float('$pt') / $kt, float('$pt') / $kw))"
