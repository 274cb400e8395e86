#!/usr/bin/env bash
# Device call 10 of the thirtieth session: the graph suite under compute-sanitizer memcheck, as
# it is and with dependent runs (the first of the two is now a step of tools/gpu-check.sh's
# sanitizer stage).
# Usage (from the repo root): OUT=dir bash bench/2026-11-30-h200-p/call-10.sh
cd build-gpu/tests && BITBLAS_WORKER=$PWD/../bitblas-worker timeout 300 compute-sanitizer --tool memcheck --error-exitcode 9 ./check_gpu_graphs > $OUT/memcheck-graphs.log 2>&1; echo "memcheck rc=$?"; BITBLAS_DEPENDENT_LAUNCH=1 BITBLAS_WORKER=$PWD/../bitblas-worker timeout 200 compute-sanitizer --tool memcheck --error-exitcode 9 ./check_gpu_graphs > $OUT/memcheck-graphs-dependent.log 2>&1; echo "memcheck dependent rc=$?"; grep -h "ERROR SUMMARY\|Checks:" $OUT/*.log
