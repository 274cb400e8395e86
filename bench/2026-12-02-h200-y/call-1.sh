#!/usr/bin/env bash
# Device call 1 of the thirty-ninth session: where the wgmma tile's step goes. float16 x uint4
# g128 (w4a16), M = 1024, 8192 x 8192, wgmma 128 x 256 x 64 on 2 warpgroups: Nsight Compute's
# stall sampling by SASS instruction and its pipe, scheduler and memory sections; the kernel's
# time with parts of its step left out (the experiment macros of parts.patch, applied to a866657's
# kernel_src/wgmma.cu in the build this call ran, set through schedule-timer's PREFIX; wrong
# results on purpose, so timed by Nsight Compute: gpu__time_duration of one launch); then the
# tuning time of the three-tile list (bitblas-bench on an empty cache).
# Usage: OUT=dir bash bench/2026-12-02-h200-y/call-1.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-1
mkdir -p "$O/cubins"
start=$SECONDS
BUILD=build-dev
. tools/device-env.sh
device_record "$O/device.txt" >> "$O/summary.txt"
S="wgmma bm=128 bn=256 bk=64 groups=2x1 stages=4"
CUBIN_DIR=$O/cubins timeout 60 $BUILD/schedule-timer w4a16 1024 8192 8192 "$S" >> "$O/summary.txt" 2>&1
cuobjdump -sass "$O"/cubins/*.cubin > "$O/sass.txt" 2>&1
n=0
for prefix in "" "#define BB_X_NO_WGMMA 1" "#define BB_X_NO_W 1" "#define BB_X_NO_A 1" \
  "#define BB_X_NO_A 1
#define BB_X_NO_W 1" "#define BB_X_NO_A 1
#define BB_X_NO_WGMMA 1"; do
  n=$((n + 1))
  echo "== $n prefix '$prefix'" | tr '\n' ' ' >> "$O/parts.txt"; echo >> "$O/parts.txt"
  PREFIX="$prefix" timeout 60 ncu --clock-control none -k bitblas_kernel --launch-skip 0 \
    --launch-count 1 --metrics gpu__time_duration.sum,sm__cycles_elapsed.avg.per_second \
    --section SpeedOfLight \
    $BUILD/schedule-timer w4a16 1024 8192 8192 "$S" > "$O/parts-$n.txt" 2>&1
  grep -E "gpu__time_duration|SM Frequency|Compute \(SM\) Throughput|Memory Throughput|wrong|ok " \
    "$O/parts-$n.txt" >> "$O/parts.txt"
done
echo "parts at $((SECONDS - start)) s" >> "$O/summary.txt"
timeout 150 ncu --clock-control none -k bitblas_kernel --launch-skip 3 --launch-count 1 \
  --section SpeedOfLight --section ComputeWorkloadAnalysis --section WarpStateStats \
  --section SchedulerStats --section MemoryWorkloadAnalysis --section Occupancy \
  --metrics "regex:sm__pipe_tensor_op.*cycles_active.avg.pct_of_peak_sustained_active" \
  --print-details all $BUILD/schedule-timer w4a16 1024 8192 8192 "$S" > "$O/ncu.txt" 2>&1
timeout 150 ncu --clock-control none -k bitblas_kernel --launch-skip 3 --launch-count 1 \
  --page source --print-source sass --csv --section SourceCounters \
  $BUILD/schedule-timer w4a16 1024 8192 8192 "$S" > "$O/ncu-source.csv" 2>&1
echo "ncu at $((SECONDS - start)) s" >> "$O/summary.txt"
n=0
for set in "llama-3-8b,llama-3-70b|1024|w4a16,w2a8" "llama-3-8b|4096,8192|w4a16" "llama-3-8b|8192|w2a8"; do
  n=$((n + 1))
  IFS='|' read -r presets ms formats <<< "$set"
  BITBLAS_CACHE=$O/cache.db timeout 200 "$BUILD/bitblas-bench" --preset "$presets" --m "$ms" \
    --formats "$formats" --csv "$O/bench-$n.csv" > "$O/bench-$n.txt" 2>&1
  echo "bench $set rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
done
find "$O" -name '*.db*' -delete
(cd "$OUT" && tar czf call-1.tgz call-1)
cat "$O/summary.txt"
cat "$O/parts.txt"
grep -hE "tuned in" "$O"/bench-*.txt | sed -E 's/.*(M=[0-9]+ N=[0-9]+ K=[0-9]+ [a-z0-9]+): tuned in ([0-9.]+ s), ([0-9.]+ µs).*/\1 \2 \3/' | sort -k5 -g | tail -8
grep -h geomean "$O"/bench-*.txt
