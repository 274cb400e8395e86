#!/usr/bin/env bash
# Device call 8 of the thirtieth session: can the graph suite fail? The mutant build launches
# every kernel that goes the ordinary way (not as a programmatic dependent) on the NULL stream
# instead of the caller's. Built here from a worktree of this tree with one line of
# tuner/launch.c changed (launch_kernel: cu->LaunchKernel(..., stream, ...) -> (..., NULL, ...))
# into build-mutant (cmake -S <worktree> -B build-mutant -DCMAKE_BUILD_TYPE=Release
# -DBITBLAS_WERROR=ON && cmake --build build-mutant), carried to the device.
# Usage (from the repo root): OUT=dir bash bench/2026-11-30-h200-p/call-8.sh
cd build-mutant/tests && for t in check_gpu_graphs; do BITBLAS_WORKER=$PWD/../bitblas-worker timeout 200 ./$t > $OUT/mutant-$t.log 2>&1; echo "$t rc=$?"; tail -5 $OUT/mutant-$t.log; done; BITBLAS_DEPENDENT_LAUNCH=1 BITBLAS_WORKER=$PWD/../bitblas-worker timeout 200 ./check_gpu_graphs > $OUT/mutant-graphs-dependent.log 2>&1; echo "dependent rc=$?"; tail -5 $OUT/mutant-graphs-dependent.log
