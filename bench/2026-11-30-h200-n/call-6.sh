#!/usr/bin/env bash
# Device call 6 of the twenty-eighth session, on call 5's tree: the four-set bench
# (tools/gpu-check.sh bench), every operator tuned on an empty cache.
# Usage: OUT=dir bash bench/2026-11-30-h200-n/call-6.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-6
mkdir -p "$O"
start=$SECONDS
BUILD=build-gpu
. tools/device-env.sh
device_record "$O/device.txt" >> "$O/summary.txt"
OUT=$O/bench BUILD=build-gpu timeout 570 bash tools/gpu-check.sh bench > "$O/bench.txt" 2>&1
echo "gpu-check bench rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
rm -f "$O"/bench/*.db*
(cd "$OUT" && tar czf call-6.tgz call-6)
cat "$O/summary.txt"
grep '^== \|geomean\|first op_get' "$O/bench.txt" | sed 's/  */ /g' | tail -40
