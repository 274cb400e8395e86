#!/usr/bin/env bash
# Device call 8 of the twenty-sixth session, on the final tree (after the review: a tcgemv
# schedule text written once, the blocks bound appended): every GPU suite and the
# standing sanitizer runs (tools/gpu-check.sh tests sanitizer).
# Usage: OUT=dir bash bench/2026-11-30-h200-l/call-8.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-8
mkdir -p "$O"
start=$SECONDS
BUILD=build-gpu
. tools/device-env.sh
device_record "$O/device.txt" >> "$O/summary.txt"
OUT=$O/checks BUILD=build-gpu timeout 500 bash tools/gpu-check.sh tests sanitizer > "$O/checks.txt" 2>&1
echo "gpu-check tests sanitizer rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
grep '^== ' "$O/checks.txt" >> "$O/summary.txt"
rm -f "$O"/checks/*.db*
(cd "$OUT" && tar czf call-8.tgz call-8)
cat "$O/summary.txt"
grep -h "^FAIL\|\*\*\*Failed" "$O"/checks/*.log 2>/dev/null | head -20
rm -rf "$O"
