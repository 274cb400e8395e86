#!/usr/bin/env bash
# Device call 4 of the twenty-sixth session: 1- and 2-bit M = 16 schedules on the 8 Llama-3
# layers as they are and with ptxas asked for 16 warps per SM ("BB_NONE 0|B": B = 16 / warps
# blocks per SM), each checked against the float64 reference, 3 rounds (smem-timer.c's DEFINES
# mode).
# Usage: OUT=dir bash bench/2026-11-30-h200-l/call-4.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-4
mkdir -p "$O"
start=$SECONDS
BUILD=build-gpu
. tools/device-env.sh
device_record "$O/device.txt" > /dev/null
export BITBLAS_WORKER=$PWD/build-gpu/bitblas-worker BITBLAS_CACHE=$O/cache.db
export SMEM=""
T=build-gpu/smem-timer
s() { echo "tcgemv warps=$1 n_tiles=$2 m_tiles=2 unroll=$3 words=4 post=$4 stages=2 order=2"; }
one() { # format N K warps n_tiles unroll post
  DEFINES="BB_NONE 0|$((16 / $4))" $T "$1" 16 "$2" "$3" "$(s "$4" "$5" "$6" "$7")" 3
}
{
  for layer in "6144 4096" "4096 4096" "28672 4096" "4096 14336" "10240 8192" "8192 8192" \
               "57344 8192" "8192 28672"; do
    set -- $layer
    for shape in "4 3 1 1" "4 4 1 1" "8 3 1 1" "8 4 1 1" "2 3 1 1"; do
      one w1a16 "$1" "$2" $shape
    done
    for shape in "4 3 1 1" "4 4 1 1" "8 3 1 1" "2 3 1 1" "8 2 1 1" "4 2 2 0" "8 2 1 0"; do
      one w2a16 "$1" "$2" $shape
    done
    echo "layer $1 x $2 done at $((SECONDS - start)) s" >&2
  done
} > "$O/blocks.txt" 2> "$O/progress.txt"
echo "blocks done at $((SECONDS - start)) s"
rm -f "$O"/*.db*
(cd "$OUT" && tar czf call-4.tgz call-4)
cat "$O/blocks.txt" | grep -v "^$"
rm -rf "$O"
