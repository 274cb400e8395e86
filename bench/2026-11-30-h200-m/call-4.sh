#!/usr/bin/env bash
# Device call 4 of the twenty-seventh session: wgmma-proto-2, the eighteenth section's wgmma
# prototype with its groups no longer serialized by ptxas (fragments in two register sets, the
# descriptors made before each group, the groups drained every CS segments). Its checks against
# float64, its timings on five layers at M = 1 and 16, and its ablations on 57344 x 8192.
# Built here first, from the repo root (wgmma-proto-2.patch applies to the first version):
#   d=$(mktemp -d) && cp bench/2026-11-30-h200-d/wgmma-proto.cu "$d"/wgmma-proto-2.cu &&
#   patch "$d"/wgmma-proto-2.cu bench/2026-11-30-h200-m/wgmma-proto-2.patch &&
#   nvcc -O3 -std=c++17 -gencode arch=compute_90a,code=sm_90a -lineinfo \
#     "$d"/wgmma-proto-2.cu -o build-gpu/wgmma-proto-2
# Usage: OUT=dir bash bench/2026-11-30-h200-m/call-4.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-4
mkdir -p "$O"
start=$SECONDS
BUILD=build-gpu
. tools/device-env.sh
device_record "$O/device.txt" > /dev/null
timeout 300 build-gpu/wgmma-proto-2 > "$O/proto.txt" 2>&1
echo "proto rc=$? at $((SECONDS - start)) s" >> "$O/proto.txt"
timeout 120 build-gpu/wgmma-proto-2 ablate > "$O/ablate.txt" 2>&1
echo "ablate rc=$? at $((SECONDS - start)) s" >> "$O/ablate.txt"
(cd "$OUT" && tar czf call-4.tgz call-4)
cat "$O/proto.txt" "$O/ablate.txt"
rm -rf "$O"
