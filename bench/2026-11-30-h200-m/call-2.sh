#!/usr/bin/env bash
# Device call 2 of the twenty-seventh session: running sums (BB_RUNNING_SCALE in
# kernel_src/tcgemv.cu, running-sums.patch) against the kernel as it is, on tuned winners with
# scales after the mma and groups shorter than the row. Each variant is checked against the
# float64 reference, 3 rounds (smem-timer.c's DEFINES mode):
#   BB_RUNNING_SCALE 1   running sums, the code positions as they are;
#   BB_RUNNING_SCALE 2   also 4-bit codes summed in one position (activations prescaled).
# Usage: OUT=dir bash bench/2026-11-30-h200-m/call-2.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-2
mkdir -p "$O"
start=$SECONDS
BUILD=build-gpu
. tools/device-env.sh
device_record "$O/device.txt" > /dev/null
export BITBLAS_WORKER=$PWD/build-gpu/bitblas-worker BITBLAS_CACHE=$O/cache.db
export SMEM="" DEFINES="BB_RUNNING_SCALE 1;BB_RUNNING_SCALE 2"
T=build-gpu/smem-timer
s() { echo "tcgemv warps=$1 n_tiles=$2 m_tiles=$3 unroll=$4 words=4 post=$5 stages=2 order=2"; }
{
  $T w4a16 16 57344 8192 "$(s 4 3 2 1 1)" 3
  $T w4a16 16 8192 8192 "$(s 8 2 2 1 1)" 3
  $T w4a16 16 8192 28672 "$(s 8 2 2 1 1)" 3
  $T w4a16 16 28672 4096 "$(s 2 3 2 1 1)" 3
  $T w4a16 16 4096 14336 "$(s 16 2 2 1 1)" 3
  $T w4a16 16 6144 4096 "$(s 8 1 2 2 1)" 3
  $T w4a16 4 57344 8192 "$(s 8 2 1 1 1)" 3
  $T w4a16 1 57344 8192 "$(s 8 2 1 1 1)" 3
  $T w4a16 1 8192 28672 "$(s 8 2 1 2 1)" 3
  $T w4a16 1 8192 8192 "$(s 8 2 1 1 1)" 3
  $T w2a16 16 57344 8192 "$(s 4 3 2 1 1) blocks=4" 3
  $T w2a16 16 8192 8192 "$(s 8 2 2 1 1)" 3
  $T w2a16 1 57344 8192 "$(s 8 2 1 1 1)" 3
} > "$O/running.txt" 2>&1
echo "running done at $((SECONDS - start)) s"
rm -f "$O"/*.db*
(cd "$OUT" && tar czf call-2.tgz call-2)
cat "$O/running.txt"
rm -rf "$O"
