#!/usr/bin/env bash
# gpu-check.sh - everything that needs a GPU, in one call: the GPU test suites, compute-sanitizer
# on the kernels (through the example and awkward shapes), the benchmark, and the several-process
# tuning check. Logs go under $OUT (default /tmp/bitblas-gpu-check); a short summary comes last.
#
#   tools/gpu-check.sh [tests] [sanitizer] [bench|bench-quick] [profile] [multiprocess] [ab]
# (default: tests sanitizer bench multiprocess; bench-quick is the Llama-3 4-bit rows only, with
# runs enqueued held and direct; ab times the Llama-3 sets at M = 1 and 16 for 4-, 2- and 1-bit
# weights with the build in $BASE_BUILD and then with $BUILD, each tuning on its own cache, for
# an A/B of two versions on one machine).
# Expects a built tree in ./build (cmake -B build && cmake --build build).
set -u
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/bitblas-gpu-check}
mkdir -p "$OUT"
BUILD=${BUILD:-build}
stages=${*:-tests sanitizer bench multiprocess}
summary=()
# bitblas-bench runs: presets, M list, formats, extra options. The quick set's "--enqueue direct"
# rows time the same operators with each run enqueued as the GPU goes, for comparison.
full_sets='llama-3-8b,llama-3-70b 1,4,16 w4a16,w2a16,w1a16,w2a8
bitnet-b1.58-2b 1 bitnet
bitblas 1 w4a16
awkward 1,16 w4a16'
quick_sets='llama-3-8b,llama-3-70b 1,16 w4a16
llama-3-8b,llama-3-70b 1,16 w4a16 --enqueue direct'
note() { summary+=("$1"); echo "== $1"; }

. tools/device-env.sh
note "$(device_record "$OUT/device.txt")"

