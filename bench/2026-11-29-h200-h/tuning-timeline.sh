#!/bin/bash
# Where a first op_get's seconds go: bitblas-tune on an empty cache with BITBLAS_LOG=debug, each
# log line stamped with the seconds since the start (the worker's lines come through the
# library's log). 1-bit M = 16 8192 x 28672, the one benchmark shape over 3 s, twice, and
# 8192 x 8192 beside it.
# Usage: OUT=dir BUILD=build-gpu bash tuning-timeline.sh
O=${OUT:-/tmp}
B=${BUILD:-build-gpu}
stamp() { python3 -u -c '
import sys, time
t0 = time.time()
for line in sys.stdin: print(f"{time.time() - t0:7.3f} {line}", end="")'; }
for shape in "16,8192,28672" "16,8192,28672" "16,8192,8192"; do
  rm -f "$O/timeline.db"
  echo "== $shape"
  BITBLAS_LOG=debug BITBLAS_WORKER=$PWD/$B/bitblas-worker "$B/bitblas-tune" --cache "$O/timeline.db" \
    --shapes "$shape" --formats w1a16 2>&1 | stamp
done
