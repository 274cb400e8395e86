#!/usr/bin/env bash
# Device call 1 of the twenty-seventh session: how long the small-batch kernels' arithmetic takes
# when memory is not what they wait for, and what the scaling per group costs. hot-timer.c
# times each tuned winner as it is, with its codes from L2 (codes-L2), with codes and
# activations mostly from L1 (all-L1), and without the scaling per group (no-apply), 3 rounds.
# Then the SASS opcode counts of three cubins, and Nsight Compute warp states of the 4-bit
# M = 16 winner of 57344 x 8192 as it is and all-L1.
# Usage: OUT=dir bash bench/2026-11-30-h200-m/call-1.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-1
mkdir -p "$O"
start=$SECONDS
BUILD=build-gpu
. tools/device-env.sh
device_record "$O/device.txt" > /dev/null
export BITBLAS_WORKER=$PWD/build-gpu/bitblas-worker BITBLAS_CACHE=$O/cache.db
T=build-gpu/hot-timer
s() { echo "tcgemv warps=$1 n_tiles=$2 m_tiles=$3 unroll=$4 words=4 post=$5 stages=2 order=2"; }
{
  CUBIN_DIR=$O/cubin-w4-m16 $T w4a16 16 57344 8192 "$(s 4 3 2 1 1)"
  $T w4a16 16 8192 8192 "$(s 8 2 2 1 1)"
  $T w4a16 16 8192 28672 "$(s 8 2 2 1 1)"
  $T w4a16 16 28672 4096 "$(s 2 3 2 1 1)"
  $T w4a16 16 4096 14336 "$(s 16 2 2 1 1)"
  CUBIN_DIR=$O/cubin-w4-m1 $T w4a16 1 57344 8192 "$(s 8 2 1 1 1)"
  $T w4a16 8 57344 8192 "$(s 8 2 1 1 1)"
  $T w4a16 1 8192 28672 "$(s 8 2 1 2 1)"
  CUBIN_DIR=$O/cubin-w2-m16 $T w2a16 16 57344 8192 "$(s 4 3 2 1 1) blocks=4"
  $T w1a16 16 57344 8192 "$(s 4 4 2 1 1) blocks=4"
} > "$O/hot.txt" 2>&1
echo "hot done at $((SECONDS - start)) s"
# Opcode counts of each kernel's SASS (static: the unrolled main loop is most of it).
for c in "$O"/cubin-*/*.cubin; do
  cuobjdump -sass "$c" > "${c%.cubin}.sass" 2>&1
  echo "== $c: $(grep -cE '^\s+/\*[0-9a-f]+\*/' "${c%.cubin}.sass") instructions"
  grep -oE '^\s+/\*[0-9a-f]+\*/\s+(@!?U?P[0-9T] )?[A-Z0-9]+' "${c%.cubin}.sass" | awk '{print $NF}' |
    sort | uniq -c | sort -rn | head -n 12 | tr '\n' ' '
  echo
done > "$O/sass-ops.txt" 2>&1
echo "sass done at $((SECONDS - start)) s"
for only in 0 2 3; do
  ONLY=$only timeout 120 ncu --clock-control none -k bitblas_kernel --launch-skip 40 --launch-count 1 \
    --section SpeedOfLight --section WarpStateStats --section SchedulerStats --section Occupancy \
    --section InstructionStats \
    $T w4a16 16 57344 8192 "$(s 4 3 2 1 1)" 1 > "$O/ncu-w4-m16-v$only.txt" 2>&1
done
echo "ncu done at $((SECONDS - start)) s"
rm -f "$O"/*.db*
(cd "$OUT" && tar czf call-1.tgz call-1)
cat "$O/hot.txt"
cat "$O/sass-ops.txt"
for only in 0 2 3; do
  echo "== ncu v$only"
  grep -E 'Duration|Registers Per|Achieved Occupancy|Issue Slots Busy|No Eligible|Eligible Warps|Warp Cycles Per Issued|DRAM Throughput|Executed Ipc A|Stall' "$O/ncu-w4-m16-v$only.txt" | head -n 14
done
rm -rf "$O"
