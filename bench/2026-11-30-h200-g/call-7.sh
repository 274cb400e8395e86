#!/usr/bin/env bash
# Device call 7 of the twenty-first session: timings whose hold gave up (the bench's "took the
# host longer than 2.0 s to enqueue" warning). The timer now runs one launch on its own, to its
# end, before the held runs. bitblas-bench on the Llama-3 sets, w4a16 at M = 1 and 16, with
# build-base (76ecfbc, the timer before) and build-gpu, each on its own empty cache; then w2a8
# (cuBLAS int8 and the BitNet layer too) with build-gpu.
# Usage: OUT=dir bash bench/2026-11-30-h200-g/call-7.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-7
mkdir -p "$O"
start=$SECONDS
for run in "build-base w4a16" "build-gpu w4a16" "build-gpu w2a8"; do
  set -- $run
  BITBLAS_WORKER=$PWD/$1/bitblas-worker BITBLAS_CACHE=$O/$1-$2.db timeout 70 $1/bitblas-bench \
    --preset llama-3-8b,llama-3-70b --m 1,16 --formats $2 --csv "$O/$1-$2.csv" > "$O/$1-$2.txt" 2>&1
  echo "$1 $2 rc=$? at $((SECONDS - start)) s: $(grep -E 'geomean|warning' "$O/$1-$2.txt" | sed 's/  */ /g' | tr '\n' ';')" >> "$O/summary.txt"
done
rm -f "$O"/*.db*
(cd "$OUT" && tar czf call-7.tgz call-7)
cat "$O/summary.txt"
rm -rf "$O"
