set -u
OUT0=$OUT
export OUT=$OUT0/r
mkdir -p $OUT
BUILD=build-gpu bash tools/gpu-check.sh tests sanitizer > $OUT/gpu-check.txt 2>&1
BUILD=build-gpu BASE_BUILD=build-base bash bench/2026-11-29-h200-i/tall-ab.sh > $OUT/tall-ab.txt 2>&1
rm -f $OUT/*.db*
cd $OUT && tar czf $OUT0/r.tgz . && cd - >/dev/null
tail -8 $OUT/gpu-check.txt; grep -E '^FAIL' $OUT/gpu-tests.log | head; cat $OUT/tall-ab.txt
