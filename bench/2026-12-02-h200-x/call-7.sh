#!/usr/bin/env bash
# Device call 7 of the thirty-eighth session: the large batches of the SPEC's targets with the
# wgmma family (build-dev, tuning on an empty cache): float16 x uint4 g128 (w4a16) at M = 4096 and
# 8192 and int8 x int2 (w2a8) at M = 8192 on the Llama-3-8B set.
# Usage: OUT=dir bash bench/2026-12-02-h200-x/call-7.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-7
mkdir -p "$O"
start=$SECONDS
BUILD=build-dev
. tools/device-env.sh
device_record "$O/device.txt" >> "$O/summary.txt"
n=0
for set in "4096,8192|w4a16" "8192|w2a8"; do
  n=$((n + 1))
  BITBLAS_CACHE=$O/cache.db timeout 240 "$BUILD/bitblas-bench" --preset llama-3-8b \
    --m "${set%%|*}" --formats "${set#*|}" --csv "$O/bench-$n.csv" > "$O/bench-$n.txt" 2>&1
  echo "bench $set rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
done
find "$O" -name '*.db*' -delete
(cd "$OUT" && tar czf call-7.tgz call-7)
cat "$O/summary.txt"
grep -h geomean "$O"/bench-*.txt
