#!/usr/bin/env bash
# Smoke fuzzing of keel's file readers (IDX, CSV) with libFuzzer + ASan + UBSan: builds the
# targets in fuzz/ with clang (only the reader sources, which need nothing but zlib), writes
# a small seed corpus, and runs each target for a bounded number of inputs.
# Usage: scripts/fuzz_smoke.sh [runs per target, default 20000]
# Environment: FUZZ_CXX (default clang++-14), FUZZ_SEED (libFuzzer -seed, default 1).
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-20000}"
bash scripts/install_deps.sh clang-14 libclang-rt-14-dev zlib1g-dev
cxx="${FUZZ_CXX:-clang++-14}"
out=build/fuzz
mkdir -p "$out"

flags=(-std=c++20 -O1 -g -Iinclude -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined)
echo "== building fuzz targets with $cxx"
"$cxx" "${flags[@]}" fuzz/idx_fuzz.cpp src/io/idx.cpp -lz -o "$out/idx_fuzz" &
idx_pid=$!
"$cxx" "${flags[@]}" fuzz/csv_fuzz.cpp src/io/csv.cpp src/io/idx.cpp -lz -o "$out/csv_fuzz" &
csv_pid=$!
wait "$idx_pid"
wait "$csv_pid"

echo "== seed corpus"
seeds="$out/seeds"
rm -rf "$seeds" "$out/corpus"
mkdir -p "$seeds/idx" "$seeds/csv" "$out/corpus/idx" "$out/corpus/csv"
# IDX: 3 uint8 labels; two 2x2 uint8 images; one int16 and one float32 value; each also gzipped.
printf '\x00\x00\x08\x01\x00\x00\x00\x03\x01\x02\x09' >"$seeds/idx/labels"
printf '\x00\x00\x08\x03\x00\x00\x00\x02\x00\x00\x00\x02\x00\x00\x00\x02\x00\x10\x20\x30\x40\x50\x60\xff' \
  >"$seeds/idx/images"
printf '\x00\x00\x0b\x01\x00\x00\x00\x01\xff\xfe' >"$seeds/idx/int16"
printf '\x00\x00\x0d\x02\x00\x00\x00\x01\x00\x00\x00\x01\x3f\xc0\x00\x00' >"$seeds/idx/float32"
for f in "$seeds"/idx/*; do gzip -9 -c "$f" >"$f.gz"; done
# CSV: the first byte selects the reader's options (see fuzz/csv_fuzz.cpp).
printf '\x00x1,x2,y\n1.5,-2,0\n3e2,4,1\n' >"$seeds/csv/header"
printf '\x01# c\r\n1,2,3\r\n\r\n4,5,6\r\n' >"$seeds/csv/plain"
printf '\x09a,"b ""q""",y\n +1 , .5 , 2.0\n' >"$seeds/csv/quoted"
printf '\x83a;b;y\n1;2;3\n' >"$seeds/csv/semicolon"

status=0
for target in idx csv; do
  echo "== fuzzing the $target reader: $runs runs"
  if ! "$out/${target}_fuzz" -runs="$runs" -seed="${FUZZ_SEED:-1}" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
      -artifact_prefix="$out/${target}_" -print_final_stats=1 "$out/corpus/$target" "$seeds/$target" \
      >"$out/${target}.log" 2>&1; then
    echo "FAILED: see $out/${target}.log and the crash input $out/${target}_*" >&2
    tail -40 "$out/${target}.log" >&2
    status=1
  else
    grep -E "stat::number_of_executed_units|cov:" "$out/${target}.log" | tail -2
  fi
done
exit $status
