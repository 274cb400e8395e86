#!/usr/bin/env bash
# Device call 3 of the twenty-sixth session: M = 16 winners with fewer registers, so that more
# blocks fit an SM: 4-bit codes with prescaled activations (one sum position, BB_PRESCALED_ACTS 1)
# and ptxas asked for more blocks per SM ("|B"), each variant checked against the float64
# reference, 5 rounds (smem-timer.c's DEFINES mode).
# Run with prescaled-4bit-switch.patch applied to kernel_src/tcgemv.cu (and build-gpu rebuilt).
# Usage: OUT=dir bash bench/2026-11-30-h200-l/call-3.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-3
mkdir -p "$O"
start=$SECONDS
BUILD=build-gpu
. tools/device-env.sh
device_record "$O/device.txt" > /dev/null
export BITBLAS_WORKER=$PWD/build-gpu/bitblas-worker BITBLAS_CACHE=$O/cache.db
export SMEM=""
T=build-gpu/smem-timer
s() { echo "tcgemv warps=$1 n_tiles=$2 m_tiles=$3 unroll=$4 words=4 post=$5 stages=2 order=2"; }
P4="BB_NONE 0|4;BB_PRESCALED_ACTS 1;BB_PRESCALED_ACTS 1|4"
P8="BB_NONE 0|8;BB_PRESCALED_ACTS 1;BB_PRESCALED_ACTS 1|8"
P2="BB_NONE 0|2;BB_PRESCALED_ACTS 1;BB_PRESCALED_ACTS 1|2"
{
  DEFINES="$P4" $T w4a16 16 57344 8192 "$(s 4 3 2 1 1)" 5
  DEFINES="$P8" $T w4a16 16 57344 8192 "$(s 2 3 2 1 1)" 5
  DEFINES="$P4" $T w4a16 16 57344 8192 "$(s 4 2 2 1 1)" 5
  DEFINES="$P4" $T w4a16 16 8192 28672 "$(s 4 3 2 1 1)" 5
  DEFINES="$P2" $T w4a16 16 8192 28672 "$(s 8 2 2 1 1)" 5
  DEFINES="$P8" $T w4a16 16 28672 4096 "$(s 2 3 2 1 1)" 5
  DEFINES="$P4" $T w4a16 16 10240 8192 "$(s 4 3 2 1 1)" 5
  DEFINES="$P4" $T w4a16 16 8192 8192 "$(s 4 3 2 1 1)" 5
  DEFINES="BB_NONE 0|4" $T w2a16 16 57344 8192 "$(s 4 3 2 1 1)" 5
  DEFINES="BB_NONE 0|4" $T w1a16 16 57344 8192 "$(s 4 4 2 1 1)" 5
} > "$O/registers.txt" 2>&1
echo "registers done at $((SECONDS - start)) s"
rm -f "$O"/*.db*
(cd "$OUT" && tar czf call-3.tgz call-3)
cat "$O/registers.txt"
rm -rf "$O"
