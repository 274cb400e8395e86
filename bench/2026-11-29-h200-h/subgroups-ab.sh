#!/bin/bash
# Segments of two groups (2-bit codes in groups of 128 read 16 bytes per lane, words traded)
# against the base build: each build tunes its own empty cache and benches w2a16 at M = 1, 4
# and 16 on the Llama-3 8B and 70B shapes, base first; w4a16 at M = 1 (same kernels in both
# builds) as the noise control.
# Usage: OUT=dir BUILD=build-gpu BASE_BUILD=build-base bash subgroups-ab.sh
O=${OUT:-/tmp}
for build in "${BASE_BUILD:-build-base}" "${BUILD:-build-gpu}"; do
  name=$(basename "$build")
  BITBLAS_CACHE=$O/subgroups-$name.db BITBLAS_WORKER=$PWD/$build/bitblas-worker \
    timeout 250 "$build/bitblas-bench" --preset llama-3-8b,llama-3-70b --m 1,4,16 \
    --formats w2a16 --csv "$O/subgroups-$name.csv" >"$O/subgroups-$name.txt" 2>&1
  echo "$name rc=$?"
  BITBLAS_CACHE=$O/subgroups-$name.db BITBLAS_WORKER=$PWD/$build/bitblas-worker \
    timeout 120 "$build/bitblas-bench" --preset llama-3-8b,llama-3-70b --m 1 \
    --formats w4a16 --csv "$O/subgroups-control-$name.csv" >"$O/subgroups-control-$name.txt" 2>&1
  echo "$name control rc=$?"
done
