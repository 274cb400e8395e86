#!/bin/bash
# Zeros after the mma (BB_ZERO_AFTER, scales-before kernels): each code pair decoded as a u in
# one FMA instead of an exact subtraction and an FMA, and c S added to the float32 sums once per
# group. The last bench's tuned winners with scales before the mma, plain and with
# PREFIX="#define BB_ZERO_AFTER 1", two rounds alternating; every run checked against the
# float64 reference first (schedule-timer).
# Usage: BUILD=build-gpu bash zero-after.sh
T=${BUILD:-build-gpu}/schedule-timer
P='#define BB_ZERO_AFTER 1'
t() { echo "tcgemv warps=$1 n_tiles=$2 m_tiles=$3 unroll=$4 words=4 post=$5 stages=$6 order=2"; }
run() {  # format M N K schedules...
  "$T" "$@"
  PREFIX="$P" "$T" "$@"
}
for round in 1 2; do
  run w4a16 16 57344 8192 "$(t 4 2 2 2 0 2)" "$(t 8 2 2 1 0 2)" "$(t 4 3 2 1 0 2)"
  run w4a16 16 8192 28672 "$(t 8 2 2 1 0 2)" "$(t 4 2 2 2 0 2)"
  run w4a16 16 28672 4096 "$(t 4 3 2 1 0 2)" "$(t 4 2 2 2 0 2)"
  run w4a16 16 10240 8192 "$(t 4 2 2 2 0 2)"
  run w4a16 16 8192 8192 "$(t 8 2 2 1 0 2)"
  run w4a16 16 4096 14336 "$(t 16 1 2 1 0 2)"
  run w4a16 16 6144 4096 "$(t 8 2 2 2 0 2)"
  run w4a16 16 4096 4096 "$(t 16 1 2 1 0 2)"
  run w4a16 1 6144 4096 "$(t 16 1 1 1 0 2)"
  run w4a16 1 4096 14336 "$(t 16 1 1 1 0 2)"
  run w4a16 1 57344 8192 "$(t 8 2 1 1 0 3)" "$(t 8 2 1 1 1 3)"
  run w4a16 8 57344 8192 "$(t 8 4 1 1 0 2)"
  run w4a16 4 28672 4096 "$(t 8 1 1 2 0 2)"
done
# Other formats, once: correctness of each zero term (int4 offset, quantized zeros, 2-, 1-bit).
run w4a16-int4 16 4096 4096 "$(t 16 1 2 1 0 2)"
run w4a16-gptq 16 4096 4096 "$(t 16 1 2 1 0 2)"
run w2a16 16 4096 4096 "$(t 16 1 2 1 0 2)"
run w2a16-int2 1 4096 4096 "$(t 16 1 1 1 0 2)"
run w1a16 16 4096 4096 "$(t 8 1 2 1 0 2)"
run w1a16-int1 16 4096 4096 "$(t 8 1 2 1 0 2)"
run w8a16 16 4096 4096 "$(t 8 1 2 1 0 2)"
