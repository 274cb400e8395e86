#!/usr/bin/env bash
# Device call 6 of the thirty-first session: bfloat16 activations through the tensor-core gemv,
# a change parked as bfloat16-tcgemv.patch (its build in build-bf16, made from a worktree of the
# patch: cmake -S <worktree> -B build-bf16 -DCMAKE_BUILD_TYPE=Release -DBITBLAS_WERROR=ON). The
# candidates suite only (the device time left allowed no more), and the bench of bfloat16 x uint4
# at M = 1 and 16 on the Llama-3 sets.
# Usage: OUT=dir bash bench/2026-11-30-h200-q/call-6.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-6
mkdir -p "$O"
start=$SECONDS
BUILD=build-bf16
. tools/device-env.sh
device_record "$O/device.txt" >> "$O/summary.txt"
(cd "$BUILD" && timeout 170 ctest -R "check_gpu_candidates" --output-on-failure) > "$O/gpu-tests.log" 2>&1
echo "candidates suite rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
export BITBLAS_CACHE=$O/cache.db
timeout 40 "$BUILD/bitblas-bench" --preset llama-3-8b,llama-3-70b --m 1,16 --formats w4a16-bf16 \
  --csv "$O/bench.csv" > "$O/bench.txt" 2>&1
echo "bench rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
find "$O" -name '*.db*' -delete
(cd "$OUT" && tar czf call-6.tgz call-6)
cat "$O/summary.txt"
grep -E "Test +#|tests passed|FAIL|failing" "$O/gpu-tests.log" | head -20
grep -iE 'geomean' "$O/bench.txt"
