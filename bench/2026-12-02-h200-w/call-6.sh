#!/usr/bin/env bash
# Device call 6 of the thirty-seventh session: the largest batches, the candidate list with the mma
# tiles past 48 KiB (build-dev) against the list before (build-before, c244752), each build
# tuning on its own empty cache: float16 x uint4 g128 (w4a16) and int8 x int2 (w2a8) at M = 4096
# and 8192 on the Llama-3-8B set.
# Usage: OUT=dir bash bench/2026-12-02-h200-w/call-6.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-6
mkdir -p "$O"
start=$SECONDS
BUILD=build-dev
. tools/device-env.sh
device_record "$O/device.txt" >> "$O/summary.txt"
for BUILD in build-before build-dev; do
  . tools/device-env.sh
  BITBLAS_CACHE=$O/$BUILD.db timeout 200 "$BUILD/bitblas-bench" --preset llama-3-8b --m 4096,8192 \
    --formats "w4a16;w2a8" --csv "$O/bench-$BUILD.csv" > "$O/bench-$BUILD.txt" 2>&1
  echo "bench $BUILD rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
done
find "$O" -name '*.db*' -delete
(cd "$OUT" && tar czf call-6.tgz call-6)
cat "$O/summary.txt"
grep -h geomean "$O"/bench-*.txt
