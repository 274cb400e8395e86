#!/usr/bin/env bash
# Device call 2 of the thirty-ninth session: the wgmma tiles made by two teams of warpgroups in
# turn (each thread fences only with nothing of its own in flight; loads two steps ahead; W's
# loads in whole 32-byte sectors), against the build before (a866657): schedule-timer, float64
# check then the median of cold runs, each of the three tiles of the list on shapes and formats
# of the thirty-eighth section's table; then Nsight Compute's summary of the new 128 x 256 tile.
# Usage: OUT=dir bash bench/2026-12-02-h200-y/call-2.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-2
mkdir -p "$O"
start=$SECONDS
BUILD=build-dev
. tools/device-env.sh
device_record "$O/device.txt" >> "$O/summary.txt"
f16=("wgmma bm=64 bn=256 bk=64 groups=1x2 stages=4" "wgmma bm=128 bn=256 bk=64 groups=2x1 stages=4"
     "wgmma bm=256 bn=128 bk=64 groups=4x1 stages=4")
i8=("wgmma bm=64 bn=256 bk=128 groups=1x2 stages=4" "wgmma bm=128 bn=256 bk=128 groups=2x1 stages=4"
    "wgmma bm=256 bn=128 bk=128 groups=4x1 stages=4")
cases=("w4a16 256 8192 8192" "w4a16 1024 8192 8192" "w4a16 4096 28672 4096" "w4a16 1000 2880 3584"
       "w4a16 64 57344 8192" "w4a16 128 8192 8192" "w4a16 33 7392 3584" "w1a16 100 2880 1000"
       "nf4 256 4096 4096" "fp8-bf16 256 4096 4096" "w4a16-gptq 256 4096 4096" "w2a16-int2+bias 256 4096 4096"
       "w2a8 1024 8192 8192" "w2a8 8192 4096 4096" "bitnet 256 2560 6912" "w8a16-bf16 300 1000 2880")
for b in build-before build-dev; do
  for c in "${cases[@]}"; do
    set -- $c
    list=("${f16[@]}")
    case $1 in w2a8|bitnet) list=("${i8[@]}") ;; esac
    timeout 120 $b/schedule-timer "$@" "${list[@]}" 2>&1 | sed "s|^|$b |" >> "$O/timer.txt"
  done
  echo "$b at $((SECONDS - start)) s" >> "$O/summary.txt"
done
timeout 120 ncu --clock-control none -k bitblas_kernel --launch-skip 3 --launch-count 1 \
  --section SpeedOfLight --section WarpStateStats --section SchedulerStats \
  --metrics "sm__pipe_tensor_op_hmma_cycles_active.avg.pct_of_peak_sustained_active" \
  $BUILD/schedule-timer w4a16 1024 8192 8192 "${f16[1]}" > "$O/ncu.txt" 2>&1
echo "failed checks: $(grep -ciE " wrong | crashed | failed " "$O/timer.txt")" >> "$O/summary.txt"
(cd "$OUT" && tar czf call-2.tgz call-2)
cat "$O/summary.txt"
sed -E 's/ min_blocks=- \|//; s/ +/ /g' "$O/timer.txt" | cut -c1-120
grep -E "Duration|tensor_op_hmma|Issue Slots|Eligible Warps|Stall (Long|Barrier|Wait)" "$O/ncu.txt"
