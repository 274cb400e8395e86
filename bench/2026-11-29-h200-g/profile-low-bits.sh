#!/bin/bash
# Nsight Compute on the 1- and 2-bit M = 1 winners of 57344 x 8192 (bench.csv of this folder):
# speed of light, occupancy, warp states and source counters, and the 1-bit kernel's SASS with
# per-instruction stall samples (CSV).
# Usage: BUILD=build-gpu OUT=dir bash profile-low-bits.sh
T=${BUILD:-build-gpu}/schedule-timer
O=${OUT:-/tmp}
W1="tcgemv warps=4 n_tiles=2 m_tiles=1 unroll=2 words=4 post=1 stages=2 order=2"
W2="tcgemv warps=4 n_tiles=2 m_tiles=1 unroll=2 words=2 post=1 stages=2 order=0"
sections="--section SpeedOfLight --section Occupancy --section LaunchStats --section WarpStateStats --section SourceCounters --section ComputeWorkloadAnalysis --section MemoryWorkloadAnalysis"
ncu --clock-control none -k bitblas_kernel --launch-skip 5 --launch-count 1 $sections \
  "$T" w1a16 1 57344 8192 "$W1" >"$O/ncu-w1-details.txt" 2>&1
ncu --clock-control none -k bitblas_kernel --launch-skip 5 --launch-count 1 $sections \
  "$T" w2a16 1 57344 8192 "$W2" >"$O/ncu-w2-details.txt" 2>&1
ncu --clock-control none -k bitblas_kernel --launch-skip 5 --launch-count 1 --section WarpStateStats \
  --section SourceCounters --page source --print-source sass --csv \
  "$T" w1a16 1 57344 8192 "$W1" >"$O/ncu-w1-source.csv" 2>&1
