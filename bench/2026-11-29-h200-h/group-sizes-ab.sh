#!/bin/bash
# 4-bit codes in groups of 64 and 32 (zeros original): plain (base) against traded words with
# segments of two or four groups (this build) at M = 1, and 2 words per lane against 4 at
# M = 16. Each build tunes its own empty cache, base first; Llama-3 8B and 70B shapes.
# Usage: OUT=dir BUILD=build-gpu BASE_BUILD=build-base bash group-sizes-ab.sh
O=${OUT:-/tmp}
formats="A=float16,W=uint4,g=64,zeros=original;A=float16,W=uint4,g=32,zeros=original"
for build in "${BASE_BUILD:-build-base}" "${BUILD:-build-gpu}"; do
  name=$(basename "$build")
  BITBLAS_CACHE=$O/groups-$name.db BITBLAS_WORKER=$PWD/$build/bitblas-worker \
    timeout 250 "$build/bitblas-bench" --preset llama-3-8b,llama-3-70b --m 1,16 \
    --formats "$formats" --csv "$O/groups-$name.csv" >"$O/groups-$name.txt" 2>&1
  echo "$name rc=$?"
  rm -f "$O/groups-$name.db"
done
