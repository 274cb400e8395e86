#!/usr/bin/env bash
# Device call 3 of the thirty-fourth session: the change as it lands (d044d44, built as
# build-exp: NF4 and FP4 shared-table lookups by PRMT and LEA with neighbouring pairs, the shared
# table-code predicate, the graph tests' helper): every GPU suite and the sanitizer stage of
# tools/gpu-check.sh; memcheck over tuning float16 x NF4, bfloat16 x NF4 and float16 x FP4 on
# awkward shapes (every candidate checked against the reference); racecheck over tuning float16 x
# NF4 at M = 1 and 16 (traded weights, the table's memory taken over by the cross-warp sums).
# Usage: OUT=dir bash bench/2026-12-01-h200-t/call-3.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-3
mkdir -p "$O"
start=$SECONDS
BUILD=build-exp
. tools/device-env.sh
device_record "$O/device.txt" >> "$O/summary.txt"
OUT=$O/checks BUILD=build-exp timeout 480 bash tools/gpu-check.sh tests sanitizer > "$O/checks.txt" 2>&1
echo "gpu-check tests sanitizer rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
grep '^== ' "$O/checks.txt" >> "$O/summary.txt"
BITBLAS_CACHE=$O/memcheck.db timeout 50 compute-sanitizer --tool memcheck --target-processes all \
  --error-exitcode 99 "$BUILD/bitblas-tune" --shapes "17,1000,4096;1,2880,4096;3,7392,2048;16,1,4096" \
  --formats nf4,nf4-bf16,fp4 --check > "$O/memcheck.log" 2>&1
echo "memcheck rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
BITBLAS_CACHE=$O/race.db timeout 30 compute-sanitizer --tool racecheck --target-processes all \
  --error-exitcode 99 "$BUILD/bitblas-tune" --shapes "1,1000,1024;16,1000,1024" --formats nf4 \
  --check > "$O/racecheck.log" 2>&1
echo "racecheck rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
find "$O" -name '*.db*' -delete
(cd "$OUT" && tar czf call-3.tgz call-3)
cat "$O/summary.txt"
grep -E "Test +#" "$O/checks/gpu-tests.log"
grep -h "^FAIL\|\*\*\*Failed\|:F:\|:E:" "$O"/checks/*.log 2>/dev/null | head -20
grep "ERROR SUMMARY\|^rc=\|^---" "$O/checks/sanitizer.log"
grep "ERROR SUMMARY\|RACECHECK SUMMARY\|PASS\|FAIL" "$O/memcheck.log" "$O/racecheck.log" | tail -6
