#!/usr/bin/env bash
# Device call 5 of the thirty-fourth session: where the float16 x NF4 M = 1 winner of 57344 x 8192
# spends its time now (build-exp = d044d44: lookups by PRMT and LEA, neighbouring pairs), by
# Nsight Compute (sections and pipes, as call 2 of the thirty-third session), with its SASS; and
# the same schedule bound to 5 blocks per SM (" blocks=5": at most 51 registers) against its
# 3.4 waves of 4 blocks, with the schedule timer (2 rounds).
# Usage: OUT=dir bash bench/2026-12-01-h200-t/call-5.sh
set -u
cd "$(dirname "$0")/../.."
BUILD=build-exp
. tools/device-env.sh
O=$OUT/call-5
mkdir -p "$O"
device_record "$O/device.txt" > "$O/summary.txt"
T=$BUILD/schedule-timer
sched="tcgemv warps=8 n_tiles=2 m_tiles=1 unroll=1 words=4 post=0 stages=2 order=2 pairs=shared"
sections="--section SpeedOfLight --section Occupancy --section LaunchStats --section WarpStateStats --section InstructionStats --section ComputeWorkloadAnalysis --section SchedulerStats --section MemoryWorkloadAnalysis"
metrics=smsp__inst_executed_pipe_alu.avg.pct_of_peak_sustained_active,smsp__inst_executed_pipe_fma.avg.pct_of_peak_sustained_active,smsp__inst_executed_pipe_fmaheavy.avg.pct_of_peak_sustained_active,smsp__pipe_tensor_op_hmma_cycles_active.avg.pct_of_peak_sustained_active,smsp__inst_executed_pipe_lsu.avg.pct_of_peak_sustained_active,smsp__inst_executed.sum,l1tex__data_pipe_lsu_wavefronts.avg.pct_of_peak_sustained_active,l1tex__data_pipe_lsu_wavefronts_mem_shared.sum,l1tex__data_bank_conflicts_pipe_lsu_mem_shared.sum,smsp__inst_executed_pipe_uniform.avg.pct_of_peak_sustained_active
timeout 90 ncu --clock-control none -k bitblas_kernel --launch-skip 5 --launch-count 1 $sections \
  "$T" nf4 1 57344 8192 "$sched" > "$O/ncu-nf4-m1.txt" 2>&1
timeout 90 ncu --clock-control none -k bitblas_kernel --launch-skip 5 --launch-count 1 --metrics $metrics \
  "$T" nf4 1 57344 8192 "$sched" > "$O/pipes-nf4-m1.txt" 2>&1
for round in 1 2; do
  timeout 60 "$T" nf4 1 57344 8192 "$sched" "$sched blocks=5" 2>&1 | sed "s/^/round $round: /"
done > "$O/blocks.txt"
(cd "$OUT" && tar czf call-5.tgz call-5)
cat "$O/summary.txt"
grep -E 'pipe|inst_executed|wavefronts|conflicts' "$O/pipes-nf4-m1.txt" | head -n 12
grep -E 'Duration|Registers Per|Achieved Occupancy|Theoretical Occupancy|Issue Slots Busy|No Eligible|Warp Cycles Per Issued|DRAM Throughput|L1/TEX Cache Throughput|Memory Throughput' "$O/ncu-nf4-m1.txt" | head -n 20
sed 's/ min_blocks=- | tcgemv / /; s/ words=4 post=0 stages=2 order=2//' "$O/blocks.txt"
