#!/usr/bin/env bash
# Device call 5 of the eighteenth session: wgmma-proto.cu, then the tuned tcgemv winners of the
# same shapes by schedule-timer. wgmma-proto is built here first; proto-1.txt came from an earlier
# version of the file that committed and waited on one wgmma group per k16 block:
#   nvcc -O3 -std=c++17 -gencode arch=compute_90a,code=sm_90a -lineinfo \
#     bench/2026-11-30-h200-d/wgmma-proto.cu -o build-gpu/wgmma-proto
set -u
cd "$(dirname "$0")/../.."
export BITBLAS_WORKER=$PWD/build-gpu/bitblas-worker
timeout 300 build-gpu/wgmma-proto > "$OUT/proto.txt" 2>&1
echo "proto rc=$?" >> "$OUT/proto.txt"
s() { echo "tcgemv warps=$1 n_tiles=$2 m_tiles=$3 unroll=$4 words=4 post=$5 stages=2 order=2"; }
T=build-gpu/schedule-timer
{
  $T w4a16 1 57344 8192 "$(s 8 2 1 1 1)"
  $T w4a16 16 57344 8192 "$(s 4 3 2 1 1)" "$(s 4 2 2 2 0)"
  $T w4a16 1 8192 28672 "$(s 8 2 1 2 1)"
  $T w4a16 16 8192 28672 "$(s 8 2 2 1 1)"
  $T w4a16 1 28672 4096 "$(s 8 2 1 1 1)"
  $T w4a16 16 28672 4096 "$(s 2 3 2 1 1)"
  $T w4a16 1 8192 8192 "$(s 8 2 1 1 1)"
  $T w4a16 16 8192 8192 "$(s 8 2 2 1 1)"
  $T w4a16 1 4096 4096 "$(s 16 1 1 1 1)"
  $T w4a16 16 4096 4096 "$(s 8 2 2 2 1)"
} > "$OUT/tcgemv.txt" 2>&1
cat "$OUT/proto.txt"; cat "$OUT/tcgemv.txt"
