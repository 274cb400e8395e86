#!/usr/bin/env bash
# Device call 7 of the twenty-sixth session: int8-activation (w2a8) M = 16 schedules of 4 warps,
# which take 160-170 registers and 12 warps per SM, as they are and with ptxas asked for 4
# blocks per SM ("BB_NONE 0|4"), each checked against the reference, 3 rounds (smem-timer.c's
# DEFINES mode; the first launch bounds of the module are bitblas_kernel's).
# Usage: OUT=dir bash bench/2026-11-30-h200-l/call-7.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-7
mkdir -p "$O"
start=$SECONDS
BUILD=build-gpu
. tools/device-env.sh
device_record "$O/device.txt" > /dev/null
export BITBLAS_WORKER=$PWD/build-gpu/bitblas-worker BITBLAS_CACHE=$O/cache.db
export SMEM="" DEFINES="BB_NONE 0|4"
T=build-gpu/smem-timer
s() { echo "tcgemv_int8 warps=$1 n_tiles=$2 m_tiles=2 unroll=$3 words=$4 stages=2"; }
{
  $T w2a8 16 28672 4096 "$(s 4 2 2 4)" 3
  $T w2a8 16 28672 4096 "$(s 4 2 2 2)" 3
  $T w2a8 16 28672 4096 "$(s 4 2 1 2)" 3
  $T w2a8 16 10240 8192 "$(s 4 2 2 2)" 3
  $T w2a8 16 10240 8192 "$(s 4 2 2 4)" 3
  $T w2a8 16 57344 8192 "$(s 4 2 2 2)" 3
  $T w2a8 16 57344 8192 "$(s 4 2 1 2)" 3
  $T w2a8 16 8192 28672 "$(s 4 2 2 2)" 3
  $T w2a8 16 6144 4096 "$(s 4 2 2 2)" 3
  $T w2a8 16 8192 8192 "$(s 4 2 2 2)" 3
} > "$O/int8.txt" 2>&1
echo "int8 done at $((SECONDS - start)) s"
rm -f "$O"/*.db*
(cd "$OUT" && tar czf call-7.tgz call-7)
cat "$O/int8.txt"
rm -rf "$O"
