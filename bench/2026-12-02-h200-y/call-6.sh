#!/usr/bin/env bash
# Device call 6 of the thirty-ninth session: the loads of W side by side (call 5's change (1),
# alone) checked: every GPU suite on build-dev, compute-sanitizer (memcheck and racecheck) on the
# tile it changes (256 x 128 on 4 warpgroups) at awkward shapes, and that tile timed again on
# call 5's shapes.
# Usage: OUT=dir bash bench/2026-12-02-h200-y/call-6.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-6
mkdir -p "$O"
start=$SECONDS
BUILD=build-dev
. tools/device-env.sh
device_record "$O/device.txt" >> "$O/summary.txt"
(cd build-dev && timeout 470 ctest -L gpu --output-on-failure -j3) > "$O/gpu-tests.log" 2>&1
echo "gpu suites rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
for tool in memcheck racecheck; do
  timeout 60 compute-sanitizer --tool $tool --error-exitcode 3 $BUILD/schedule-timer w4a16 1000 2880 3584 \
    "wgmma bm=256 bn=128 bk=64 groups=4x1 stages=4" > "$O/sanitizer-$tool.txt" 2>&1
  echo "compute-sanitizer $tool (w4a16 1000 x 2880 x 3584, wgmma 256 x 128) rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
done
t="wgmma bm=256 bn=128 bk=64 groups=4x1 stages=4"
for c in "w4a16 1024 8192 8192" "w4a16 4096 28672 4096" "w4a16 256 8192 8192" "w4a16 64 57344 8192" \
         "w1a16 100 2880 1000" "w4a16-gptq 256 4096 4096" "nf4 256 4096 4096"; do
  timeout 60 $BUILD/schedule-timer $c "$t" >> "$O/timer.txt" 2>&1
done
(cd "$OUT" && tar czf call-6.tgz call-6)
cat "$O/summary.txt"
grep -E "Test +#|tests passed|tests failed" "$O/gpu-tests.log" | head -20
tail -2 "$O"/sanitizer-*.txt
sed -E 's/ min_blocks=- \|//; s/ +/ /g' "$O/timer.txt" | cut -c1-100
