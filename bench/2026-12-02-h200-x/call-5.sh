#!/usr/bin/env bash
# Device call 5 of the thirty-eighth session: every GPU suite on build-dev (the wgmma family is in
# every candidate check on sm_90), three suites at a time, then compute-sanitizer (memcheck and
# racecheck) on wgmma tiles at awkward shapes through schedule-timer.
# Usage: OUT=dir bash bench/2026-12-02-h200-x/call-5.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-5
mkdir -p "$O"
start=$SECONDS
BUILD=build-dev
. tools/device-env.sh
device_record "$O/device.txt" >> "$O/summary.txt"
(cd build-dev && timeout 480 ctest -L gpu --output-on-failure -j3) > "$O/gpu-tests.log" 2>&1
echo "gpu suites rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
for tool in memcheck racecheck; do
  timeout 90 compute-sanitizer --tool $tool --error-exitcode 3 $BUILD/schedule-timer w4a16 1000 2880 3584 \
    "wgmma bm=128 bn=256 bk=64 groups=2x1 stages=3" "wgmma bm=64 bn=128 bk=64 groups=1x1 stages=4" \
    > "$O/sanitizer-$tool.txt" 2>&1
  echo "compute-sanitizer $tool (w4a16 1000 x 2880 x 3584, two wgmma tiles) rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
done
(cd "$OUT" && tar czf call-5.tgz call-5)
cat "$O/summary.txt"
grep -E "Test +#|tests passed|tests failed|core shape matrix|FAIL" "$O/gpu-tests.log" | head -40
tail -3 "$O"/sanitizer-*.txt
