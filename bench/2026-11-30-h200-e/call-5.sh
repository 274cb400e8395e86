#!/usr/bin/env bash
# Device call 5 of the nineteenth session, on the final code (the mma list with 128 x 128 x 32 of
# 4 warps in place of 16 x 128 x 32): the GPU suites and compute-sanitizer, then bitblas-bench
# at M = 32-256 and 1024 (w4a16, Llama-3 sets) tuning on an empty cache.
# Usage: OUT=dir bash bench/2026-11-30-h200-e/call-5.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-5
mkdir -p "$O"
start=$SECONDS
OUT=$O/checks BUILD=build-gpu bash tools/gpu-check.sh tests sanitizer > "$O/checks.txt" 2>&1
echo "checks done at $((SECONDS - start)) s" >> "$O/summary.txt"
export BITBLAS_WORKER=$PWD/build-gpu/bitblas-worker
BITBLAS_CACHE=$O/bench.db timeout 110 build-gpu/bitblas-bench --preset llama-3-8b,llama-3-70b \
  --m 32,64,128,256 --formats w4a16 --csv "$O/bench-mid.csv" > "$O/bench-mid.txt" 2>&1
echo "bench M=32-256 rc=$? at $((SECONDS - start)) s: $(grep geomean "$O/bench-mid.txt" | sed 's/  */ /g' | tr '\n' ';')" >> "$O/summary.txt"
left=$((370 - (SECONDS - start)))
if [ $left -gt 30 ]; then
  BITBLAS_CACHE=$O/bench.db timeout $left build-gpu/bitblas-bench --preset llama-3-8b,llama-3-70b \
    --m 1024 --formats w4a16 --csv "$O/bench-1024.csv" > "$O/bench-1024.txt" 2>&1
  echo "bench M=1024 rc=$? at $((SECONDS - start)) s: $(grep geomean "$O/bench-1024.txt" | sed 's/  */ /g' | tr '\n' ';')" >> "$O/summary.txt"
fi
rm -f "$O"/*.db* "$O"/checks/*.db*
(cd "$OUT" && tar czf call-5.tgz call-5)
grep -v '^\[' "$O/checks.txt" | tail -n 4
cat "$O/summary.txt"
rm -rf "$O"
