# device-env.sh - sourced from the repo root by the scripts that run on a lent GPU machine
# (tools/gpu-check.sh and the bench/ call scripts), after they set BUILD (a build tree made on
# another machine and carried over):
#   - the build tree records the absolute path it was configured in (ctest reads it); a link at
#     that path leads to this checkout;
#   - BITBLAS_WORKER is the build's tuning worker;
#   - device_record FILE writes the card (name, driver, memory, clock) to FILE and prints one line
#     with it and the time.
configured=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$BUILD/CMakeCache.txt")
if [ -n "$configured" ] && [ ! -e "$configured" ]; then
  mkdir -p "$(dirname "$configured")" && ln -s "$PWD" "$configured"
fi
export BITBLAS_WORKER=$PWD/$BUILD/bitblas-worker
device_record() {
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv >"$1" 2>&1
  echo "device: $(tail -n 1 "$1") on $(date -u +%Y-%m-%dT%H:%MZ)"
}
