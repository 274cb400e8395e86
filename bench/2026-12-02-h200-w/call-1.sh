#!/usr/bin/env bash
# Device call 1 of the thirty-seventh session: tiles of the tiled mma family past 48 KiB of shared
# memory (dynamic shared memory, the schedule's " stages=N"), beside the tiles the candidate list
# has today. schedule-timer (bench/2026-11-30-h200-c/schedule-timer.c, built against build-dev):
# each schedule is checked against the float64 reference first, then the median of cold runs.
# float16 x uint4 g128 with zeros on Llama-3 layers at M = 64-1024.
# Usage: OUT=dir bash bench/2026-12-02-h200-w/call-1.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-1
mkdir -p "$O"
start=$SECONDS
BUILD=build-dev
. tools/device-env.sh
device_record "$O/device.txt" >> "$O/summary.txt"
schedules=(
  "mma bm=64 bn=64 bk=64 warps=2x2"
  "mma bm=128 bn=128 bk=32 warps=2x2"
  "mma bm=64 bn=128 bk=32 warps=2x2"
  "mma bm=128 bn=64 bk=32 warps=4x1"
  "mma bm=64 bn=64 bk=64 warps=2x2 stages=4"
  "mma bm=128 bn=128 bk=32 warps=2x2 stages=4"
  "mma bm=128 bn=128 bk=32 warps=2x4 stages=3"
  "mma bm=128 bn=128 bk=32 warps=2x4 stages=4"
  "mma bm=128 bn=128 bk=64 warps=2x4 stages=3"
  "mma bm=128 bn=256 bk=32 warps=2x4 stages=4"
  "mma bm=256 bn=128 bk=32 warps=4x2 stages=3"
  "mma bm=64 bn=128 bk=64 warps=2x2 stages=4"
  "mma bm=64 bn=128 bk=64 warps=2x4 stages=4"
  "mma bm=64 bn=256 bk=32 warps=2x4 stages=4"
  "mma bm=128 bn=64 bk=32 warps=4x1 stages=4"
)
for shape in "256 8192 8192" "256 28672 4096" "256 4096 14336" "128 8192 8192" "1024 8192 8192" \
             "64 57344 8192" "1024 28672 4096"; do
  read -r m n k <<< "$shape"
  timeout 120 $BUILD/schedule-timer w4a16 $m $n $k "${schedules[@]}" >> "$O/sweep.txt" 2>&1
  echo "w4a16 $shape rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
  [ $((SECONDS - start)) -gt 500 ] && break
done
(cd "$OUT" && tar czf call-1.tgz call-1)
cat "$O/summary.txt"
sed 's/ min_blocks=- | / | /' "$O/sweep.txt" | cut -c1-130
