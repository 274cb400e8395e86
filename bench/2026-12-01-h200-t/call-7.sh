#!/usr/bin/env bash
# Device call 7 of the thirty-fourth session: dc0cc11 (the shared table's single code position
# through BB_POSITIONS instead of a special case in bb_block_p0; its sm_80 and sm_90 code was
# byte-identical to d044d44's on 11 sample kernels, compiled here), built as build-exp: every GPU
# suite and the sanitizer stage of tools/gpu-check.sh, then memcheck over tuning float16 x NF4,
# bfloat16 x NF4 and float16 x FP4 on awkward shapes (every candidate checked against float64).
# Usage: OUT=dir bash bench/2026-12-01-h200-t/call-7.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-7
mkdir -p "$O"
start=$SECONDS
BUILD=build-exp
. tools/device-env.sh
device_record "$O/device.txt" >> "$O/summary.txt"
OUT=$O/checks BUILD=build-exp timeout 420 bash tools/gpu-check.sh tests sanitizer > "$O/checks.txt" 2>&1
echo "gpu-check tests sanitizer rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
grep '^== ' "$O/checks.txt" >> "$O/summary.txt"
BITBLAS_CACHE=$O/memcheck.db timeout 50 compute-sanitizer --tool memcheck --target-processes all \
  --error-exitcode 99 "$BUILD/bitblas-tune" --shapes "17,1000,4096;1,2880,4096;3,7392,2048;16,1,4096" \
  --formats nf4,nf4-bf16,fp4 --check > "$O/memcheck.log" 2>&1
echo "memcheck rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
find "$O" -name '*.db*' -delete
(cd "$OUT" && tar czf call-7.tgz call-7)
cat "$O/summary.txt"
grep -E "Test +#" "$O/checks/gpu-tests.log"
grep -h "^FAIL\|\*\*\*Failed\|:F:\|:E:" "$O"/checks/*.log 2>/dev/null | head -20
grep "ERROR SUMMARY\|^rc=\|^---" "$O/checks/sanitizer.log"
grep "ERROR SUMMARY\|PASS (\|FAIL" "$O/memcheck.log" | tail -3
