#!/usr/bin/env bash
# Device call 3 of the twentieth session, on the committed tree (version 0.2.0, host files
# formatted): every GPU suite and the standing sanitizer runs, then the BitNet suite alone
# (its per-shape lines).
# Usage: OUT=dir bash bench/2026-11-30-h200-f/call-3.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-3
mkdir -p "$O"
start=$SECONDS
OUT=$O/checks BUILD=build-gpu timeout 500 bash tools/gpu-check.sh tests sanitizer > "$O/checks.txt" 2>&1
echo "gpu-check rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
grep '^== ' "$O/checks.txt" >> "$O/summary.txt"
BITBLAS_WORKER=$PWD/build-gpu/bitblas-worker timeout 100 build-gpu/tests/check_gpu_bitnet > "$O/bitnet-suite.txt" 2>&1
echo "check_gpu_bitnet alone rc=$?: $(grep -c '^ok' "$O/bitnet-suite.txt") ok, $(grep -c '^FAIL' "$O/bitnet-suite.txt") FAIL; $(tail -n 1 "$O/bitnet-suite.txt")" >> "$O/summary.txt"
rm -f "$O"/*.db* "$O"/checks/*.db*
(cd "$OUT" && tar czf call-3.tgz call-3)
cat "$O/summary.txt"
rm -rf "$O"
