#!/usr/bin/env bash
# Device call 3 of the thirtieth session, on the two-GPU machine: can the two-device given-sums
# test fail? The mutant build takes every given-sums workspace from device 0's pool. Built here
# from a worktree of this tree with one line of tuner/launch.c changed:
#   bb_workspace_pool(cu, device, &product->workspace) -> bb_workspace_pool(cu, 0, ...)
# into build-mutant (cmake -S <worktree> -B build-mutant -DCMAKE_BUILD_TYPE=Release
# -DBITBLAS_WERROR=ON && cmake --build build-mutant), carried to the device.
# Usage (from the repo root): OUT=dir bash bench/2026-11-30-h200-p/call-3.sh
cd build-mutant/tests && BITBLAS_WORKER=$PWD/../bitblas-worker timeout 300 ./check_gpu_devices > $OUT/mutant-devices.log 2>&1; echo "rc=$?"; tail -20 $OUT/mutant-devices.log
