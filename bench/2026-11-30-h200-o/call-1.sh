#!/usr/bin/env bash
# Device call 1 of the twenty-ninth session: every run's kernels launched as programmatic
# dependents of the kernel before them (sm_90), each kernel waiting for the grids before it
# before its first load. (1) chain-timer: the Llama-3 8B and 70B blocks' four layers at M = 1
# and 16, 4- and 2-bit codes, with dependent launches and with BITBLAS_DEPENDENT_LAUNCH=0, on
# one cache (the same kernels); (2) tools/gpu-check.sh ab: the operators alone, build-base
# (1f71dc0, before this change) against this tree, each tuning on its own empty cache.
# (Calls 1-6 ran an earlier form of the tree in which dependent runs were always on; its kernels
# and launches are the final tree's with BITBLAS_DEPENDENT_LAUNCH=1. There "=0" meant the same
# kernels launched the ordinary way. bench/RESULTS.md, twenty-ninth section.)
# Usage: OUT=dir bash bench/2026-11-30-h200-o/call-1.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-1
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
      for dl in 1 0; do
        BITBLAS_CACHE=$O/chain.db BITBLAS_DEPENDENT_LAUNCH=$dl timeout 120 \
          build-gpu/chain-timer $f $m 50 $layers >> "$O/chain.txt" 2>&1
        echo "chain $f M=$m $set dl=$dl rc=$?" >> "$O/summary.txt"
      done
    done
  done
done
echo "chain done at $((SECONDS - start)) s" >> "$O/summary.txt"
OUT=$O/ab BUILD=build-gpu BASE_BUILD=build-base timeout 420 bash tools/gpu-check.sh ab > "$O/ab.txt" 2>&1
echo "gpu-check ab rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
rm -f "$O"/ab/*.db* "$O"/*.db*
(cd "$OUT" && tar czf call-1.tgz call-1)
cat "$O/summary.txt"
grep -E "dependent_launch|added|chain  |between" "$O/chain.txt" | sed 's/  */ /g'
grep '^== \|geomean' "$O/ab.txt" | sed 's/  */ /g'
