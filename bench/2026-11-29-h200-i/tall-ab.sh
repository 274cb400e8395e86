#!/usr/bin/env bash
# Tuned A/B of the 48- and 64-row candidates at M = 8 (offered from M = 5 where N >= 32768):
# every layer of N >= 32768 in the Llama-3 and BitBLAS sets, 4-bit codes, and 57344 x 8192 with
# 2- and 1-bit codes. Each build tunes its own empty cache. Then the 4-bit Llama-3 layers at
# M = 1, 4, 8 and 16 with this build (the small-batch target's ratios).
#   OUT=... BUILD=build-gpu BASE_BUILD=build-base bash bench/2026-11-29-h200-i/tall-ab.sh
set -u
cd "$(dirname "$0")/../.."
shapes='8,57344,8192;8,43008,14336;8,57344,14336;8,36864,9216'
for build in "$BASE_BUILD" "$BUILD"; do
  name=$(basename "$build")
  export BITBLAS_WORKER=$PWD/$build/bitblas-worker
  BITBLAS_CACHE=$OUT/tall-$name.db timeout 200 "$build/bitblas-bench" --shapes "$shapes" \
    --formats w4a16 --csv "$OUT/tall-w4-$name.csv" >"$OUT/tall-w4-$name.txt" 2>&1
  echo "w4a16 $name: rc=$?"
  BITBLAS_CACHE=$OUT/tall-$name.db timeout 100 "$build/bitblas-bench" --shapes '8,57344,8192' \
    --formats w2a16,w1a16 --csv "$OUT/tall-low-$name.csv" >"$OUT/tall-low-$name.txt" 2>&1
  echo "w2a16,w1a16 $name: rc=$?"
done
export BITBLAS_WORKER=$PWD/$BUILD/bitblas-worker
BITBLAS_CACHE=$OUT/m-sweep.db timeout 300 "$BUILD/bitblas-bench" --preset llama-3-8b,llama-3-70b \
  --m 1,4,8,16 --formats w4a16 --csv "$OUT/m-sweep-final.csv" >"$OUT/m-sweep-final.txt" 2>&1
echo "m sweep: rc=$?"
grep -iE 'geomean|copy bandwidth|launch floor' "$OUT/m-sweep-final.txt"
