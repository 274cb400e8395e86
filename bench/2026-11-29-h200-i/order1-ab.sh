#!/usr/bin/env bash
# A/B of the candidates that the two-groups rule changed in shuffled order (order 1): 2-bit codes
# in groups of 128 and 4-bit codes in groups of 64, static M = 17 and 32 and the dynamic
# operators' buckets for M 9-32, on the Llama-3 8B and 70B layers. Each build tunes its own empty
# cache; BASE_BUILD is the commit before the rule (8f30b3c).
#   OUT=... BUILD=build-gpu BASE_BUILD=build-base bash bench/2026-11-29-h200-i/order1-ab.sh
set -u
cd "$(dirname "$0")/../.."
for build in "$BASE_BUILD" "$BUILD"; do
  name=$(basename "$build")
  export BITBLAS_WORKER=$PWD/$build/bitblas-worker
  BITBLAS_CACHE=$OUT/order1-$name.db timeout 150 "$build/bitblas-bench" \
    --preset llama-3-8b,llama-3-70b --m 17,32 --formats 'w2a16;A=float16,W=uint4,g=64,zeros=original' \
    --csv "$OUT/order1-static-$name.csv" >"$OUT/order1-static-$name.txt" 2>&1
  echo "static $name: rc=$?"
  BITBLAS_CACHE=$OUT/order1-$name.db timeout 150 "$build/bitblas-bench" \
    --preset llama-3-8b,llama-3-70b --m 12,16,32 --dynamic-m --formats w2a16 \
    --csv "$OUT/order1-dynamic-$name.csv" >"$OUT/order1-dynamic-$name.txt" 2>&1
  echo "dynamic $name: rc=$?"
  grep -iE 'geomean' "$OUT/order1-static-$name.txt" "$OUT/order1-dynamic-$name.txt"
done
