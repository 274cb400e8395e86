#!/usr/bin/env bash
# Device call 5 of the thirty-seventh session: racecheck and memcheck on the mma tiles past 48 KiB
# of shared memory (build-dev), each schedule's first two launches of bitblas_kernel checked
# (schedule-timer's float64 check runs them; the timed runs after them are not checked): the
# three tiles of the candidate list, with float16 and int8 activations, N and K ending inside a
# tile and M past the last full tile.
# Usage: OUT=dir bash bench/2026-12-02-h200-w/call-5.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-5
mkdir -p "$O"
start=$SECONDS
BUILD=build-dev
. tools/device-env.sh
device_record "$O/device.txt" >> "$O/summary.txt"
for tool in racecheck memcheck; do
  for run in "w4a16 200 1003 2888|mma bm=128 bn=128 bk=64 warps=2x4 stages=3" \
             "w4a16 200 1003 2888|mma bm=128 bn=128 bk=32 warps=2x4 stages=4" \
             "w4a16 100 1003 2888|mma bm=64 bn=128 bk=64 warps=2x2 stages=4" \
             "w2a8 200 1003 2880|mma bm=128 bn=128 bk=128 warps=2x4 stages=3" \
             "w2a8 200 1003 2880|mma bm=64 bn=128 bk=128 warps=2x2 stages=4"; do
    read -r f m n k <<< "${run%%|*}"
    timeout 60 compute-sanitizer --tool $tool --kernel-name kne=bitblas_kernel --launch-count 2 \
      --error-exitcode 99 $BUILD/schedule-timer "$f" $m $n $k "${run#*|}" >> "$O/$tool.log" 2>&1
    echo "$tool $run rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
  done
done
(cd "$OUT" && tar czf call-5.tgz call-5)
cat "$O/summary.txt"
grep -h "ERROR SUMMARY\|RACECHECK SUMMARY\| ok \|WRONG\|FAIL" "$O"/*.log | cut -c1-160
