#!/usr/bin/env bash
# Device call 2 of the twenty-sixth session: the M = 16 winners that sum their activations, with
# each pair of m tiles' sums in one mma (as-is) and with one mma per m tile (BB_PAIRED_ACT_SUMS 0,
# the committed kernel's arithmetic), each checked against the float64 reference, 5 rounds.
# Run with paired-act-sums.patch applied to kernel_src/tcgemv.cu (and build-gpu rebuilt).
# Usage: OUT=dir bash bench/2026-11-30-h200-l/call-2.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-2
mkdir -p "$O"
start=$SECONDS
BUILD=build-gpu
. tools/device-env.sh
device_record "$O/device.txt" > /dev/null
export BITBLAS_WORKER=$PWD/build-gpu/bitblas-worker BITBLAS_CACHE=$O/cache.db
export SMEM="" DEFINES="BB_PAIRED_ACT_SUMS 0"
T=build-gpu/smem-timer
s() { echo "tcgemv warps=$1 n_tiles=$2 m_tiles=$3 unroll=$4 words=4 post=$5 stages=2 order=2"; }
{
  $T w4a16 16 57344 8192 "$(s 4 3 2 1 1)" 5
  $T w4a16 16 8192 28672 "$(s 8 2 2 1 1)" 5
  $T w4a16 16 28672 4096 "$(s 2 3 2 1 1)" 5
  $T w4a16 16 8192 8192 "$(s 8 2 2 1 1)" 5
  $T w4a16 16 4096 14336 "$(s 16 2 2 1 1)" 5
  $T w4a16 16 6144 4096 "$(s 8 1 2 2 1)" 5
  $T w4a16 16 10240 8192 "$(s 4 2 2 1 1)" 5
  $T w4a16 16 4096 4096 "$(s 8 1 2 1 1)" 5
  $T w2a16 16 57344 8192 "$(s 4 3 2 1 1)" 5
  $T w2a16 16 10240 8192 "$(s 8 1 2 2 1)" 5
  $T w4a16 8 57344 8192 "$(s 4 3 1 1 1)" 3
} > "$O/paired.txt" 2>&1
echo "paired done at $((SECONDS - start)) s"
rm -f "$O"/*.db*
(cd "$OUT" && tar czf call-2.tgz call-2)
cat "$O/paired.txt"
rm -rf "$O"
