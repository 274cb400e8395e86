#!/usr/bin/env bash
# test.sh - the README's test command: a warnings-as-errors build, then every test suite.
# GPU suites (label gpu) exit 77 (skipped) where no CUDA device is present. The installed package
# is then used through pkg-config and find_package, and a second build with AddressSanitizer and
# UndefinedBehaviorSanitizer runs the CPU suites again.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)
# Configure from scratch each time, so no option left in a cache changes what is tested.
rm -f build/CMakeCache.txt build-sanitize/CMakeCache.txt
cmake -S . -B build -DBITBLAS_WERROR=ON -DBITBLAS_SANITIZE=OFF >/dev/null
cmake --build build -j"$jobs"
(cd build && ctest --output-on-failure -j"$jobs")

# The installed package: pkg-config and find_package(bitblas) both lead to a working program.
prefix=$PWD/build/install-test
rm -rf "$prefix"
cmake --install build --prefix "$prefix" >/dev/null
pc_dir=$(dirname "$(find "$prefix" -name bitblas.pc)")
lib_dir=$(dirname "$(find "$prefix" -name 'libbitblas.so' | head -n 1)")
cc tests/install/consumer.c $(PKG_CONFIG_PATH=$pc_dir pkg-config --cflags --libs bitblas) -o "$prefix/consumer"
LD_LIBRARY_PATH=$lib_dir "$prefix/consumer"
cmake -S tests/install -B "$prefix/cmake-consumer" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$prefix/cmake-consumer" >/dev/null
LD_LIBRARY_PATH=$lib_dir "$prefix/cmake-consumer/consumer"
cmake -S . -B build-sanitize -DBITBLAS_WERROR=ON -DBITBLAS_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build build-sanitize -j"$jobs"
(cd build-sanitize && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -j"$jobs" -L cpu -LE nvrtc)
