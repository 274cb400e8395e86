#!/usr/bin/env bash
# Device call 11 of the eighteenth session: the tiled mma family loads the next k step's tiles
# into registers before multiplying the current ones (kernel_src/mma.cu). The GPU suites and
# compute-sanitizer on build-gpu; then bitblas-bench at M = 64, 128 and 256 (w4a16, Llama-3
# sets), build-base (a978944) and build-gpu alternating, each run tuning on its own empty cache.
# Usage: OUT=dir bash bench/2026-11-30-h200-d/call-11.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT
start=$SECONDS
mkdir -p "$O/call-11"
configured=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' build-base/CMakeCache.txt)
if [ -n "$configured" ] && [ ! -e "$configured" ]; then mkdir -p "$(dirname "$configured")" && ln -s "$PWD" "$configured"; fi
OUT=$O/call-11/checks BUILD=build-gpu bash tools/gpu-check.sh tests sanitizer >> "$O/call-11.txt" 2>&1
for round in 1 2; do
  for b in build-base build-gpu; do
    [ $((SECONDS - start)) -gt 480 ] && break 2
    BITBLAS_WORKER=$PWD/$b/bitblas-worker BITBLAS_CACHE=$O/call-11/ab-$b-$round.db \
      timeout 150 $b/bitblas-bench --preset llama-3-8b,llama-3-70b --m 64,128,256 --formats w4a16 \
      --csv "$O/call-11/ab-$b-$round.csv" > "$O/call-11/ab-$b-$round.txt" 2>&1
    echo "$b round $round rc=$? at $((SECONDS - start)) s: $(grep geomean "$O/call-11/ab-$b-$round.txt" | sed 's/  */ /g' | tr '\n' ';')" >> "$O/call-11.txt"
  done
done
(cd "$O" && rm -f call-11/*.db* call-11/*/*.db* && tar czf call-11.tgz call-11 call-11.txt && rm -rf call-11)
grep -v '^\[' "$O/call-11.txt" | tail -n 30
