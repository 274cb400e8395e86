#!/usr/bin/env bash
# Device call 7 of the thirty-ninth session: what the making of the wgmma tile's tiles asks of L1
# and shared memory. Nsight Compute's memory tables (shared-memory wavefronts and bank conflicts
# by instruction kind, global loads' requests and sectors) and source counters on float16 x
# uint4 g128, M = 1024, 8192 x 8192, wgmma 128 x 256 x 64 on 2 warpgroups: the whole kernel
# (build-dev), and with parts left out (build-parts: a866657 with parts.patch, the experiment
# macros of call 1): W alone, A alone.
# Usage: OUT=dir bash bench/2026-12-02-h200-y/call-7.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-7
mkdir -p "$O"
start=$SECONDS
BUILD=build-dev
. tools/device-env.sh
device_record "$O/device.txt" >> "$O/summary.txt"
S="wgmma bm=128 bn=256 bk=64 groups=2x1 stages=4"
n=0
for run in "build-dev|" "build-parts|#define BB_X_NO_A 1
#define BB_X_NO_WGMMA 1" "build-parts|#define BB_X_NO_W 1
#define BB_X_NO_WGMMA 1"; do
  n=$((n + 1))
  b=${run%%|*}
  PREFIX="${run#*|}" timeout 90 ncu --clock-control none -k bitblas_kernel --launch-skip 0 \
    --launch-count 1 --section MemoryWorkloadAnalysis_Tables --section SourceCounters \
    --section LaunchStats --metrics gpu__time_duration.sum --print-details all \
    $b/schedule-timer w4a16 1024 8192 8192 "$S" > "$O/ncu-$n.txt" 2>&1
  echo "ncu $n ($b, $(echo "${run#*|}" | tr '\n' ' ')) rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
done
(cd "$OUT" && tar czf call-7.tgz call-7)
cat "$O/summary.txt"
for n in 1 2 3; do
  echo "== $n"
  grep -E "gpu__time_duration|Shared (Load|Store)|Global Load|LDGSTS|Wavefronts|Bank Conflicts|Sectors/Req|Hit Rate" "$O/ncu-$n.txt" | head -30
done
