#!/usr/bin/env bash
# Device call 6 of the twenty-ninth session: where the blocks of a grid land with and without
# griddepcontrol instructions in the kernel (smid-timer), for the grids of the schedules that
# were slower with them (6144 x 4096 and 4096 x 14336 at M = 1: 384 and 256 blocks of 512
# threads) and of one that was not (192 blocks of 256 threads).
# (Calls 1-6 ran an earlier form of the tree in which dependent runs were always on; its kernels
# and launches are the final tree's with BITBLAS_DEPENDENT_LAUNCH=1. There "=0" meant the same
# kernels launched the ordinary way. bench/RESULTS.md, twenty-ninth section.)
# Usage: OUT=dir bash bench/2026-11-30-h200-o/call-6.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-6
mkdir -p "$O"
BUILD=build-gpu
. tools/device-env.sh
device_record "$O/device.txt" >> "$O/summary.txt"
for grid in "384 512" "256 512" "192 256" "528 512"; do
  timeout 60 build-gpu/smid-timer $grid >> "$O/smid.txt" 2>&1
done
(cd "$OUT" && tar czf call-6.tgz call-6)
cat "$O/summary.txt" "$O/smid.txt"