for stage in $stages; do
  case $stage in
  tests)
    start=$SECONDS
    (cd "$BUILD" && ctest -L gpu --output-on-failure -j1) >"$OUT/gpu-tests.log" 2>&1
    rc=$?
    note "gpu suites: rc=$rc in $((SECONDS - start)) s: $(grep -E 'tests passed|tests failed' "$OUT/gpu-tests.log" | tail -n 1)"
    grep -E '^FAIL|format matrix:|core shape matrix:|op_get|Passed|Failed|\*\*\*' "$OUT/gpu-tests.log" | head -n 60
    ;;
  sanitizer)
    start=$SECONDS
    export BITBLAS_CACHE=$OUT/sanitizer-cache.db
    rm -f "$BITBLAS_CACHE"*
    {
      echo "--- memcheck: example (tuning runs every candidate in the worker, also under memcheck)"
      timeout 240 compute-sanitizer --tool memcheck --target-processes all --error-exitcode 99 \
        "$BUILD/bitblas-example" 16 2880 4096
      echo "rc=$?"
      echo "--- memcheck: awkward shapes and formats through bitblas-tune --check"
      timeout 150 compute-sanitizer --tool memcheck --target-processes all --error-exitcode 99 \
        "$BUILD/bitblas-tune" --preset awkward --m 1,17 --formats w4a16 --check
      echo "rc=$?"
      echo "--- memcheck: 2-bit layers whose candidates include given sums (a kernel of their own, workspace from the pool)"
      timeout 240 compute-sanitizer --tool memcheck --target-processes all --error-exitcode 99 \
        "$BUILD/bitblas-tune" --shapes "16,8192,8192;1,8192,8192" --formats w2a16 --check
      echo "rc=$?"
      echo "--- racecheck: example from the cache"
      timeout 60 compute-sanitizer --tool racecheck --error-exitcode 99 "$BUILD/bitblas-example" 16 2880 4096
      echo "rc=$?"
      echo "--- memcheck: example with dependent runs (BITBLAS_DEPENDENT_LAUNCH=1: kernels of their own, tuned here)"
      BITBLAS_DEPENDENT_LAUNCH=1 timeout 240 compute-sanitizer --tool memcheck --target-processes all \
        --error-exitcode 99 "$BUILD/bitblas-example" 16 2880 4096
      echo "rc=$?"
      echo "--- memcheck: runs captured into CUDA graphs and replayed (check_gpu_graphs)"
      BITBLAS_WORKER=$PWD/$BUILD/bitblas-worker timeout 240 compute-sanitizer --tool memcheck \
        --target-processes all --error-exitcode 99 "$BUILD/tests/check_gpu_graphs"
      echo "rc=$?"
    } >"$OUT/sanitizer.log" 2>&1
    note "sanitizer: $(grep -c '^rc=0' "$OUT/sanitizer.log")/6 clean in $((SECONDS - start)) s; $(grep -E 'ERROR SUMMARY' "$OUT/sanitizer.log" | sort | uniq -c | tr '\n' ' ')"
    unset BITBLAS_CACHE
    ;;
  bench | bench-quick)
    # SPEC section 6 shape sets; one table and one CSV for all of them.
    if [ "$stage" = bench ]; then sets=$full_sets; else sets=$quick_sets; fi
    start=$SECONDS
    export BITBLAS_CACHE=$OUT/bench-cache.db
    : >"$OUT/bench.txt"
    rm -f "$OUT/bench.csv"
    while read -r presets ms formats extra; do
      # shellcheck disable=SC2086 # extra holds zero or more options
      "$BUILD/bitblas-bench" --preset "$presets" --m "$ms" --formats "$formats" $extra \
        --csv "$OUT/bench-part.csv" >>"$OUT/bench.txt" 2>&1
      note "bench $presets M=$ms $formats $extra: rc=$?"
      if [ -f "$OUT/bench.csv" ]; then tail -n +2 "$OUT/bench-part.csv" >>"$OUT/bench.csv"
      else cp "$OUT/bench-part.csv" "$OUT/bench.csv"; fi
      rm -f "$OUT/bench-part.csv"
    done <<<"$sets"
    grep -iE 'geomean|copy bandwidth|launch floor' "$OUT/bench.txt"
    # Every candidate's time and outcome per tuned shape, from the cache the runs filled.
    python3 tools/cache-candidates.py "$BITBLAS_CACHE" >"$OUT/candidates.txt" 2>"$OUT/candidates.err" ||
      note "cache-candidates.py failed: $(head -c 300 "$OUT/candidates.err")"
    # Time to the first op_get of each shape (the tuning included), from the runs' own lines.
    grep -oE 'tuned in [0-9.]+ s' "$OUT/bench.txt" | awk '{print $3}' | sort -n |
      awk '{t[NR] = $1; if ($1 <= 3) fast++}
        END {
          if (NR == 0) { print "first op_get: 0 tuned (every operator came from the cache)"; exit }
          median = NR % 2 ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2
          printf "first op_get: %d tuned, median %.2f s, max %.2f s, %d within 3 s\n", NR, median, t[NR], fast
        }' | tee "$OUT/tuning-times.txt"
    note "bench took $((SECONDS - start)) s"
    unset BITBLAS_CACHE
    ;;
  profile)
    # Nsight Compute on the tuned 4-bit kernels of one large layer at M = 1 and M = 16 (from the
    # bench stage's cache when it ran). Each shape is tuned first without the profiler, so that
    # the profiled launch is the tuned kernel and not a candidate in the tuning worker. Runs are
    # enqueued directly: a held stream would wait on the profiler's serialized launches.
    start=$SECONDS
    export BITBLAS_CACHE=$OUT/bench-cache.db
    for m in 1 16; do
      timeout 300 "$BUILD/bitblas-bench" --shapes "$m,57344,8192" --formats w4a16 --runs 50 \
        >"$OUT/profile-tune-m$m.txt" 2>&1 ||
        note "profile M=$m: tuning before the profile failed (rc=$?); the profile may show a candidate"
      timeout 300 ncu --kernel-name bitblas_kernel --launch-skip 12 --launch-count 1 \
        --section SpeedOfLight --section MemoryWorkloadAnalysis \
        --section MemoryWorkloadAnalysis_Tables --section WarpStateStats \
        --section Occupancy --section LaunchStats --section ComputeWorkloadAnalysis \
        "$BUILD/bitblas-bench" --shapes "$m,57344,8192" --formats w4a16 --runs 50 \
        --enqueue direct >"$OUT/profile-m$m.txt" 2>&1
      note "profile M=$m 57344x8192 w4a16: rc=$?"
      grep -E 'Duration|DRAM Throughput|L1/TEX Hit|L2 Hit|Memory Throughput|Registers Per|Achieved Occupancy|Issue Slots Busy|Stall|Warp Cycles Per Issued|L2 Cache Throughput|L1/TEX Cache Throughput|Grid Size|Block Size' "$OUT/profile-m$m.txt" | head -n 24
    done
    note "profile took $((SECONDS - start)) s"
    unset BITBLAS_CACHE
    ;;
  ab)
    start=$SECONDS
    side=0
    for build in "${BASE_BUILD:?ab needs BASE_BUILD, a second build tree}" "$BUILD"; do
      side=$((side + 1))
      name=$side-$(basename "$build") # 1: the base, 2: this build
      case $build in /*) worker=$build/bitblas-worker ;; *) worker=$PWD/$build/bitblas-worker ;; esac
      BITBLAS_CACHE=$OUT/ab-$name.db BITBLAS_WORKER=$worker \
        timeout 200 "$build/bitblas-bench" --preset llama-3-8b,llama-3-70b --m 1,16 \
        --formats w4a16,w2a16,w1a16 --csv "$OUT/ab-$name.csv" >"$OUT/ab-$name.txt" 2>&1
      note "ab $name: rc=$?"
      grep -iE 'geomean' "$OUT/ab-$name.txt"
    done
    note "ab took $((SECONDS - start)) s"
    ;;
  multiprocess)
    start=$SECONDS
    bash tools/multiprocess-check.sh "$BUILD" >"$OUT/multiprocess.log" 2>&1
    note "multiprocess: rc=$? in $((SECONDS - start)) s"
    tail -n 12 "$OUT/multiprocess.log"
    ;;
  *) echo "unknown stage $stage" ;;
  esac
done

echo
echo "===== summary ====="
printf '%s\n' "${summary[@]}"
