#!/usr/bin/env bash
# Two SPEC measurements not yet recorded as such:
#  1. the whole llama-3-8b preset as dynamic operators with the 8 default M buckets, 4-bit
#     weights, on an empty cache (SPEC section 5: <= 60 s), twice: first on a fresh machine
#     (NVRTC and the driver not yet in the page cache), then again on a new empty cache;
#  2. 4-bit M = 8 beside M = 1, 4 and 16 (the small-batch target: M = 4, 8, 16 within 15 % of
#     the M = 1 time).
#   OUT=... BUILD=build-gpu bash bench/2026-11-29-h200-i/preset-and-m8.sh
set -u
cd "$(dirname "$0")/../.."
export BITBLAS_WORKER=$PWD/$BUILD/bitblas-worker
for run in 1 2; do
  cache=$OUT/preset-$run.db
  rm -f "$cache"*
  start=$(date +%s%N)
  "$BUILD/bitblas-tune" --cache "$cache" --preset llama-3-8b --dynamic-m --m 1,16,1024 \
    --formats w4a16 --check >"$OUT/preset-tune-$run.txt" 2>&1
  rc=$?
  end=$(date +%s%N)
  echo "preset run $run: rc=$rc, $(((end - start) / 1000000)) ms wall (process start to exit)"
  grep -E 'dyn:|operators?:|tuned' "$OUT/preset-tune-$run.txt" | tail -n 4
done
start=$(date +%s%N)
"$BUILD/bitblas-tune" --cache "$OUT/preset-2.db" --preset llama-3-8b --dynamic-m --m 1,16,1024 \
  --formats w4a16 >"$OUT/preset-tune-warm.txt" 2>&1
echo "preset from the warm cache: rc=$?, $((($(date +%s%N) - start) / 1000000)) ms wall"
tail -n 2 "$OUT/preset-tune-warm.txt"
BITBLAS_CACHE=$OUT/m-sweep.db timeout 300 "$BUILD/bitblas-bench" --preset llama-3-8b,llama-3-70b \
  --m 1,4,8,16 --formats w4a16 --csv "$OUT/m-sweep.csv" >"$OUT/m-sweep.txt" 2>&1
echo "m sweep: rc=$?"
grep -iE 'geomean|copy bandwidth|launch floor' "$OUT/m-sweep.txt"
