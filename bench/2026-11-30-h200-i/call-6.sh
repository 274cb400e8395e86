#!/usr/bin/env bash
# Device call 6 of the twenty-third session, on the final code: every GPU suite and the standing
# sanitizer runs, then memcheck and racecheck on check_gpu_bitnet and memcheck on w2a8 operators
# through bitblas-tune --check (tcgemv_int8 now loads its outputs' factors before the main loop),
# then the BitNet 2B set at M = 1-16, each step while time is left.
# Usage: OUT=dir bash bench/2026-11-30-h200-i/call-6.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-6
mkdir -p "$O"
start=$SECONDS
BUILD=build-gpu
. tools/device-env.sh
device_record "$O/device.txt" >> "$O/summary.txt"
left() { local t=$(($1 - (SECONDS - start))); echo $((t < 5 ? 5 : t)); }  # seconds until $1
OUT=$O/checks BUILD=build-gpu timeout 420 bash tools/gpu-check.sh tests sanitizer > "$O/checks.txt" 2>&1
echo "gpu-check rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
grep '^== ' "$O/checks.txt" >> "$O/summary.txt"
for tool in memcheck racecheck; do
  [ $((SECONDS - start)) -gt 480 ] && break
  BITBLAS_CACHE=$O/san-$tool.db BITBLAS_TEST_SEED=2323 timeout $(left 560) compute-sanitizer --tool $tool \
    --target-processes all --error-exitcode 99 build-gpu/tests/check_gpu_bitnet > "$O/$tool-bitnet.txt" 2>&1
  echo "$tool check_gpu_bitnet rc=$? at $((SECONDS - start)) s: $(grep -E 'ERROR SUMMARY|RACECHECK SUMMARY' "$O/$tool-bitnet.txt" | sort | uniq -c | tr '\n' ' ')" >> "$O/summary.txt"
done
[ $((SECONDS - start)) -lt 500 ] && BITBLAS_CACHE=$O/san-w2a8.db timeout $(left 565) compute-sanitizer --tool memcheck --target-processes all \
  --error-exitcode 99 build-gpu/bitblas-tune --shapes "1,2880,4096;17,1000,1024;3,7392,3584" \
  --formats w2a8 --check > "$O/memcheck-w2a8.txt" 2>&1
echo "memcheck w2a8 tune --check rc=$? at $((SECONDS - start)) s: $(grep -E 'ERROR SUMMARY' "$O/memcheck-w2a8.txt" | sort | uniq -c | tr '\n' ' ')" >> "$O/summary.txt"
BITBLAS_CACHE=$O/b.db timeout $(left 585) build-gpu/bitblas-bench --preset bitnet-b1.58-2b \
  --m 1,2,4,8,16 --formats bitnet --csv "$O/bench-bitnet.csv" > "$O/bench-bitnet.txt" 2>&1
echo "bench bitnet rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
rm -f "$O"/*.db* "$O"/checks/*.db*
(cd "$OUT" && tar czf call-6.tgz call-6)
cat "$O/summary.txt"
grep -h "geomean" "$O"/bench-*.txt | sed 's/  */ /g'
grep -h "^FAIL" "$O"/checks/*.log "$O"/*.txt 2>/dev/null | head -20
rm -rf "$O"
