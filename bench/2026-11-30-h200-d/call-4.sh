#!/usr/bin/env bash
# Device call 4 of the eighteenth session: compute-sanitizer on shapes whose candidates include
# the 2-warp blocks. memcheck over bitblas-tune tuning (every candidate runs in the worker, also
# under memcheck) and checking 4- and 1-bit operators at M = 13 and 16; then racecheck and
# memcheck of the same tuned operators from the cache, in process.
# Usage: OUT=dir bash bench/2026-11-30-h200-d/call-4.sh
set -u
cd "$(dirname "$0")/../.."
export BITBLAS_WORKER=$PWD/build-gpu/bitblas-worker BITBLAS_CACHE=$OUT/call-4.db
shapes="13,16400,4096;16,28680,4096"
{
  echo "--- memcheck: tuning and --check (worker included)"
  timeout 300 compute-sanitizer --tool memcheck --target-processes all --error-exitcode 99 \
    build-gpu/bitblas-tune --shapes "$shapes" --formats w4a16,w1a16 --check
  echo "rc=$?"
  echo "--- racecheck: the tuned operators from the cache, --check"
  timeout 120 compute-sanitizer --tool racecheck --error-exitcode 99 \
    build-gpu/bitblas-tune --shapes "$shapes" --formats w4a16,w1a16 --check
  echo "rc=$?"
  echo "--- the winners"
  build-gpu/bitblas-tune --list
} > "$OUT/call-4.txt" 2>&1
rm -f "$OUT"/call-4.db*
grep -E '^(---|rc=)|ERROR SUMMARY|RACECHECK SUMMARY|tcgemv' "$OUT/call-4.txt" | tail -n 40
