#!/usr/bin/env bash
# Device call 1 of the twenty-sixth session: the tuned M = 16 winners (and a few M = 1 ones) with
# their stages in registers (as-is) and in a ring of S slots of dynamic shared memory
# (smem-timer.c; "S/B" also asks ptxas for B blocks per SM), 3 rounds.
# Run with smem-stages.patch applied to kernel_src/tcgemv.cu (and build-gpu rebuilt).
# Usage: OUT=dir bash bench/2026-11-30-h200-l/call-1.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-1
mkdir -p "$O"
start=$SECONDS
BUILD=build-gpu
. tools/device-env.sh
device_record "$O/device.txt" > /dev/null
export BITBLAS_WORKER=$PWD/build-gpu/bitblas-worker BITBLAS_CACHE=$O/cache.db
T=build-gpu/smem-timer
s() { echo "tcgemv warps=$1 n_tiles=$2 m_tiles=$3 unroll=$4 words=4 post=$5 stages=2 order=2"; }
{
  SMEM="3 4 6 3/4 4/3" $T w4a16 16 57344 8192 "$(s 4 3 2 1 1)"
  SMEM="3 4 6 8" $T w4a16 16 57344 8192 "$(s 2 3 2 1 1)"
  SMEM="3 4 6" $T w4a16 16 57344 8192 "$(s 8 2 2 1 1)"
  SMEM="3 4 6" $T w4a16 16 57344 8192 "$(s 4 2 2 1 1)"
  SMEM="3 4 6" $T w4a16 16 57344 8192 "$(s 4 4 2 1 1)"
  SMEM="3 4 6" $T w4a16 16 8192 28672 "$(s 8 2 2 1 1)"
  SMEM="3 4 6" $T w4a16 16 8192 28672 "$(s 4 3 2 1 1)"
  SMEM="3 4 6 8" $T w4a16 16 28672 4096 "$(s 2 3 2 1 1)"
  SMEM="3 4 6" $T w4a16 16 28672 4096 "$(s 4 3 2 1 1)"
  SMEM="3 4 6" $T w4a16 16 10240 8192 "$(s 4 2 2 2 0)"
  SMEM="3 4 6" $T w4a16 16 8192 8192 "$(s 8 2 2 1 1)"
  SMEM="3 4 6" $T w2a16 16 57344 8192 "$(s 4 3 2 1 1)"
  SMEM="3 4 6" $T w1a16 16 57344 8192 "$(s 4 4 2 1 1)"
  SMEM="3 4 6" $T w4a16 1 57344 8192 "$(s 8 2 1 1 1)"
  SMEM="3 4 6" $T w4a16 1 8192 28672 "$(s 8 2 1 2 1)"
} > "$O/smem.txt" 2>&1
echo "smem done at $((SECONDS - start)) s"
rm -f "$O"/*.db*
(cd "$OUT" && tar czf call-1.tgz call-1)
cat "$O/smem.txt"
rm -rf "$O"
