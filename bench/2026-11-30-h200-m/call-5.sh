#!/usr/bin/env bash
# Device call 5 of the twenty-seventh session: hot-timer.c with two more variants, to see
# whether the mma.sync work itself sets the 4-bit M = 16 time: no-act-sums (no mma for the
# activations' sums, a quarter of the kernel's mma) and one-m-mma (the codes' mma for the first
# 8 rows of A only, a third more). Every variant at the as-is kernel's blocks per SM (BLOCKS).
# Usage: OUT=dir bash bench/2026-11-30-h200-m/call-5.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-5
mkdir -p "$O"
start=$SECONDS
BUILD=build-gpu
. tools/device-env.sh
device_record "$O/device.txt" > /dev/null
export BITBLAS_WORKER=$PWD/build-gpu/bitblas-worker BITBLAS_CACHE=$O/cache.db
T=build-gpu/hot-timer
s() { echo "tcgemv warps=$1 n_tiles=$2 m_tiles=$3 unroll=$4 words=4 post=$5 stages=2 order=2"; }
{
  BLOCKS=3 $T w4a16 16 57344 8192 "$(s 4 3 2 1 1)"
  BLOCKS=2 $T w4a16 16 8192 8192 "$(s 8 2 2 1 1)"
  BLOCKS=2 $T w4a16 16 8192 28672 "$(s 8 2 2 1 1)"
  BLOCKS=6 $T w4a16 16 28672 4096 "$(s 2 3 2 1 1)"
  BLOCKS=3 $T w4a16 1 57344 8192 "$(s 8 2 1 1 1)"
} > "$O/hot.txt" 2>&1
echo "hot done at $((SECONDS - start)) s"
M="smsp__inst_executed.sum,smsp__pipe_tensor_op_hmma_cycles_active.avg.pct_of_peak_sustained_active,smsp__inst_executed_pipe_tensor_op_hmma.sum,sm__cycles_active.avg,gpu__time_duration.sum,smsp__issue_active.avg.pct_of_peak_sustained_active"
for only in 0 2 4 5; do
  echo "== variant $only" >> "$O/ncu.txt"
  BLOCKS=3 ONLY=$only timeout 90 ncu --clock-control none -k bitblas_kernel --launch-skip 40 \
    --launch-count 1 --metrics "$M" $T w4a16 16 57344 8192 "$(s 4 3 2 1 1)" 1 >> "$O/ncu.txt" 2>&1
done
echo "ncu done at $((SECONDS - start)) s"
rm -f "$O"/*.db*
(cd "$OUT" && tar czf call-5.tgz call-5)
cat "$O/hot.txt"
grep -E "^== |inst_executed|hmma|cycles_active|duration|issue_active" "$O/ncu.txt"
rm -rf "$O"
