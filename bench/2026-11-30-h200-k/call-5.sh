#!/usr/bin/env bash
# Device call 5 of the twenty-fifth session: does the last partial wave of blocks cost the
# large layers? The 4-bit winners of 57344 x 8192 (M = 1: 32-row blocks, 3 per SM, so 396 at a
# time and 4.53 waves; M = 16: 48-row blocks, 3 per SM, 3.02 waves) timed on N that give whole
# and partial waves (ablate-timer, the "as-is" line; 3 rounds).
# Usage: OUT=dir bash bench/2026-11-30-h200-k/call-5.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-5
mkdir -p "$O"
start=$SECONDS
BUILD=build-gpu
. tools/device-env.sh
device_record "$O/device.txt" > /dev/null
export BITBLAS_WORKER=$PWD/build-gpu/bitblas-worker BITBLAS_CACHE=$O/cache.db
T=build-gpu/ablate-timer
s() { echo "tcgemv warps=$1 n_tiles=$2 m_tiles=$3 unroll=$4 words=4 post=$5 stages=2 order=2"; }
for n in 50688 53856 57024 57344 60192 63360; do
  timeout 60 $T w4a16 1 $n 8192 "$(s 8 2 1 1 1)" >> "$O/waves.txt" 2>&1
done
for n in 38016 47520 52272 57024 57344 66528; do
  timeout 60 $T w4a16 16 $n 8192 "$(s 4 3 2 1 1)" >> "$O/waves.txt" 2>&1
done
echo "waves done at $((SECONDS - start)) s"
rm -f "$O"/*.db*
(cd "$OUT" && tar czf call-5.tgz call-5)
grep -A1 "check" "$O/waves.txt" | grep -v "^--" | paste - - | awk '{print $1, $2, $3, $4, "|", $(NF-3), $(NF-2), $(NF-1)}'
rm -rf "$O"
