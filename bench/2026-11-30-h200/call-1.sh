#!/usr/bin/env bash
# Device call 1 of the fifteenth session: the GPU suites and compute-sanitizer on this tree, then
# the A/B of reuse-ab.sh. Everything lands in $OUT/call-1.tgz; a summary is printed last.
set -u
cd "$(dirname "$0")/../.."
O=$OUT
OUT=$O/suites BUILD=build-gpu bash tools/gpu-check.sh tests sanitizer > "$O/suites.txt" 2>&1
OUT=$O/ab BUILD=build-gpu BASE_BUILD=build-base bash bench/2026-11-30-h200/reuse-ab.sh > "$O/ab.txt" 2>&1
(cd "$O" && tar czf call-1.tgz suites ab suites.txt ab.txt && rm -rf suites ab)
tail -n 8 "$O/suites.txt"
cat "$O/ab.txt"
