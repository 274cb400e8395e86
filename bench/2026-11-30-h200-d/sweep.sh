#!/usr/bin/env bash
# Device call 1 of the eighteenth session: schedules outside the candidate lists, timed by
# schedule-timer (the tuner's measurement, each checked against the float64 reference first)
# beside the tuned winners of call 4 of the seventeenth session, 2 rounds; then Nsight Compute
# source counters of the 4-bit M = 16 winner of 57344 x 8192.
# Usage: OUT=dir bash bench/2026-11-30-h200-d/sweep.sh
set -u
cd "$(dirname "$0")/../.."
T=build-gpu/schedule-timer
O=$OUT/call-1
mkdir -p "$O"
export BITBLAS_WORKER=$PWD/build-gpu/bitblas-worker
s() { echo "tcgemv warps=$1 n_tiles=$2 m_tiles=$3 unroll=$4 words=4 post=$5 stages=${6:-2} order=2"; }
m16() {
  $T w4a16 16 "$1" "$2" "$(s 4 3 2 1 1)" "$(s 4 2 2 2 0)" "$(s 8 2 2 1 1)" "$(s 8 2 2 1 0)" \
    "$(s 2 2 2 2 0)" "$(s 2 3 2 1 1)" "$(s 2 2 2 1 1)" "$(s 2 4 2 1 0)" "$(s 1 2 2 2 0)" \
    "$(s 1 3 2 1 1)" "$(s 4 4 2 1 0)" "$(s 8 4 2 1 0)" "$(s 4 3 2 2 0)" "$(s 8 2 2 1 1 3)" \
    "$(s 4 3 2 1 1)"
}
m1() {
  $T w4a16 1 "$1" "$2" "$(s 8 2 1 1 1)" "$(s 8 2 1 2 1)" "$(s 2 2 1 1 1)" "$(s 2 2 1 2 1)" \
    "$(s 1 2 1 2 1)" "$(s 2 1 1 2 1)" "$(s 4 2 1 1 1)" "$(s 8 2 1 1 1)"
}
start=$SECONDS
for round in 1 2; do
  for shape in "57344 8192" "8192 28672" "10240 8192" "28672 4096"; do
    m16 $shape >> "$O/m16.txt" 2>&1
    m1 $shape >> "$O/m1.txt" 2>&1
  done
  echo "round $round done at $((SECONDS - start)) s"
done
for shape in "57344 8192" "8192 28672"; do
  MIN_BLOCKS=3 $T w4a16 1 $shape "$(s 8 2 1 1 1)" "$(s 4 2 1 2 1)" >> "$O/minblocks.txt" 2>&1
  $T w4a16 1 $shape "$(s 8 2 1 1 1)" "$(s 4 2 1 2 1)" >> "$O/minblocks.txt" 2>&1
done
echo "min blocks done at $((SECONDS - start)) s"
# Source counters (stall reasons per SASS instruction) of the M = 16 winner, and its SASS.
mkdir -p "$O/cubin"
CUBIN_DIR=$O/cubin $T w4a16 16 57344 8192 "$(s 4 3 2 1 1)" > /dev/null 2>&1
cuobjdump -sass "$O/cubin/5.cubin" > "$O/sass-w4-m16.txt" 2>&1
timeout 150 ncu --clock-control none -k bitblas_kernel --launch-skip 5 --launch-count 1 \
  --section WarpStateStats --section SourceCounters --page source --print-source sass --csv \
  $T w4a16 16 57344 8192 "$(s 4 3 2 1 1)" > "$O/source-w4-m16.csv" 2>&1
timeout 100 ncu --clock-control none -k bitblas_kernel --launch-skip 5 --launch-count 1 \
  --section WarpStateStats --section MemoryWorkloadAnalysis_Tables --section SpeedOfLight \
  $T w4a16 16 57344 8192 "$(s 4 3 2 1 1)" > "$O/ncu-w4-m16.txt" 2>&1
echo "profile done at $((SECONDS - start)) s"
gzip -f "$O/source-w4-m16.csv"; rm -rf "$O/cubin"
summary() { # file: per schedule, the times of both rounds
  awk '{for(i=1;i<=NF;i++) if($i=="us") t=$(i-1); split($0,a,"|"); sub(/ +(ok|bad|fail).*/,"",a[2]); k=$2" "$3"x"$4" |"a[2]; v[k]=v[k]" "t; if(!(k in o)){o[k]=++n; ks[n]=k}} END{for(i=1;i<=n;i++) print ks[i], v[ks[i]]}' "$1"
}
{ echo "== M = 16"; summary "$O/m16.txt"; echo "== M = 1"; summary "$O/m1.txt"; echo "== min blocks"; cat "$O/minblocks.txt"; } > "$OUT/call-1.txt"
(cd "$OUT" && tar czf call-1.tgz call-1 && rm -rf call-1)
cat "$OUT/call-1.txt"
