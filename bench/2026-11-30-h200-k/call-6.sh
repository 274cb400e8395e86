#!/usr/bin/env bash
# Device call 6 of the twenty-fifth session: what launching in thread-block clusters costs by
# itself (ablate-timer's CLUSTER mode: the tuned winner launched plainly, then in clusters of 2
# and 4 blocks; no code change), 3 rounds. If nothing, clusters could split only the last
# partial wave's blocks in K.
# Usage: OUT=dir bash bench/2026-11-30-h200-k/call-6.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-6
mkdir -p "$O"
start=$SECONDS
BUILD=build-gpu
. tools/device-env.sh
device_record "$O/device.txt" > /dev/null
export BITBLAS_WORKER=$PWD/build-gpu/bitblas-worker BITBLAS_CACHE=$O/cache.db CLUSTER=1
T=build-gpu/ablate-timer
s() { echo "tcgemv warps=$1 n_tiles=$2 m_tiles=$3 unroll=$4 words=4 post=$5 stages=2 order=2"; }
run() { timeout 60 $T "$@" >> "$O/clusters.txt" 2>&1; }
run w4a16 16 57024 8192 "$(s 4 3 2 1 1)"
run w4a16 16 8192 28672 "$(s 8 2 2 1 1)"
run w4a16 16 8192 8192 "$(s 8 2 2 1 1)"
run w2a16 16 57024 8192 "$(s 4 3 2 1 1)"
run w1a16 16 57344 8192 "$(s 4 4 2 1 1)"
run w4a16 1 57344 8192 "$(s 8 2 1 1 1)"
run w4a16 1 8192 28672 "$(s 8 2 1 2 1)"
echo "clusters done at $((SECONDS - start)) s"
rm -f "$O"/*.db*
(cd "$OUT" && tar czf call-6.tgz call-6)
grep -v "^\s*$" "$O/clusters.txt"
rm -rf "$O"
