#!/bin/bash
# Where a dynamic operator's first op_get goes: bitblas-tune --dynamic-m on an empty cache with
# BITBLAS_LOG=debug, each log line stamped with the seconds since the start; 4-bit 28672 x 4096
# and 6144 x 4096, the 8 default M buckets. Prints, per bucket, the seconds from the request to
# "compiled", to "ready" and to "done".
# Usage: OUT=dir BUILD=build-gpu bash dynamic-timeline.sh
O=${OUT:-/tmp}
B=${BUILD:-build-gpu}
mkdir -p "$O"
stamp() { python3 -u -c '
import sys, time
t0 = time.time()
for line in sys.stdin: print(f"{time.time() - t0:7.3f} {line}", end="")'; }
for shape in "1024,28672,4096" "1024,6144,4096"; do
  rm -f "$O/timeline.db"*
  echo "== $shape"
  BITBLAS_LOG=debug BITBLAS_WORKER=$PWD/$B/bitblas-worker "$B/bitblas-tune" --cache "$O/timeline.db" \
    --shapes "$shape" --formats w4a16 --dynamic-m 2>&1 | stamp > "$O/timeline-${shape//,/x}.log"
  awk '/worker: begin/ {b = $1} /worker: compiled/ {c = $1} /worker: ready/ {r = $1}
       /worker: done/ {printf "bucket: compile %.2f s, setup %.2f s, runs %.2f s; gap before %.2f s\n", c - b, r - c, $1 - r, b - d; d = $1}
       END {print "last line at", $1, "s"}' "$O/timeline-${shape//,/x}.log"
  grep -E "tuned in|dynamic" "$O/timeline-${shape//,/x}.log" | tail -n 2
done
