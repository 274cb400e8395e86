#!/usr/bin/env bash
# Device call 4 of the thirty-eighth session: the wgmma family with its W loads issued after the
# fence for the tensor cores (call 3: the fence waited for the loads issued before it in the
# same step) and one source pointer per copy of A. Variants through schedule-timer's PREFIX:
# the copies of A after the fence too (BB_COPY_LATE, an experiment), W loads 1-3 steps ahead.
# Usage: OUT=dir bash bench/2026-12-02-h200-x/call-4.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-4
mkdir -p "$O"
start=$SECONDS
BUILD=build-dev
. tools/device-env.sh
device_record "$O/device.txt" >> "$O/summary.txt"
small=("wgmma bm=128 bn=128 bk=64 groups=2x1 stages=4" "wgmma bm=64 bn=256 bk=64 groups=1x2 stages=4"
       "wgmma bm=64 bn=128 bk=64 groups=1x1 stages=4" "wgmma bm=128 bn=128 bk=128 groups=2x1 stages=3"
       "mma bm=128 bn=128 bk=64 warps=2x4 stages=3")
large=("wgmma bm=128 bn=256 bk=64 groups=2x1 stages=3" "wgmma bm=128 bn=256 bk=64 groups=2x1 stages=4"
       "wgmma bm=128 bn=256 bk=128 groups=2x1 stages=2" "wgmma bm=128 bn=256 bk=64 groups=2x2 stages=4"
       "wgmma bm=256 bn=128 bk=64 groups=4x1 stages=4")
for prefix in "" "#define BB_COPY_LATE 1" "#define BB_W_AHEAD 1" "#define BB_W_AHEAD 3"; do
  echo "== prefix '$prefix'" >> "$O/sweep.txt"
  PREFIX="$prefix" timeout 120 $BUILD/schedule-timer w4a16 256 8192 8192 "${small[@]}" >> "$O/sweep.txt" 2>&1
  large_run=("${large[@]}")
  [ -n "$prefix" ] && [ "${prefix#*COPY_LATE}" != "$prefix" ] && large_run=("${large[@]:0:2}" "${large[@]:3}")
  PREFIX="$prefix" timeout 120 $BUILD/schedule-timer w4a16 4096 28672 4096 "${large_run[@]}" >> "$O/sweep.txt" 2>&1
  PREFIX="$prefix" timeout 120 $BUILD/schedule-timer w4a16 1024 8192 8192 "${large_run[@]}" >> "$O/sweep.txt" 2>&1
  echo "prefix '$prefix' rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
done
echo "failed checks: $(grep -ci "wrong\|crash\|fail" "$O/sweep.txt")" >> "$O/summary.txt"
(cd "$OUT" && tar czf call-4.tgz call-4)
cat "$O/summary.txt"
grep -E "\|" "$O/sweep.txt" | sed 's/min_blocks=- //; s/prefix=#define //' | awk '{$1=$1};1' | cut -c1-110
