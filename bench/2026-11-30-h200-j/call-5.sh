#!/usr/bin/env bash
# Device call 5 of the twenty-fourth session, on the final code (c4f525e): the four-set bench
# (tools/gpu-check.sh bench), every operator tuned on an empty cache by the held-timing tuner.
# Usage: OUT=dir bash bench/2026-11-30-h200-j/call-5.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-5
mkdir -p "$O"
OUT=$O BUILD=build-gpu timeout 560 bash tools/gpu-check.sh bench > "$O/gpu-check.txt" 2>&1
echo "gpu-check bench rc=$?" >> "$O/gpu-check.txt"
rm -f "$O"/*.db*
(cd "$OUT" && tar czf call-5.tgz call-5)
grep '^== \|geomean\|rc=' "$O/gpu-check.txt" | sed 's/  */ /g' | tail -40
rm -rf "$O"
