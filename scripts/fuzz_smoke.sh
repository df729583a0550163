#!/usr/bin/env bash
# Smoke fuzzing of keel's file readers (IDX, CSV, the safetensors header) with libFuzzer + ASan
# + UBSan: builds the targets in fuzz/ with clang (only the reader sources, which need nothing
# but zlib, nlohmann-json and keel's dims/dtype and allocator), writes a small seed corpus, and runs each
# target for a bounded number of inputs.
# Usage: scripts/fuzz_smoke.sh [runs per target, default 20000]
# Environment: FUZZ_CXX (default clang++-14), FUZZ_SEED (libFuzzer -seed, default 1).
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-20000}"
bash scripts/install_deps.sh clang-14 libclang-rt-14-dev zlib1g-dev libdeflate-dev nlohmann-json3-dev
cxx="${FUZZ_CXX:-clang++-14}"
out=build/fuzz
mkdir -p "$out"

flags=(-std=c++20 -O1 -g -Iinclude -Isrc -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined)
echo "== building fuzz targets with $cxx"
"$cxx" "${flags[@]}" fuzz/idx_fuzz.cpp src/io/idx.cpp src/core/allocator.cpp -lz -ldeflate -o "$out/idx_fuzz" &
idx_pid=$!
"$cxx" "${flags[@]}" fuzz/csv_fuzz.cpp src/io/csv.cpp src/io/idx.cpp src/core/allocator.cpp -lz -ldeflate -o "$out/csv_fuzz" &
csv_pid=$!
"$cxx" "${flags[@]}" fuzz/safetensors_fuzz.cpp src/io/safetensors_header.cpp src/tensor/dims.cpp \
  src/tensor/dtype.cpp src/core/dtype.cpp -o "$out/safetensors_fuzz" &
st_pid=$!
wait "$idx_pid"
wait "$csv_pid"
wait "$st_pid"

echo "== seed corpus"
seeds="$out/seeds"
rm -rf "$seeds" "$out/corpus"
for t in idx csv safetensors; do mkdir -p "$seeds/$t" "$out/corpus/$t"; done
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
# safetensors: an 8-byte little-endian header length, the JSON header, then the data.
safetensors_seed() {  # safetensors_seed JSON-HEADER DATA-AS-ESCAPES >file (ASCII headers only)
  local header="$1" len
  len=$(printf '%016x' "${#header}")
  printf '%b' "\\x${len:14:2}\\x${len:12:2}\\x${len:10:2}\\x${len:8:2}\\x${len:6:2}\\x${len:4:2}\\x${len:2:2}\\x${len:0:2}"
  printf '%s' "$header"
  printf '%b' "$2"
}
safetensors_seed '{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"BOOL","shape":[1,2],"data_offsets":[8,10]}}' \
  '\x00\x00\x80\x3f\x00\x00\x00\xc0\x01\x00' >"$seeds/safetensors/two"
safetensors_seed '{"__metadata__":{"format":"pt"},"n":{"dtype":"I64","shape":[],"data_offsets":[0,8]},"e":{"dtype":"F64","shape":[0,3],"data_offsets":[8,8]}}' \
  '\x07\x00\x00\x00\x00\x00\x00\x00' >"$seeds/safetensors/metadata"
safetensors_seed '{}' '' >"$seeds/safetensors/empty"

status=0
for target in idx csv safetensors; do
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
