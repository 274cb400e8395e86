#!/usr/bin/env bash
# Device call 2 of the thirty-third session: where the NF4 kernels with the shared table of pairs
# spend their time. Nsight Compute (sections, pipes, per-instruction stall samples) and SASS of the
# tuned NF4 winners of 57344 x 8192 at M = 1 and 16 (call 1), beside the bfloat16 x uint4 M = 1
# winner (scales before the mma too, decoded by bit tricks).
# Usage: OUT=dir bash bench/2026-12-01-h200-s/call-2.sh
set -u
cd "$(dirname "$0")/../.."
BUILD=build-gpu
. tools/device-env.sh
O=$OUT/call-2
mkdir -p "$O"
T=$BUILD/schedule-timer
s() { echo "tcgemv warps=$1 n_tiles=$2 m_tiles=$3 unroll=$4 words=4 post=0 stages=2 order=0$5"; }
sections="--section SpeedOfLight --section Occupancy --section LaunchStats --section WarpStateStats --section InstructionStats --section ComputeWorkloadAnalysis --section SchedulerStats --section MemoryWorkloadAnalysis"
metrics=smsp__inst_executed_pipe_alu.avg.pct_of_peak_sustained_active,smsp__inst_executed_pipe_fma.avg.pct_of_peak_sustained_active,smsp__inst_executed_pipe_fmaheavy.avg.pct_of_peak_sustained_active,smsp__pipe_tensor_op_hmma_cycles_active.avg.pct_of_peak_sustained_active,smsp__inst_executed_pipe_lsu.avg.pct_of_peak_sustained_active,smsp__inst_executed.sum,l1tex__data_pipe_lsu_wavefronts.avg.pct_of_peak_sustained_active,l1tex__data_pipe_lsu_wavefronts_mem_shared.sum,l1tex__data_bank_conflicts_pipe_lsu_mem_shared.sum,smsp__inst_executed_pipe_uniform.avg.pct_of_peak_sustained_active
run() { # name format M schedule
  local name=$1 f=$2 m=$3 sched=$4
  mkdir -p "$O/cubin-$name"
  CUBIN_DIR=$O/cubin-$name timeout 60 "$T" "$f" "$m" 57344 8192 "$sched" >"$O/time-$name.txt" 2>&1
  cuobjdump -sass "$O/cubin-$name/5.cubin" >"$O/sass-$name.txt" 2>&1
  timeout 90 ncu --clock-control none -k bitblas_kernel --launch-skip 5 --launch-count 1 $sections \
    "$T" "$f" "$m" 57344 8192 "$sched" >"$O/ncu-$name.txt" 2>&1
  timeout 90 ncu --clock-control none -k bitblas_kernel --launch-skip 5 --launch-count 1 --metrics $metrics \
    "$T" "$f" "$m" 57344 8192 "$sched" >"$O/pipes-$name.txt" 2>&1
  echo "== $name: $(grep -E ' us ' "$O/time-$name.txt" | sed 's/.*| *//')"
  grep -E 'pipe|inst_executed|wavefronts|conflicts' "$O/pipes-$name.txt" | head -n 12
  grep -E 'Duration|Registers Per|Achieved Occupancy|Theoretical Occupancy|Block Limit|Issue Slots Busy|No Eligible|Eligible Warps|Warp Cycles Per Issued|DRAM Throughput|Shared Memory Configuration Size|Dynamic Shared|Static Shared' "$O/ncu-$name.txt" | head -n 20
}
run nf4-m1 nf4 1 "$(s 8 2 1 1 ' pairs=shared')"
run nf4-m16 nf4 16 "$(s 4 3 2 1 ' pairs=shared')"
run u4bf-m1 w4a16-bf16 1 "$(s 4 2 1 2 '')"
timeout 120 ncu --clock-control none -k bitblas_kernel --launch-skip 5 --launch-count 1 --section WarpStateStats \
  --section SourceCounters --page source --print-source sass --csv \
  "$T" nf4 1 57344 8192 "$(s 8 2 1 1 ' pairs=shared')" >"$O/source-nf4-m1.csv" 2>&1
echo "source rc=$?"
