#!/usr/bin/env bash
# Device call 3 of the twenty-third session: where the one-kernel BitNet layer's time goes on a
# layer of many blocks (13824 x 2560, the BitNet 2B gate/up, at M = 1 and 4). Each shape is tuned
# first without the profiler; then Nsight Compute on the one-kernel layer and on the product.
# Usage: OUT=dir bash bench/2026-11-30-h200-i/call-3.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-3
mkdir -p "$O"
start=$SECONDS
BUILD=build-gpu
. tools/device-env.sh
device_record "$O/device.txt" >> "$O/summary.txt"
export BITBLAS_CACHE=$O/p.db
sections="--section SpeedOfLight --section MemoryWorkloadAnalysis --section MemoryWorkloadAnalysis_Tables --section WarpStateStats --section Occupancy --section LaunchStats --section SchedulerStats --section ComputeWorkloadAnalysis"
for m in 1 4; do
  shape="$m,13824,2560"
  timeout 120 build-gpu/bitblas-bench --shapes "$shape" --formats bitnet --runs 50 > "$O/tune-m$m.txt" 2>&1
  echo "tune M=$m rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
  for kernel in bitblas_quantize_and_multiply bitblas_kernel bitblas_quantize_rows; do
    # shellcheck disable=SC2086
    timeout 150 ncu --kernel-name $kernel --launch-skip 12 --launch-count 1 $sections \
      build-gpu/bitblas-bench --shapes "$shape" --formats bitnet --runs 50 --enqueue direct \
      > "$O/ncu-$kernel-m$m.txt" 2>&1
    echo "ncu $kernel M=$m rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
  done
done
rm -f "$O"/*.db*
(cd "$OUT" && tar czf call-3.tgz call-3)
cat "$O/summary.txt"
for f in "$O"/ncu-*.txt; do
  echo "== $(basename "$f")"
  grep -E 'Duration|DRAM Throughput|L1/TEX Hit|L2 Hit|Memory Throughput|Registers Per|Achieved Occupancy|Issue Slots Busy|Warp Cycles Per Issued|L2 Cache Throughput|L1/TEX Cache Throughput|Grid Size|Block Size|Executed Ipc Active|No Eligible|Dynamic Shared' "$f" | head -n 22
done
rm -rf "$O"
