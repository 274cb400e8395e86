#!/usr/bin/env bash
# Device call 5 of the twenty-first session, on the final code: every GPU suite and the standing
# sanitizer runs; compute-sanitizer on the int8 mma tiles (memcheck over the tuning of w2a8 and
# bitnet operators at M = 300, every candidate run in the worker; memcheck, racecheck and
# synccheck on check_gpu_bitnet, whose m = 1000 bucket now runs an mma tile after the row
# quantizer); bitblas-bench w2a8 on the Llama-3 sets at M = 256, 1024 and 8192 with the final
# candidate rule; then, as time allows, the int8 tiles' pipeline depths (schedule timer).
# Usage: OUT=dir bash bench/2026-11-30-h200-g/call-5.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-5
mkdir -p "$O"
start=$SECONDS
export BITBLAS_WORKER=$PWD/build-gpu/bitblas-worker
OUT=$O/checks BUILD=build-gpu timeout 330 bash tools/gpu-check.sh tests sanitizer > "$O/checks.txt" 2>&1
echo "gpu-check rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
grep '^== ' "$O/checks.txt" >> "$O/summary.txt"
BITBLAS_CACHE=$O/san.db timeout 120 compute-sanitizer --tool memcheck --target-processes all \
  --error-exitcode 99 build-gpu/bitblas-bench --shapes "300,1003,2880;300,2560,6912" \
  --formats w2a8,bitnet --runs 50 > "$O/memcheck-int8-tiles.txt" 2>&1
echo "memcheck int8 tiles rc=$? at $((SECONDS - start)) s: $(grep 'ERROR SUMMARY' "$O/memcheck-int8-tiles.txt" | sort | uniq -c | tr '\n' ' ')" >> "$O/summary.txt"
for tool in memcheck racecheck synccheck; do
  BITBLAS_CACHE=$O/san-$tool.db BITBLAS_TEST_SEED=5 timeout 100 compute-sanitizer --tool $tool \
    --target-processes all --error-exitcode 99 build-gpu/tests/check_gpu_bitnet > "$O/$tool-bitnet.txt" 2>&1
  echo "$tool check_gpu_bitnet rc=$? at $((SECONDS - start)) s: $(grep -E 'ERROR SUMMARY|RACECHECK SUMMARY' "$O/$tool-bitnet.txt" | sort | uniq -c | tr '\n' ' ')" >> "$O/summary.txt"
done
left=$((560 - (SECONDS - start)))
if [ $left -gt 60 ]; then
  BITBLAS_CACHE=$O/w2a8.db timeout $left build-gpu/bitblas-bench --preset llama-3-8b,llama-3-70b \
    --m 256,1024,8192 --formats w2a8 --runs 50 --csv "$O/w2a8.csv" > "$O/w2a8.txt" 2>&1
  echo "w2a8 rc=$? at $((SECONDS - start)) s: $(grep geomean "$O/w2a8.txt" | sed 's/  */ /g' | tr '\n' ';')" >> "$O/summary.txt"
fi
T=build-gpu/schedule-timer
for depth in "#define BB_W_AHEAD 1" "#define BB_W_AHEAD 2" "#define BB_A_STAGES 2" "#define BB_A_STAGES 3"; do
  [ $((SECONDS - start)) -gt 555 ] && break
  PREFIX="$depth" timeout 30 $T w2a8 8192 8192 8192 "mma bm=128 bn=64 bk=64 warps=4x1" \
    "mma bm=128 bn=128 bk=64 warps=2x4" >> "$O/depths.txt" 2>&1
done
[ $((SECONDS - start)) -lt 560 ] && timeout 30 $T w2a8 8192 8192 8192 "mma bm=128 bn=64 bk=64 warps=4x1" \
  "mma bm=128 bn=128 bk=64 warps=2x4" >> "$O/depths.txt" 2>&1
rm -f "$O"/*.db* "$O"/checks/*.db*
(cd "$OUT" && tar czf call-5.tgz call-5)
cat "$O/summary.txt"
grep -h " us " "$O"/depths.txt 2>/dev/null | sed 's/  */ /g' | cut -c1-200
rm -rf "$O"
