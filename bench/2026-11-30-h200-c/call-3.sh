#!/usr/bin/env bash
# Device call 3 of the seventeenth session: traded words with their codes split by parity
# (src/weight_order.c, kernel_src/tcgemv.cu). The GPU suites (gpu-check.sh tests), then a tuned
# A/B: bitblas-bench on the Llama-3 sets at M = 1 and 16 for 4-, 2- and 1-bit codes, build-base
# (be8caa8, subnormal codes only) and build-gpu alternating, each run tuning on its own empty
# cache; a second round if time allows.
set -u
cd "$(dirname "$0")/../.."
O=$OUT
start=$SECONDS
OUT=$O/call-3 BUILD=build-gpu bash tools/gpu-check.sh tests > "$O/call-3.txt" 2>&1
# build-base was configured elsewhere: point its recorded source path here.
configured=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' build-base/CMakeCache.txt)
if [ -n "$configured" ] && [ ! -e "$configured" ]; then mkdir -p "$(dirname "$configured")" && ln -s "$PWD" "$configured"; fi
rounds=0
for round in 1 2; do
  if [ "$round" = 2 ] && [ $((SECONDS - start)) -gt 360 ]; then break; fi
  for b in build-base build-gpu; do
    BITBLAS_WORKER=$PWD/$b/bitblas-worker BITBLAS_CACHE=$O/call-3/ab-$b-$round.db \
      $b/bitblas-bench --preset llama-3-8b,llama-3-70b --m 1,16 --formats w4a16,w2a16,w1a16 \
      --csv "$O/call-3/ab-$b-$round.csv" > "$O/call-3/ab-$b-$round.txt" 2>&1
    echo "$b round $round rc=$? at $((SECONDS - start)) s" >> "$O/call-3.txt"
    grep geomean "$O/call-3/ab-$b-$round.txt" >> "$O/call-3.txt"
  done
  rounds=$round
done
python3 - "$O/call-3" "$rounds" <<'PY' >> "$O/call-3.txt"
import csv, sys, math, collections
d, rounds = sys.argv[1], range(1, int(sys.argv[2]) + 1)
t = collections.defaultdict(dict)
for b in ('build-base', 'build-gpu'):
    for r in rounds:
        for row in csv.DictReader(open(f'{d}/ab-{b}-{r}.csv')):
            t[(row['format'], row['M'], row['N'], row['K'])][(b, r)] = (float(row['bitblas_us']), row['schedule'])
ratios = collections.defaultdict(list)
for key, v in sorted(t.items()):
    base = [v[('build-base', r)][0] for r in rounds]
    new = [v[('build-gpu', r)][0] for r in rounds]
    ratio = sum(new) / sum(base)
    ratios[key[:2]].append(ratio)
    print('%s M=%s %sx%s base %s new %s new/base %.3f | %s' % (key + (' '.join('%.2f' % x for x in base),
          ' '.join('%.2f' % x for x in new), ratio, v[('build-gpu', rounds[-1])][1])))
for k, v in sorted(ratios.items()):
    print('geomean new/base %s M=%s: %.3f' % (k + (math.exp(sum(map(math.log, v)) / len(v)),)))
PY
(cd "$O" && rm -f call-3/*.db* && tar czf call-3.tgz call-3 call-3.txt && rm -rf call-3)
sed -n '/===== summary/,$p' "$O/call-3.txt"
