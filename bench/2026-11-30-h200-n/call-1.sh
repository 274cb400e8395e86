#!/usr/bin/env bash
# Device call 1 of the twenty-eighth session: every candidate that may take given sums, as it is
# and with sums=given (sums-timer.c), on the Llama-3 layers (4-bit at M = 1 and 16, 2-bit at
# M = 16), then the check alone on awkward shapes and other formats under compute-sanitizer's
# memcheck.
# Usage: OUT=dir bash bench/2026-11-30-h200-n/call-1.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-1
mkdir -p "$O"
start=$SECONDS
BUILD=build-gpu
. tools/device-env.sh
device_record "$O/device.txt"
T=build-gpu/sums-timer
shapes="6144,4096 4096,4096 28672,4096 4096,14336 10240,8192 8192,8192 57344,8192 8192,28672"
{
  for m in 16 1; do
    for s in $shapes; do $T w4a16 $m ${s%,*} ${s#*,} 2; done
  done
  for s in 10240,8192 8192,8192 57344,8192 8192,28672; do $T w2a16 16 ${s%,*} ${s#*,} 2; done
} > "$O/timer.txt" 2>&1
echo "timer done at $((SECONDS - start)) s"
{
  for args in "w4a16 3 2880 4096" "w4a16 17 7392 4096" "w4a16 1 1 4096" "w2a16-int2 16 8192 8192" \
              "w4a16-gptq 16 4096 4096" "w4a16-int4 1 4096 14336"; do
    timeout 200 compute-sanitizer --tool memcheck --error-exitcode 9 $T $args 1
    echo "exit $?"
  done
} > "$O/memcheck.txt" 2>&1
echo "memcheck done at $((SECONDS - start)) s"
grep -E "best:|may take" "$O/timer.txt"
grep -E "exit|ERROR SUMMARY|WRONG|FAILED" "$O/memcheck.txt"
tar czf "$OUT/call-1.tgz" -C "$OUT" call-1
