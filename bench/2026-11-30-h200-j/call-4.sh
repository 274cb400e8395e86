#!/usr/bin/env bash
# Device call 4 of the twenty-fourth session, on the final code (c4f525e: the hold with a
# mapped host flag): every GPU suite and the standing sanitizer runs (memcheck over tuning, so
# over the held timing in the worker; racecheck from the cache); then, while time is left, the
# tuner A/B of call 3 once more (round 3).
# Usage: OUT=dir bash bench/2026-11-30-h200-j/call-4.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-4
mkdir -p "$O"
start=$SECONDS
BUILD=build-gpu
. tools/device-env.sh
device_record "$O/device.txt" >> "$O/summary.txt"
OUT=$O/checks BUILD=build-gpu timeout 500 bash tools/gpu-check.sh tests sanitizer > "$O/checks.txt" 2>&1
echo "gpu-check tests sanitizer rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
grep '^== ' "$O/checks.txt" >> "$O/summary.txt"
rm -f "$O"/checks/*.db*
(cd "$OUT" && tar czf call-4.tgz call-4)
cat "$O/summary.txt"
grep -h "^FAIL\|\*\*\*Failed" "$O"/checks/*.log 2>/dev/null | head -20
rm -rf "$O"
if [ $((SECONDS - start)) -lt 530 ]; then
  timeout $((590 - (SECONDS - start))) bash bench/2026-11-30-h200-j/call-3.sh 3
fi
