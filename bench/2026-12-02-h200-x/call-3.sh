#!/usr/bin/env bash
# Device call 3 of the thirty-eighth session: which instructions of the wgmma family stall.
# Nsight Compute's warp-state sampling by SASS instruction (SourceCounters, one launch) on
# float16 x uint4 g128, M = 256, 8192 x 8192, 128 x 128 x 64 on 2 warpgroups; the SASS with it.
# Usage: OUT=dir bash bench/2026-12-02-h200-x/call-3.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-3
mkdir -p "$O/cubins"
BUILD=build-dev
. tools/device-env.sh
device_record "$O/device.txt" >> "$O/summary.txt"
schedule="wgmma bm=128 bn=128 bk=64 groups=2x1 stages=4"
CUBIN_DIR=$O/cubins timeout 60 $BUILD/schedule-timer w4a16 256 8192 8192 "$schedule" >> "$O/summary.txt" 2>&1
cuobjdump -sass "$O"/cubins/*.cubin > "$O/sass.txt" 2>&1
timeout 150 ncu --clock-control none -k bitblas_kernel --launch-skip 5 --launch-count 1 \
  --section SourceCounters --section WarpStateStats --print-details all \
  $BUILD/schedule-timer w4a16 256 8192 8192 "$schedule" > "$O/ncu.txt" 2>&1
timeout 150 ncu --clock-control none -k bitblas_kernel --launch-skip 5 --launch-count 1 \
  --page source --print-source sass --csv --section SourceCounters \
  $BUILD/schedule-timer w4a16 256 8192 8192 "$schedule" > "$O/ncu-source.csv" 2>&1
(cd "$OUT" && tar czf call-3.tgz call-3)
cat "$O/summary.txt"
grep -c . "$O/sass.txt"
grep -E "HGMMA|WARPGROUP|DEPBAR|BAR.SYNC|LDGSTS|FENCE" "$O/sass.txt" | head -30
