#!/usr/bin/env bash
# Device call 2 of the thirty-seventh session: where the tiled mma family's time goes at large M.
# Nsight Compute (one launch each, SM clock not locked) on float16 x uint4 g128 at M = 1024 and
# 256, 8192 x 8192: the tile that won most of call 1 (128 x 128 x 64, 2 x 4 warps, 3 stages of A)
# and today's 128 x 128 x 32 on 2 x 2 warps.
# Usage: OUT=dir bash bench/2026-12-02-h200-w/call-2.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-2
mkdir -p "$O"
start=$SECONDS
BUILD=build-dev
. tools/device-env.sh
device_record "$O/device.txt" >> "$O/summary.txt"
sections="--section SpeedOfLight --section WarpStateStats --section SchedulerStats --section Occupancy
  --section InstructionStats --section ComputeWorkloadAnalysis --section MemoryWorkloadAnalysis
  --section LaunchStats"
i=0
for run in "1024|mma bm=128 bn=128 bk=64 warps=2x4 stages=3" "1024|mma bm=128 bn=128 bk=32 warps=2x2" \
           "256|mma bm=128 bn=128 bk=64 warps=2x4 stages=3" "256|mma bm=64 bn=64 bk=64 warps=2x2"; do
  i=$((i + 1))
  timeout 120 ncu --clock-control none -k bitblas_kernel --launch-skip 20 --launch-count 1 $sections \
    $BUILD/schedule-timer w4a16 "${run%%|*}" 8192 8192 "${run#*|}" > "$O/ncu-$i.txt" 2>&1
  echo "ncu $i (${run}) rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
done
cat "$O/summary.txt"
for f in "$O"/ncu-*.txt; do
  echo "== $f"
  grep -E "schedule-timer|Duration|Registers Per|Achieved Occupancy|Issue Slots Busy|Eligible Warps|No Eligible|Executed Ipc A|Compute \(SM\) Throughput|Memory Throughput|L1/TEX Hit|Shared Memory|Warp Cycles Per Issued|Stall|Dynamic Shared|Block Limit|Theoretical Occ|pipe|Pipe" "$f" | head -40
done
