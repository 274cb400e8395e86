#!/usr/bin/env bash
# Device call 3 of the thirty-seventh session: the candidate list with three tiles past 48 KiB
# of shared memory (build-dev) against the list before (build-before, c244752), each build tuning
# on its own empty cache: the bench of float16 x uint4 g128 (w4a16) at M = 64, 128, 256 and 1024,
# bfloat16 x uint4 (w4a16-bf16) at M = 256 and int8 x int2 (w2a8) at M = 256 and 1024, on the
# Llama-3 8B and 70B sets. Then schedule-timer on two tiles bound to two blocks per SM.
# Usage: OUT=dir bash bench/2026-12-02-h200-w/call-3.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-3
mkdir -p "$O"
start=$SECONDS
BUILD=build-dev
. tools/device-env.sh
device_record "$O/device.txt" >> "$O/summary.txt"
for BUILD in build-before build-dev; do
  . tools/device-env.sh
  n=0
  for set in "64,128,256,1024|w4a16" "256|w4a16-bf16" "256,1024|w2a8"; do
    n=$((n + 1))
    BITBLAS_CACHE=$O/$BUILD.db timeout 200 "$BUILD/bitblas-bench" --preset llama-3-8b,llama-3-70b \
      --m "${set%%|*}" --formats "${set#*|}" --csv "$O/bench-$BUILD-$n.csv" > "$O/bench-$BUILD-$n.txt" 2>&1
    echo "bench $BUILD $set rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
  done
done
BUILD=build-dev
. tools/device-env.sh
for mb in 2; do
  MIN_BLOCKS=$mb timeout 60 build-dev/schedule-timer w4a16 1024 8192 8192 \
    "mma bm=128 bn=128 bk=64 warps=2x4 stages=3" "mma bm=64 bn=128 bk=64 warps=2x2 stages=4" >> "$O/bound.txt" 2>&1
  MIN_BLOCKS=$mb timeout 60 build-dev/schedule-timer w4a16 256 8192 8192 \
    "mma bm=128 bn=128 bk=64 warps=2x4 stages=3" "mma bm=64 bn=128 bk=64 warps=2x2 stages=4" >> "$O/bound.txt" 2>&1
done
echo "bound at $((SECONDS - start)) s" >> "$O/summary.txt"
find "$O" -name '*.db*' -delete
(cd "$OUT" && tar czf call-3.tgz call-3)
cat "$O/summary.txt"
grep -h geomean "$O"/bench-*.txt
sed 's/ | / | /' "$O/bound.txt" | cut -c1-140
