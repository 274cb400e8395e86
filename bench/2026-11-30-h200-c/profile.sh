#!/usr/bin/env bash
# Nsight Compute and SASS of the M = 1 winners of 57344 x 8192 for 1-, 2- and 4-bit codes and
# the 4-bit M = 16 winner (sixteenth section's candidates), to see where their instructions go:
# instruction mix, pipe use, warp states, per-instruction stall samples (1- and 2-bit), SASS.
# Usage: BUILD=build-gpu OUT=dir bash bench/2026-11-30-h200-c/profile.sh
set -u
cd "$(dirname "$0")/../.."
T=${BUILD:-build-gpu}/schedule-timer
O=/tmp/bitblas-profile/profile
mkdir -p "$O"
export BITBLAS_WORKER=$PWD/${BUILD:-build-gpu}/bitblas-worker
s() { echo "tcgemv warps=$1 n_tiles=$2 m_tiles=$3 unroll=$4 words=4 post=$5 stages=2 order=2"; }
sections="--section SpeedOfLight --section Occupancy --section LaunchStats --section WarpStateStats --section InstructionStats --section ComputeWorkloadAnalysis --section SchedulerStats --section MemoryWorkloadAnalysis"
run() { # name format M schedule
  local name=$1 f=$2 m=$3 sched=$4
  mkdir -p "$O/cubin-$name"
  CUBIN_DIR=$O/cubin-$name "$T" "$f" "$m" 57344 8192 "$sched" >"$O/time-$name.txt" 2>&1
  cuobjdump -sass "$O/cubin-$name/5.cubin" >"$O/sass-$name.txt" 2>&1
  ncu --clock-control none -k bitblas_kernel --launch-skip 5 --launch-count 1 $sections \
    "$T" "$f" "$m" 57344 8192 "$sched" >"$O/ncu-$name.txt" 2>&1
  ncu --clock-control none -k bitblas_kernel --launch-skip 5 --launch-count 1 --metrics \
    smsp__inst_executed_pipe_alu.avg.pct_of_peak_sustained_active,smsp__inst_executed_pipe_fma.avg.pct_of_peak_sustained_active,smsp__inst_executed_pipe_fmaheavy.avg.pct_of_peak_sustained_active,smsp__pipe_tensor_op_hmma_cycles_active.avg.pct_of_peak_sustained_active,smsp__inst_executed_pipe_lsu.avg.pct_of_peak_sustained_active,smsp__inst_executed.sum,l1tex__data_pipe_lsu_wavefronts.avg.pct_of_peak_sustained_active \
    "$T" "$f" "$m" 57344 8192 "$sched" >"$O/pipes-$name.txt" 2>&1
  grep -E 'pipe|inst_executed|wavefronts' "$O/pipes-$name.txt" | head -n 8
  echo "== $name: $(grep -E ' us ' "$O/time-$name.txt" | sed 's/.*| *//')"
  grep -E 'Duration|Registers Per|Achieved Occupancy|Issue Slots Busy|No Eligible|Eligible Warps|Warp Cycles Per Issued|DRAM Throughput' "$O/ncu-$name.txt" | head -n 12
}
run w1-m1 w1a16 1 "$(s 4 4 1 1 1)"
run w2-m1 w2a16 1 "$(s 8 2 1 2 1)"
run w4-m1 w4a16 1 "$(s 4 2 1 2 1)"
run w4-m16 w4a16 16 "$(s 4 2 2 2 0)"
for name in w1-m1 w2-m1; do
  case $name in w1-m1) f=w1a16; sched=$(s 4 4 1 1 1) ;; w2-m1) f=w2a16; sched=$(s 8 2 1 2 1) ;; esac
  ncu --clock-control none -k bitblas_kernel --launch-skip 5 --launch-count 1 --section WarpStateStats \
    --section SourceCounters --page source --print-source sass --csv \
    "$T" "$f" 1 57344 8192 "$sched" >"$O/source-$name.csv" 2>&1
done
mkdir -p "${OUT:-/tmp}" && tar czf "${OUT:-/tmp}/profile.tgz" -C /tmp/bitblas-profile profile
