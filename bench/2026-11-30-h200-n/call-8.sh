#!/usr/bin/env bash
# Device call 8 of the twenty-eighth session: every GPU suite again after the workspace pool
# moved from each run to each kernel load (bb_product_find finds it; runs take no lock).
# Usage: OUT=dir bash bench/2026-11-30-h200-n/call-8.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-8
mkdir -p "$O"
BUILD=build-gpu
. tools/device-env.sh
OUT=$O/checks BUILD=build-gpu timeout 560 bash tools/gpu-check.sh tests > "$O/checks.txt" 2>&1
echo "gpu-check tests rc=$?" >> "$O/summary.txt"
grep '^== ' "$O/checks.txt" >> "$O/summary.txt"
rm -f "$O"/checks/*.db*
(cd "$OUT" && tar czf call-8.tgz call-8)
cat "$O/summary.txt"
grep -h "^FAIL\|\*\*\*Failed\|Passed" "$O"/checks/*.log 2>/dev/null | head -20
