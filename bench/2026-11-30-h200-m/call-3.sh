#!/usr/bin/env bash
# Device call 3 of the twenty-seventh session: call 1's variants again, with every variant of a
# schedule held to the as-is kernel's blocks per SM (hot-timer.c, BLOCKS=B: ptxas asked for B
# blocks per SM), so that no-apply and all-L1 keep its occupancy; then the SASS opcode counts of
# the 4-bit M = 16 and M = 1 winners of 57344 x 8192 (each variant), and Nsight Compute of the
# M = 16 one as it is and without the scaling per group.
# Usage: OUT=dir bash bench/2026-11-30-h200-m/call-3.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-3
mkdir -p "$O" "$O/cubin-w4-m16" "$O/cubin-w4-m1"
start=$SECONDS
BUILD=build-gpu
. tools/device-env.sh
device_record "$O/device.txt" > /dev/null
export BITBLAS_WORKER=$PWD/build-gpu/bitblas-worker BITBLAS_CACHE=$O/cache.db
T=build-gpu/hot-timer
s() { echo "tcgemv warps=$1 n_tiles=$2 m_tiles=$3 unroll=$4 words=4 post=$5 stages=2 order=2"; }
{
  BLOCKS=3 CUBIN_DIR=$O/cubin-w4-m16 $T w4a16 16 57344 8192 "$(s 4 3 2 1 1)"
  BLOCKS=2 $T w4a16 16 8192 8192 "$(s 8 2 2 1 1)"
  BLOCKS=2 $T w4a16 16 8192 28672 "$(s 8 2 2 1 1)"
  BLOCKS=6 $T w4a16 16 28672 4096 "$(s 2 3 2 1 1)"
  BLOCKS=3 CUBIN_DIR=$O/cubin-w4-m1 $T w4a16 1 57344 8192 "$(s 8 2 1 1 1)"
  BLOCKS=3 $T w4a16 8 57344 8192 "$(s 8 2 1 1 1)"
} > "$O/hot.txt" 2>&1
echo "hot done at $((SECONDS - start)) s"
# Opcode counts of each kernel's SASS (static: the unrolled main loop is most of it).
for c in "$O"/cubin-*/*.cubin; do
  cuobjdump -sass "$c" > "${c%.cubin}.sass" 2>&1
  echo "== ${c#$O/}: $(grep -cE '^\s+/\*[0-9a-f]+\*/' "${c%.cubin}.sass") instructions"
  grep -oE '^\s+/\*[0-9a-f]+\*/\s+(@!?U?P[0-9T] )?[A-Z0-9]+' "${c%.cubin}.sass" | awk '{print $NF}' |
    sort | uniq -c | sort -rn | head -n 14 | tr '\n' ' ' | sed 's/  */ /g'
  echo
done > "$O/sass-ops.txt" 2>&1
echo "sass done at $((SECONDS - start)) s"
for only in 0 3; do
  BLOCKS=3 ONLY=$only timeout 120 ncu --clock-control none -k bitblas_kernel --launch-skip 40 \
    --launch-count 1 --section SpeedOfLight --section WarpStateStats --section SchedulerStats \
    --section Occupancy --section InstructionStats \
    $T w4a16 16 57344 8192 "$(s 4 3 2 1 1)" 1 > "$O/ncu-w4-m16-v$only.txt" 2>&1
done
echo "ncu done at $((SECONDS - start)) s"
rm -f "$O"/*.db*
tar czf "$O/sass.tgz" -C "$O" cubin-w4-m16 cubin-w4-m1 && rm -rf "$O"/cubin-*
(cd "$OUT" && tar czf call-3.tgz call-3)
cat "$O/hot.txt"
cat "$O/sass-ops.txt"
for only in 0 3; do
  echo "== ncu v$only"
  grep -E 'Duration|Elapsed Cycles|SM Active|Achieved Active Warps|Issued Warp|Eligible Warps|Warp Cycles Per Issued|Executed Instructions  |Block Limit Registers' "$O/ncu-w4-m16-v$only.txt" | head -n 12
done
rm -rf "$O"
