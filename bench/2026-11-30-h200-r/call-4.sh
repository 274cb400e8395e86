#!/usr/bin/env bash
# Device call 4 of the thirty-second session: the "before" bench of call 3 again (call 3 ran it with
# the worker of the other build, which the library refused), bfloat16 x NF4 (g64) and bfloat16 x
# FP4 (g32) at M = 1 and 16 on the Llama-3 sets, on 58feae3 (build-before, its own worker).
# Usage: OUT=dir bash bench/2026-11-30-h200-r/call-4.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-4
mkdir -p "$O"
start=$SECONDS
BUILD=build-before
NF4="A=bfloat16,W=nf4,g=64,scale=1,out=bfloat16"
FP4="A=bfloat16,W=fp4_e2m1,g=32,scale=1,out=bfloat16"
. tools/device-env.sh
device_record "$O/device.txt" >> "$O/summary.txt"
BITBLAS_CACHE=$O/before.db timeout 90 "$BUILD/bitblas-bench" --preset llama-3-8b,llama-3-70b \
  --m 1,16 --formats "$NF4;$FP4" --csv "$O/bench-before.csv" > "$O/bench-before.txt" 2>&1
echo "bench before rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
find "$O" -name '*.db*' -delete
(cd "$OUT" && tar czf call-4.tgz call-4)
cat "$O/summary.txt"
grep -iE 'geomean' "$O/bench-before.txt"
