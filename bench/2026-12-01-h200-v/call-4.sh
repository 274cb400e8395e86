#!/usr/bin/env bash
# Device call 4 of the thirty-sixth session: plain float16 / bfloat16 weights stored into the
# tiled mma family's shared tiles as loaded, instead of through float32 code by code (build-w16,
# from the worktree build-w16src) beside build-after (978ce88). The same mma schedule timed in
# both builds (schedule-timer, two rounds) and the bench of w16a16 and its bfloat16 twin at M = 64
# and 256 on the Llama-3 sets, each build tuning on its own empty cache; then every GPU suite and
# the sanitizer stage of tools/gpu-check.sh on build-w16 (check_gpu_candidates has the new
# test_mma_plain_float_weights).
# Usage: OUT=dir bash bench/2026-12-01-h200-v/call-4.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-4
mkdir -p "$O"
start=$SECONDS
# build-w16 was configured in /work/main/build-w16src, which device-env.sh links to this checkout:
# the kernels are embedded in the build, and the tests read nothing else from their sources.
BUILD=build-w16
. tools/device-env.sh
device_record "$O/device.txt" >> "$O/summary.txt"
BF="A=bfloat16,W=bfloat16,scale=0"
for round in 1 2; do
  for BUILD in build-after build-w16; do
    for r in "w16a16 256 8192 8192|mma bm=64 bn=64 bk=64 warps=2x2" \
             "$BF 256 28672 4096|mma bm=128 bn=128 bk=32 warps=2x2"; do
      read -r f m n k <<< "${r%%|*}"
      echo "round $round $BUILD: $(timeout 60 $BUILD/schedule-timer "$f" $m $n $k "${r#*|}" 2>&1 | tail -n 1)" >> "$O/timer.txt"
    done
  done
done
echo "timer at $((SECONDS - start)) s" >> "$O/summary.txt"
for BUILD in build-after build-w16; do
  . tools/device-env.sh
  BITBLAS_CACHE=$O/$BUILD.db timeout 90 "$BUILD/bitblas-bench" --preset llama-3-8b,llama-3-70b \
    --m 64,256 --formats "w16a16;$BF" --csv "$O/bench-$BUILD.csv" > "$O/bench-$BUILD.txt" 2>&1
  echo "bench $BUILD rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
done
BUILD=build-w16
. tools/device-env.sh
OUT=$O/checks BUILD=build-w16 timeout $((585 - (SECONDS - start))) bash tools/gpu-check.sh tests sanitizer > "$O/checks.txt" 2>&1
echo "gpu-check tests sanitizer rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
grep '^== ' "$O/checks.txt" >> "$O/summary.txt"
find "$O" -name '*.db*' -delete
(cd "$OUT" && tar czf call-4.tgz call-4)
cat "$O/summary.txt"
sed 's/ min_blocks.*| / | /' "$O/timer.txt" | cut -c1-140
grep -iE 'geomean' "$O"/bench-*.txt
grep -E "Test +#" "$O/checks/gpu-tests.log"
grep -h "^FAIL\|\*\*\*Failed\|:F:\|:E:" "$O"/checks/*.log 2>/dev/null | head -20
grep "ERROR SUMMARY\|^rc=" "$O/checks/sanitizer.log"
