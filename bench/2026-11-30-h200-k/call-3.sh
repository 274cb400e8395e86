#!/usr/bin/env bash
# Device call 3 of the twenty-fifth session: warps in row groups (BB_ROW_GROUPS 1, 2, 4, set
# through ablate-timer's ROW_GROUPS mode, build-gpu built with row-groups.patch applied; each
# variant checked against the float64 reference, then timed as bitblas-bench times),
# 3 rounds, on M = 16 layers whose activations' loads cost most in call 2, and a few others.
# Usage: OUT=dir bash bench/2026-11-30-h200-k/call-3.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-3
mkdir -p "$O"
start=$SECONDS
BUILD=build-gpu
. tools/device-env.sh
device_record "$O/device.txt" > /dev/null
export BITBLAS_WORKER=$PWD/build-gpu/bitblas-worker BITBLAS_CACHE=$O/cache.db ROW_GROUPS=1
T=build-gpu/ablate-timer
s() { echo "tcgemv warps=$1 n_tiles=$2 m_tiles=$3 unroll=$4 words=4 post=$5 stages=2 order=2"; }
run() { timeout 60 $T "$@" >> "$O/row-groups.txt" 2>&1; }
run w1a16 16 57344 8192 "$(s 4 4 2 1 1)"
run w1a16 16 57344 8192 "$(s 8 4 2 1 1)"
run w1a16 16 57344 8192 "$(s 4 2 2 1 1)"
run w1a16 16 57344 8192 "$(s 8 2 2 1 1)"
run w2a16 16 57344 8192 "$(s 4 3 2 1 1)"
run w2a16 16 57344 8192 "$(s 8 2 2 1 1)"
run w2a16 16 57344 8192 "$(s 4 2 2 1 1)"
run w4a16 16 57344 8192 "$(s 4 3 2 1 1)"
run w4a16 16 57344 8192 "$(s 8 2 2 1 1)"
run w1a16 16 8192 28672 "$(s 8 4 2 1 1)"
run w1a16 16 8192 28672 "$(s 8 2 2 1 1)"
run w2a16 16 8192 28672 "$(s 8 2 2 1 1)"
run w1a16 16 28672 4096 "$(s 2 4 2 1 1)"
run w1a16 16 28672 4096 "$(s 4 4 2 1 1)"
run w2a16 16 28672 4096 "$(s 2 3 2 1 1)"
run w1a16 16 10240 8192 "$(s 8 4 2 1 1)"
run w1a16 16 8192 8192 "$(s 8 4 2 1 1)"
run w1a16 8 57344 8192 "$(s 4 4 1 1 1)"
run w4a16 1 57344 8192 "$(s 8 2 1 1 1)"
echo "row groups done at $((SECONDS - start)) s"
rm -f "$O"/*.db*
(cd "$OUT" && tar czf call-3.tgz call-3)
cat "$O/row-groups.txt" | grep -v "^\s*$"
rm -rf "$O"
