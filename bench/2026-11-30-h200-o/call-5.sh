#!/usr/bin/env bash
# Device call 5 of the twenty-ninth session, on the final kernels: (1) chain-timer, the Llama-3
# 8B and 70B blocks' four layers at M = 1 and 16, 4- and 2-bit codes: build-base (1f71dc0,
# ordinary launches, no waits in the kernels) and this tree, each tuning on its own empty cache,
# in turn; (2) the four-set bench (tools/gpu-check.sh bench) on this tree, every operator tuned on
# an empty cache.
# (Calls 1-6 ran an earlier form of the tree in which dependent runs were always on; its kernels
# and launches are the final tree's with BITBLAS_DEPENDENT_LAUNCH=1. There "=0" meant the same
# kernels launched the ordinary way. bench/RESULTS.md, twenty-ninth section.)
# Usage: OUT=dir bash bench/2026-11-30-h200-o/call-5.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-5
mkdir -p "$O"
start=$SECONDS
BUILD=build-gpu
. tools/device-env.sh
device_record "$O/device.txt" >> "$O/summary.txt"
L8="6144x4096 4096x4096 28672x4096 4096x14336"
L70="10240x8192 8192x8192 57344x8192 8192x28672"
for f in w4a16 w2a16; do
  for m in 1 16; do
    for set in 8 70; do
      [ $set = 8 ] && layers=$L8 || layers=$L70
      for build in build-base build-gpu; do
        BITBLAS_CACHE=$O/chain-$build.db BITBLAS_WORKER=$PWD/$build/bitblas-worker timeout 120 \
          $build/chain-timer $f $m 50 $layers 2>&1 | sed "s/^/$build /" >> "$O/chain.txt"
        echo "chain $f M=$m $set $build rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
      done
    done
  done
done
OUT=$O/bench BUILD=build-gpu timeout 400 bash tools/gpu-check.sh bench > "$O/bench.txt" 2>&1
echo "gpu-check bench rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
find "$O" -name '*.db*' -delete
(cd "$OUT" && tar czf call-5.tgz call-5)
cat "$O/summary.txt"
grep -E "dependent_launch|added|chain  |between" "$O/chain.txt" | sed 's/  */ /g'
grep '^== \|geomean\|first op_get' "$O/bench.txt" | sed 's/  */ /g' | tail -30
