#!/usr/bin/env bash
# A/B of BB_PREFETCH_A (the first stage's activations asked into L1 before the block's barrier):
# each layer's tuned winner (call-1 candidates) timed by schedule-timer without and with the
# macro, alternating, 3 rounds. Output: $OUT/prefetch-ab.txt.
set -u
cd "$(dirname "$0")/../.."
T=build-gpu/schedule-timer
cases=(
"w4a16 1 4096 4096 tcgemv warps=16 n_tiles=1 m_tiles=1 unroll=1 words=4 post=0 stages=2 order=2"
"w4a16 1 6144 4096 tcgemv warps=16 n_tiles=1 m_tiles=1 unroll=1 words=4 post=0 stages=2 order=2"
"w4a16 1 4096 14336 tcgemv warps=16 n_tiles=1 m_tiles=1 unroll=1 words=4 post=0 stages=2 order=2"
"w4a16 1 8192 8192 tcgemv warps=8 n_tiles=2 m_tiles=1 unroll=1 words=4 post=1 stages=2 order=2"
"w4a16 1 10240 8192 tcgemv warps=4 n_tiles=1 m_tiles=1 unroll=2 words=4 post=1 stages=2 order=2"
"w4a16 1 57344 8192 tcgemv warps=4 n_tiles=2 m_tiles=1 unroll=2 words=4 post=1 stages=2 order=2"
"w4a16 16 4096 4096 tcgemv warps=16 n_tiles=1 m_tiles=2 unroll=1 words=4 post=0 stages=2 order=2"
"w4a16 16 8192 8192 tcgemv warps=8 n_tiles=2 m_tiles=2 unroll=1 words=4 post=0 stages=2 order=2"
"w1a16 1 4096 4096 tcgemv warps=8 n_tiles=1 m_tiles=1 unroll=2 words=4 post=1 stages=2 order=2"
)
for round in 1 2 3; do
  for c in "${cases[@]}"; do
    read -r f m n k sched <<<"$c"
    $T "$f" "$m" "$n" "$k" "$sched"
    PREFIX="#define BB_PREFETCH_A 1" $T "$f" "$m" "$n" "$k" "$sched"
  done
done > "$OUT/prefetch-ab.txt" 2>&1
python3 - "$OUT/prefetch-ab.txt" <<'PY'
import sys, re, collections, statistics
t = collections.defaultdict(lambda: [[], []])
for line in open(sys.argv[1]):
    m = re.match(r'(\S+) (\d+) (\d+) (\d+) min_blocks=\S+( prefix=.*?)? \| (.*?)\s+ok ([\d.]+) us', line)
    if not m: 
        if 'ok' not in line: print('!!', line.strip())
        continue
    t[(m.group(1), m.group(2), m.group(3), m.group(4))][1 if m.group(5) else 0].append(float(m.group(7)))
for key, (a, b) in t.items():
    print(' '.join(key), 'off', ' '.join('%.2f' % x for x in a), '| on', ' '.join('%.2f' % x for x in b),
          '| on/off %.3f' % (statistics.median(b) / statistics.median(a)))
PY
