#!/usr/bin/env bash
# Device call 2 of the thirty-fifth session: the change as it lands (8-bit codes with bfloat16
# activations on the tensor-core gemv), built as build-new: every GPU suite and the sanitizer
# stage of tools/gpu-check.sh; memcheck over tuning bfloat16 x uint8 and bfloat16 x float8 e4m3
# on awkward shapes (every candidate checked against float64); then the first op_get of the
# slowest shape to tune in call 1 (float8 e4m3, M = 1, 57344 x 8192), with bfloat16 and with
# float16 activations, twice each on an empty cache, to see how much its tuning time moves.
# Usage: OUT=dir bash bench/2026-12-01-h200-u/call-2.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-2
mkdir -p "$O"
start=$SECONDS
BUILD=build-new
. tools/device-env.sh
device_record "$O/device.txt" >> "$O/summary.txt"
OUT=$O/checks BUILD=build-new timeout 430 bash tools/gpu-check.sh tests sanitizer > "$O/checks.txt" 2>&1
echo "gpu-check tests sanitizer rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
grep '^== ' "$O/checks.txt" >> "$O/summary.txt"
BITBLAS_CACHE=$O/memcheck.db timeout 60 compute-sanitizer --tool memcheck --target-processes all \
  --error-exitcode 99 "$BUILD/bitblas-tune" --shapes "17,1000,4096;1,2880,4096;3,7392,2048;16,1,4096" \
  --formats w8a16-bf16,fp8-bf16 --check > "$O/memcheck.log" 2>&1
echo "memcheck rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
for round in 1 2; do
  for f in fp8-bf16 fp8; do
    timeout 30 "$BUILD/bitblas-bench" --shapes "1,57344,8192" --formats $f --runs 5 \
      --cache "$O/tune-$f-$round.db" 2>&1 | grep "tuned in" | sed "s/^/round $round: /" >> "$O/tune.txt"
  done
done
echo "tuning times at $((SECONDS - start)) s" >> "$O/summary.txt"
find "$O" -name '*.db*' -delete
(cd "$OUT" && tar czf call-2.tgz call-2)
cat "$O/summary.txt"
cat "$O/tune.txt"
grep -E "Test +#" "$O/checks/gpu-tests.log"
grep -h "^FAIL\|\*\*\*Failed\|:F:\|:E:" "$O"/checks/*.log 2>/dev/null | head -20
grep "ERROR SUMMARY\|^rc=\|^---" "$O/checks/sanitizer.log"
grep "ERROR SUMMARY\|PASS (\|FAIL" "$O/memcheck.log" | tail -3
