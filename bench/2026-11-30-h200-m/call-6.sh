#!/usr/bin/env bash
# Device call 6 of the twenty-seventh session: the activations' sums with shorter chains of
# dependent mma (act-chains.patch applied; with its defaults the kernel is the committed one),
# against the kernel as it is, each variant checked against the float64 reference and held to
# the as-is kernel's blocks per SM, 3 rounds (smem-timer.c's DEFINES mode, "NAME VALUE|B"):
#   BB_PAIRED_ACT_SUMS 1   one mma per pair of m tiles (the twenty-sixth section's try);
#   BB_PAIRED_ACT_SUMS 2   the same in two accumulators, taken by the mma blocks in turn;
#   BB_ACT_CHAINS 2        one mma per m tile, in two accumulators.
# Usage: OUT=dir bash bench/2026-11-30-h200-m/call-6.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-6
mkdir -p "$O"
start=$SECONDS
BUILD=build-gpu
. tools/device-env.sh
device_record "$O/device.txt" > /dev/null
export BITBLAS_WORKER=$PWD/build-gpu/bitblas-worker BITBLAS_CACHE=$O/cache.db SMEM=""
T=build-gpu/smem-timer
s() { echo "tcgemv warps=$1 n_tiles=$2 m_tiles=$3 unroll=$4 words=4 post=$5 stages=2 order=2"; }
one() { # blocks format M N K schedule
  DEFINES="BB_PAIRED_ACT_SUMS 1|$1;BB_PAIRED_ACT_SUMS 2|$1;BB_ACT_CHAINS 2|$1" $T "$2" "$3" "$4" "$5" "$6" 3
}
{
  one 3 w4a16 16 57344 8192 "$(s 4 3 2 1 1)"
  one 2 w4a16 16 8192 8192 "$(s 8 2 2 1 1)"
  one 2 w4a16 16 8192 28672 "$(s 8 2 2 1 1)"
  one 6 w4a16 16 28672 4096 "$(s 2 3 2 1 1)"
  one 1 w4a16 16 4096 14336 "$(s 16 2 2 1 1)"
  one 3 w4a16 16 6144 4096 "$(s 8 1 2 2 1)"
  one 3 w4a16 1 57344 8192 "$(s 8 2 1 1 1)"
  one 2 w4a16 1 8192 28672 "$(s 8 2 1 2 1)"
  one 3 w4a16 1 8192 8192 "$(s 8 2 1 1 1)"
  one 3 w4a16 4 57344 8192 "$(s 8 2 1 1 1)"
  one 4 w2a16 16 57344 8192 "$(s 4 3 2 1 1) blocks=4"
} > "$O/chains.txt" 2>&1
echo "chains done at $((SECONDS - start)) s"
rm -f "$O"/*.db*
(cd "$OUT" && tar czf call-6.tgz call-6)
cat "$O/chains.txt"
rm -rf "$O"
