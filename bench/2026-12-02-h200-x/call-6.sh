#!/usr/bin/env bash
# Device call 6 of the thirty-eighth session: the candidate list with the wgmma family (build-dev)
# against the list before it (build-before, ddc1121), each build tuning on its own empty cache:
# the bench of float16 x uint4 g128 (w4a16) at M = 256 and 1024 and int8 x int2 (w2a8) at
# M = 1024 on the Llama-3 8B and 70B sets.
# Usage: OUT=dir bash bench/2026-12-02-h200-x/call-6.sh
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
  n=0
  for set in "256,1024|w4a16" "1024|w2a8"; do
    n=$((n + 1))
    BITBLAS_CACHE=$O/$BUILD.db timeout 200 "$BUILD/bitblas-bench" --preset llama-3-8b,llama-3-70b \
      --m "${set%%|*}" --formats "${set#*|}" --csv "$O/bench-$BUILD-$n.csv" > "$O/bench-$BUILD-$n.txt" 2>&1
    echo "bench $BUILD $set rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
  done
done
find "$O" -name '*.db*' -delete
(cd "$OUT" && tar czf call-6.tgz call-6)
cat "$O/summary.txt"
grep -h geomean "$O"/bench-*.txt
