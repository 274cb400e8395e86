#!/usr/bin/env bash
# Device call 1 of the thirty-eighth session: the wgmma family (kernel_src/wgmma.cu) beside the
# best tiles of the mma family. schedule-timer (bench/2026-11-30-h200-c/schedule-timer.c, built
# against build-dev): each schedule is checked against the float64 reference first, then the
# median of cold runs.
# Usage: OUT=dir bash bench/2026-12-02-h200-x/call-1.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-1
mkdir -p "$O"
start=$SECONDS
BUILD=build-dev
. tools/device-env.sh
device_record "$O/device.txt" >> "$O/summary.txt"
float_schedules=(
  "mma bm=128 bn=128 bk=64 warps=2x4 stages=3"
  "mma bm=64 bn=64 bk=64 warps=2x2"
  "wgmma bm=64 bn=128 bk=64 groups=1x1 stages=4"
  "wgmma bm=64 bn=256 bk=64 groups=1x2 stages=4"
  "wgmma bm=128 bn=128 bk=64 groups=2x1 stages=4"
  "wgmma bm=128 bn=256 bk=64 groups=2x1 stages=3"
  "wgmma bm=256 bn=128 bk=64 groups=4x1 stages=3"
)
int8_schedules=("${float_schedules[@]/bk=64/bk=128}")
run() {  # format m n k schedules...
  local f=$1 m=$2 n=$3 k=$4
  shift 4
  echo "== $f $m $n $k" >> "$O/sweep.txt"
  timeout 150 $BUILD/schedule-timer "$f" "$m" "$n" "$k" "$@" >> "$O/sweep.txt" 2>&1
  echo "$f $m $n $k rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
}
run w4a16 256 8192 8192 "${float_schedules[@]}"
run w4a16 1000 2880 3584 "${float_schedules[@]}"
run w2a8 1024 8192 8192 "${int8_schedules[@]}"
run w4a16 1024 8192 8192 "${float_schedules[@]}"
run w4a16 64 57344 8192 "${float_schedules[@]}"
run w4a16 128 8192 8192 "${float_schedules[@]}"
run w4a16 4096 28672 4096 "${float_schedules[@]}"
run w4a16 33 7392 3584 "${float_schedules[@]}"
run w1a16 100 2880 1000 "${float_schedules[@]}"
for f in nf4 fp8-bf16 w4a16-gptq w2a16-int2; do run $f 256 4096 4096 "${float_schedules[@]}"; done
run bitnet 256 2560 6912 "${int8_schedules[@]}"
run w2a8 8192 4096 4096 "${int8_schedules[@]}"
echo "failed checks: $(grep -ci "wrong\|crash\|fail" "$O/sweep.txt")" >> "$O/summary.txt"
(cd "$OUT" && tar czf call-1.tgz call-1)
cat "$O/summary.txt"
