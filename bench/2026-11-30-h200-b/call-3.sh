#!/usr/bin/env bash
# Device call 3 of the sixteenth session: with 1-bit codes' tall blocks at M <= 8 (tuner/
# schedule.c), the GPU suites and compute-sanitizer (gpu-check.sh tests sanitizer), then a tuned
# A/B: bitblas-bench on the Llama-3 sets at M = 1 and 4 for 1-bit codes, build-base (05eb3e1,
# without them) and build-gpu alternating, each run tuning on its own empty cache, 2 rounds.
set -u
cd "$(dirname "$0")/../.."
O=$OUT
OUT=$O/call-3 BUILD=build-gpu bash tools/gpu-check.sh tests sanitizer > "$O/call-3.txt" 2>&1
# build-base was configured elsewhere: point its recorded source path here.
configured=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' build-base/CMakeCache.txt)
if [ -n "$configured" ] && [ ! -e "$configured" ]; then mkdir -p "$(dirname "$configured")" && ln -s "$PWD" "$configured"; fi
for round in 1 2; do
  for b in build-base build-gpu; do
    BITBLAS_WORKER=$PWD/$b/bitblas-worker BITBLAS_CACHE=$O/call-3/ab-$b-$round.db \
      $b/bitblas-bench --preset llama-3-8b,llama-3-70b --m 1,4 --formats w1a16 \
      --csv "$O/call-3/ab-$b-$round.csv" > "$O/call-3/ab-$b-$round.txt" 2>&1
    echo "$b round $round rc=$? $(grep geomean "$O/call-3/ab-$b-$round.txt" | tr '\n' ' ')" >> "$O/call-3.txt"
  done
done
python3 - "$O/call-3" <<'PY' >> "$O/call-3.txt"
import csv, sys, math, collections
d = sys.argv[1]
t = collections.defaultdict(dict)
for b in ('build-base', 'build-gpu'):
    for r in (1, 2):
        for row in csv.DictReader(open(f'{d}/ab-{b}-{r}.csv')):
            t[(row['M'], row['N'], row['K'])][(b, r)] = (float(row['bitblas_us']), row['schedule'])
for key, v in t.items():
    base = [v[('build-base', r)][0] for r in (1, 2)]
    new = [v[('build-gpu', r)][0] for r in (1, 2)]
    print('M=%s %sx%s base %s new %s new/base %.3f | %s' % (key + (' '.join('%.2f' % x for x in base),
          ' '.join('%.2f' % x for x in new), sum(new) / sum(base), v[('build-gpu', 2)][1])))
PY
(cd "$O" && rm -f call-3/*.db* && tar czf call-3.tgz call-3 call-3.txt)
sed -n '/===== summary/,$p' "$O/call-3.txt"
