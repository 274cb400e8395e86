#!/usr/bin/env bash
# quickstart.sh - the README's first command: installs what is missing (Debian/Ubuntu), builds,
# then tunes the default preset (Llama-3-8B decode shapes, float16 x uint4 g128 with scales and
# zeros) and runs one checked matmul per shape. Without a CUDA device the build still completes
# and bitblas-tune says that no device was found, exiting non-zero.
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
command -v cmake >/dev/null || missing+=(cmake)
command -v cc >/dev/null || missing+=(gcc)
command -v pkg-config >/dev/null || missing+=(pkg-config)
[ -f /usr/include/sqlite3.h ] || missing+=(libsqlite3-dev)
pkg-config --exists check 2>/dev/null || missing+=(check)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd=sudo
  $sudo_cmd apt-get update
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y "${missing[@]}"
fi
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc 2>/dev/null || echo 2)"
export BITBLAS_WORKER=$PWD/build/bitblas-worker
exec build/bitblas-tune --preset llama-3-8b --m 1 --formats w4a16 --check "$@"
