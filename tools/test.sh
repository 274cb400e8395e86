#!/usr/bin/env bash
# test.sh - the README's test command: a warnings-as-errors build, then every test suite.
# GPU suites (label gpu) exit 77 (skipped) where no CUDA device is present. A second build with
# AddressSanitizer and UndefinedBehaviorSanitizer runs the CPU suites again.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B build -DBITBLAS_WERROR=ON >/dev/null
cmake --build build -j"$jobs"
(cd build && ctest --output-on-failure -j"$jobs")
cmake -S . -B build-sanitize -DBITBLAS_WERROR=ON -DBITBLAS_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build build-sanitize -j"$jobs"
(cd build-sanitize && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -j"$jobs" -L cpu -LE nvrtc)
