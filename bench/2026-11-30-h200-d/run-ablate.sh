#!/usr/bin/env bash
# Device call 7 of the eighteenth session: where wgmma-proto's time goes (ablations on 57344 x
# 8192), and Nsight Compute source counters of its full M = 16 variant. Build as in run-proto.sh.
set -u
cd "$(dirname "$0")/../.."
timeout 120 build-gpu/wgmma-proto ablate > "$OUT/ablate.txt" 2>&1
timeout 200 ncu --clock-control none -k regex:proto_kernel --launch-skip 2 --launch-count 1 \
  --section WarpStateStats --section SourceCounters --section SpeedOfLight --section Occupancy \
  --page source --print-source sass --csv build-gpu/wgmma-proto profile > "$OUT/proto-source.csv" 2>&1
timeout 100 ncu --clock-control none -k regex:proto_kernel --launch-skip 2 --launch-count 1 \
  --section WarpStateStats --section SpeedOfLight --section Occupancy --section LaunchStats \
  build-gpu/wgmma-proto profile > "$OUT/proto-ncu.txt" 2>&1
gzip -f "$OUT/proto-source.csv"
cat "$OUT/ablate.txt"
grep -E "Duration|Registers|Achieved Occupancy|Theoretical Occ|Block Limit|Warp Cycles Per Issued|DRAM Throughput|Compute \(SM\)" "$OUT/proto-ncu.txt"
