#!/usr/bin/env bash
# Device call 4 of the twenty-eighth session: call 1's pairs again (sums-timer.c) with the sums
# loaded before each group's mma work, on all eight Llama-3 layers: 2-bit at M = 16, 1 and 4,
# 4-bit at M = 16 and 1.
# Usage: OUT=dir bash bench/2026-11-30-h200-n/call-4.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-4
mkdir -p "$O"
start=$SECONDS
BUILD=build-gpu
. tools/device-env.sh
device_record "$O/device.txt"
T=build-gpu/sums-timer
shapes="6144,4096 4096,4096 28672,4096 4096,14336 10240,8192 8192,8192 57344,8192 8192,28672"
{
  for f in "w2a16 16" "w2a16 1" "w2a16 4" "w4a16 16" "w4a16 1"; do
    for s in $shapes; do $T $f ${s%,*} ${s#*,} 2; done
  done
} > "$O/timer.txt" 2>&1
echo "timer done at $((SECONDS - start)) s"
grep -E "best:|may take" "$O/timer.txt" | paste - - | sed -E 's/: [0-9]+ of [0-9]+ candidates may take given sums//'
tar czf "$OUT/call-4.tgz" -C "$OUT" call-4
