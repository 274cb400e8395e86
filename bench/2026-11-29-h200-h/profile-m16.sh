#!/bin/bash
# Nsight Compute on the 4-bit M = 16 winner of 57344 x 8192 (bench/2026-11-29-h200-g/bench.csv)
# beside the M = 1 winner of the same layer: speed of light, occupancy, warp states, pipes and
# memory; and the M = 16 kernel's SASS with per-instruction stall samples (CSV).
# Usage: BUILD=build-gpu OUT=dir bash profile-m16.sh
T=${BUILD:-build-gpu}/schedule-timer
O=${OUT:-/tmp}
M16="tcgemv warps=4 n_tiles=2 m_tiles=2 unroll=2 words=4 post=0 stages=2 order=2"
M1="tcgemv warps=8 n_tiles=2 m_tiles=1 unroll=1 words=4 post=1 stages=3 order=2"
sections="--section SpeedOfLight --section Occupancy --section LaunchStats --section WarpStateStats --section SourceCounters --section ComputeWorkloadAnalysis --section MemoryWorkloadAnalysis --section InstructionStats"
ncu --clock-control none -k bitblas_kernel --launch-skip 5 --launch-count 1 $sections \
  "$T" w4a16 16 57344 8192 "$M16" >"$O/ncu-m16-details.txt" 2>&1
ncu --clock-control none -k bitblas_kernel --launch-skip 5 --launch-count 1 $sections \
  "$T" w4a16 1 57344 8192 "$M1" >"$O/ncu-m1-details.txt" 2>&1
ncu --clock-control none -k bitblas_kernel --launch-skip 5 --launch-count 1 --section WarpStateStats \
  --section SourceCounters --page source --print-source sass --csv \
  "$T" w4a16 16 57344 8192 "$M16" >"$O/ncu-m16-source.csv" 2>&1
