#!/usr/bin/env bash
# Device call 3 of the nineteenth session: where the tiled mma kernel's time goes at M = 128, and
# three placements of the next step's W dequantization (BB_W_STORE_PLACE 0/1/2) with ptxas asked
# for 1-4 blocks per SM (MIN_BLOCKS), timed by schedule-timer (each checked against the float64
# reference first). Nsight Compute source counters of the M = 128 8192 x 8192 winner.
# Usage: OUT=dir bash bench/2026-11-30-h200-e/call-3.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-3
mkdir -p "$O/cubin"
start=$SECONDS
configured=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' build-gpu/CMakeCache.txt)
if [ -n "$configured" ] && [ ! -e "$configured" ]; then mkdir -p "$(dirname "$configured")" && ln -s "$PWD" "$configured"; fi
export BITBLAS_WORKER=$PWD/build-gpu/bitblas-worker
T=build-gpu/schedule-timer
m() { echo "mma bm=$1 bn=$2 bk=$3 warps=$4x$5"; }
W=$(m 64 64 64 2 2)
timeout 120 ncu --clock-control none -k bitblas_kernel --launch-skip 5 --launch-count 1 \
  --section WarpStateStats --section SourceCounters --section SpeedOfLight --section Occupancy \
  --section LaunchStats --page source --print-source sass --csv \
  $T w4a16 128 8192 8192 "$W" > "$O/source-m128.csv" 2>&1
timeout 60 ncu --clock-control none -k bitblas_kernel --launch-skip 5 --launch-count 1 \
  --section WarpStateStats --section SpeedOfLight --section Occupancy --section LaunchStats \
  --section MemoryWorkloadAnalysis_Tables --section ComputeWorkloadAnalysis \
  $T w4a16 128 8192 8192 "$W" > "$O/ncu-m128.txt" 2>&1
echo "profile done at $((SECONDS - start)) s" >> "$O/summary.txt"
for job in "128 8192 8192" "128 57344 8192" "64 8192 8192" "256 8192 8192"; do
  for place in 0 1 2; do
    for mb in - 3 4; do
      [ $((SECONDS - start)) -gt 330 ] && break 3
      if [ "$mb" = - ]; then unset MIN_BLOCKS; else export MIN_BLOCKS=$mb; fi
      PREFIX="#define BB_W_STORE_PLACE $place" timeout 60 $T w4a16 $job "$W" "$(m 128 64 32 4 1)" \
        "$(m 64 64 32 2 2)" "$(m 128 128 32 2 4)" >> "$O/place.txt" 2>&1
    done
  done
done
unset MIN_BLOCKS
echo "placements done at $((SECONDS - start)) s" >> "$O/summary.txt"
gzip -f "$O/source-m128.csv"; rm -rf "$O/cubin"
python3 bench/2026-11-30-h200-d/stalls.py "$O/source-m128.csv.gz" > "$O/stalls-m128.txt" 2>&1
(cd "$OUT" && tar czf call-3.tgz call-3)
cat "$O/stalls-m128.txt"
grep -E "Registers Per|Achieved Occupancy|Theoretical Occupancy|Block Limit|Duration|Compute \(SM\) Thr|Memory Thr|Issue Slots Busy|Warp Cycles Per Issued|Executed Ipc A" "$O/ncu-m128.txt" | sed 's/  */ /g'
awk '{t="-"; for(i=1;i<=NF;i++) if($i=="us") t=$(i-1); split($0,a,"|"); p=$0; sub(/.*PLACE /,"",p); sub(/ \|.*/,"",p); s=a[2]; sub(/ +(ok|bad|fail|wrong|error).*/,"",s); st=($0 ~ / ok /) ? "" : " NOT-OK"; print $2, $3"x"$4, t, $5, "place=" p, "|" s st}' "$O/place.txt" | sort -k1,1n -k2,2 -k3,3g | awk '{k=$1" "$2; if (n[k]++ < 8 || / NOT-OK/) print}'
cat "$O/summary.txt"
rm -rf "$O"
