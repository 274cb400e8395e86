#!/usr/bin/env bash
# Device call 2 of the twenty-ninth session, on the tree whose runs are programmatic dependents:
# (1) the back-to-back test on a build whose kernels do not wait (build-mutant: this tree with
# no-wait.patch), which must fail; (2) bitblas-bench, Llama-3 8B at M = 1,
# 4-bit codes, build-base (1f71dc0) and this tree in turn, twice, each on its own empty cache
# (call 1's A/B had 6144 x 4096 9.8 % slower on the same schedule, the bench's first row);
# (3) every GPU suite and the sanitizer stage.
# (Calls 1-6 ran an earlier form of the tree in which dependent runs were always on; its kernels
# and launches are the final tree's with BITBLAS_DEPENDENT_LAUNCH=1. There "=0" meant the same
# kernels launched the ordinary way. bench/RESULTS.md, twenty-ninth section.)
# Usage: OUT=dir bash bench/2026-11-30-h200-o/call-2.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-2
mkdir -p "$O"
start=$SECONDS
BUILD=build-gpu
. tools/device-env.sh
device_record "$O/device.txt" >> "$O/summary.txt"
mkdir -p "$O/mutant"
BITBLAS_WORKER=$PWD/build-mutant/bitblas-worker TMPDIR=$O/mutant timeout 150 \
  build-mutant/tests/check_gpu_op > "$O/mutant.txt" 2>&1
echo "mutant check_gpu_op rc=$? (must fail) at $((SECONDS - start)) s" >> "$O/summary.txt"
for round in 1 2; do
  for build in build-base build-gpu; do
    BITBLAS_CACHE=$O/bench-$build-$round.db BITBLAS_WORKER=$PWD/$build/bitblas-worker timeout 60 \
      $build/bitblas-bench --preset llama-3-8b --m 1 --formats w4a16 \
      --csv "$O/bench-$build-$round.csv" > "$O/bench-$build-$round.txt" 2>&1
    echo "bench $build round $round rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
  done
done
OUT=$O/checks BUILD=build-gpu timeout 400 bash tools/gpu-check.sh tests sanitizer > "$O/checks.txt" 2>&1
echo "gpu-check tests sanitizer rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
grep '^== ' "$O/checks.txt" >> "$O/summary.txt"
rm -f "$O"/checks/*.db* "$O"/*.db*
find "$O/mutant" -name '*.db*' -delete
(cd "$OUT" && tar czf call-2.tgz call-2)
cat "$O/summary.txt"
grep -E "^[0-9]+%|Checks|Failures|back_to_back|round [0-9]" "$O/mutant.txt" | head -8
for f in "$O"/bench-*.csv; do echo "$f"; cut -d, -f3,4,7,9 "$f" | tail -n +2; done
grep -h "^FAIL\|\*\*\*Failed" "$O"/checks/*.log 2>/dev/null | head -20
grep "ERROR SUMMARY\|^rc=" "$O/checks/sanitizer.log"
