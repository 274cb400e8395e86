#!/usr/bin/env bash
# Device call 3 of the twenty-fourth session: the tuner times candidates behind a stream hold
# (back to back, as bitblas-bench does) instead of one run at a time.
#   1. every GPU suite (new: test_stream_hold);
#   2. A/B, round 1: each build tunes the Llama-3 sets (w4a16, M = 1, 4, 16) and the BitNet 2B set
#      (bitnet, M = 1, 4) on its own empty cache with its own tuner (build-base: d0368ca's tuner
#      and kernels); then one bench binary (build-gpu's) times both caches' operators, so that only
#      the picks differ.
# Usage: OUT=dir bash bench/2026-11-30-h200-j/call-3.sh [ROUND]
set -u
cd "$(dirname "$0")/../.."
R=${1:-1}
O=$OUT/call-3
mkdir -p "$O"
start=$SECONDS
BUILD=build-gpu
. tools/device-env.sh
device_record "$O/device.txt" >> "$O/summary.txt"
if [ "$R" = 1 ]; then
  OUT=$O/checks BUILD=build-gpu timeout 300 bash tools/gpu-check.sh tests > "$O/checks.txt" 2>&1
  echo "gpu-check tests rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
  grep '^== ' "$O/checks.txt" >> "$O/summary.txt"
fi
for b in base gpu; do
  BITBLAS_WORKER=$PWD/build-$b/bitblas-worker BITBLAS_CACHE=$O/$b-$R.db timeout 200 \
    build-$b/bitblas-tune --preset llama-3-8b,llama-3-70b --m 1,4,16 --formats w4a16 > "$O/tune-$b-$R.txt" 2>&1
  BITBLAS_WORKER=$PWD/build-$b/bitblas-worker BITBLAS_CACHE=$O/$b-$R.db timeout 100 \
    build-$b/bitblas-tune --preset bitnet-b1.58-2b --m 1,4 --formats bitnet >> "$O/tune-$b-$R.txt" 2>&1
  echo "tune $b rc=$? at $((SECONDS - start)) s: $(grep -c 'tuned' "$O/tune-$b-$R.txt") lines" >> "$O/summary.txt"
done
for b in base gpu; do
  BITBLAS_CACHE=$O/$b-$R.db timeout 120 build-gpu/bitblas-bench --preset llama-3-8b,llama-3-70b \
    --m 1,4,16 --formats w4a16 --csv "$O/ab-$b-$R.csv" > "$O/ab-$b-$R.txt" 2>&1
  BITBLAS_CACHE=$O/$b-$R.db timeout 60 build-gpu/bitblas-bench --preset bitnet-b1.58-2b \
    --m 1,4 --formats bitnet --csv "$O/ab-bitnet-$b-$R.csv" > "$O/ab-bitnet-$b-$R.txt" 2>&1
  echo "bench $b rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
done
python3 tools/cache-candidates.py "$O/gpu-$R.db" > "$O/candidates-gpu-$R.txt" 2>&1
python3 tools/cache-candidates.py "$O/base-$R.db" > "$O/candidates-base-$R.txt" 2>&1
rm -f "$O"/*.db* "$O"/checks/*.db*
(cd "$OUT" && tar czf call-3-$R.tgz call-3)
cat "$O/summary.txt"
grep -h "geomean" "$O"/ab-*.txt | sed 's/  */ /g'
grep -h "^FAIL\|\*\*\*Failed" "$O"/checks/*.log "$O"/*.txt 2>/dev/null | head -20
rm -rf "$O"
