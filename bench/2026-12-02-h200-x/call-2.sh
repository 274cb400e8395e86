#!/usr/bin/env bash
# Device call 2 of the thirty-eighth session: where the wgmma family's time goes. Variants of
# depth (W loads in flight, BB_W_AHEAD, through schedule-timer's PREFIX; tiles of A), warpgroups
# and k step on float16 x uint4 g128 at M = 256 (8192 x 8192) and M = 4096 (28672 x 4096), then
# Nsight Compute's stall reasons on one launch of each shape's tile.
# Usage: OUT=dir bash bench/2026-12-02-h200-x/call-2.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-2
mkdir -p "$O"
start=$SECONDS
BUILD=build-dev
. tools/device-env.sh
device_record "$O/device.txt" >> "$O/summary.txt"
small=("wgmma bm=128 bn=128 bk=64 groups=2x1 stages=4" "wgmma bm=64 bn=256 bk=64 groups=1x2 stages=4"
       "wgmma bm=64 bn=128 bk=128 groups=1x1 stages=3" "wgmma bm=128 bn=128 bk=128 groups=2x1 stages=3"
       "wgmma bm=128 bn=256 bk=64 groups=2x2 stages=4")
large=("wgmma bm=128 bn=256 bk=64 groups=2x1 stages=3" "wgmma bm=128 bn=256 bk=64 groups=2x1 stages=4"
       "wgmma bm=128 bn=256 bk=128 groups=2x1 stages=2" "wgmma bm=128 bn=256 bk=64 groups=2x2 stages=4"
       "wgmma bm=256 bn=128 bk=64 groups=4x1 stages=4")
for ahead in 1 2 3; do
  echo "== W_AHEAD $ahead" >> "$O/sweep.txt"
  PREFIX="#define BB_W_AHEAD $ahead" timeout 120 $BUILD/schedule-timer w4a16 256 8192 8192 \
    "${small[@]}" >> "$O/sweep.txt" 2>&1
  PREFIX="#define BB_W_AHEAD $ahead" timeout 120 $BUILD/schedule-timer w4a16 4096 28672 4096 \
    "${large[@]}" >> "$O/sweep.txt" 2>&1
  echo "ahead $ahead rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
done
i=0
for run in "256 8192 8192|wgmma bm=128 bn=128 bk=64 groups=2x1 stages=4" \
           "4096 28672 4096|wgmma bm=128 bn=256 bk=64 groups=2x1 stages=3"; do
  i=$((i + 1))
  read -r m n k <<< "${run%%|*}"
  timeout 150 ncu --clock-control none -k bitblas_kernel --launch-skip 5 --launch-count 1 \
    --section SpeedOfLight --section WarpStateStats --section SchedulerStats \
    --section InstructionStats --section MemoryWorkloadAnalysis \
    --metrics "regex:smsp__average_warps_issue_stalled_.*_per_issue_active\.ratio" \
    $BUILD/schedule-timer w4a16 $m $n $k "${run#*|}" > "$O/ncu-$i.txt" 2>&1
  echo "ncu $i (${run}) rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
done
(cd "$OUT" && tar czf call-2.tgz call-2)
cat "$O/summary.txt"
grep -E "\|" "$O/sweep.txt" | sed 's/min_blocks=- | //' | awk '{$1=$1};1' | cut -c1-120
for f in "$O"/ncu-*.txt; do
  echo "== $f"
  grep -E "Duration|Issue Slots Busy|Eligible Warps|Shared Memory|stalled_.*ratio" "$f" |
    awk '$NF+0 > 0.05 || !/stalled/' | head -40
done
