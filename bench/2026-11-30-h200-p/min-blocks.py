"""Summarizes call 6: per layer, the best of the rounds as tuned and with ptxas asked for 3 and 4
blocks per SM, and the ratios to as tuned; schedules that failed their check are printed.
  python3 min-blocks.py round-1.txt round-2.txt ..."""
import re
import sys

best = {}
layers = []
for path in sys.argv[1:]:
    for line in open(path):
        m = re.match(r"(\S+ \S+ \S+ \S+) min_blocks=(\S+) \| (.*?)\s+(\S+) ([0-9.]+) us", line)
        if not m:
            if line.strip():
                print("?", line.rstrip())
            continue
        layer, blocks, outcome, us = m.group(1), m.group(2), m.group(4), float(m.group(5))
        if outcome != "ok":
            print("NOT OK", line.rstrip())
            continue
        if layer not in layers:
            layers.append(layer)
        best[(layer, blocks)] = min(best.get((layer, blocks), us), us)
print("layer | as tuned us | 3 blocks per SM | 4 blocks per SM")
for layer in layers:
    base = best.get((layer, "-"))
    cells = []
    for blocks in ("3", "4"):
        us = best.get((layer, blocks))
        cells.append(f"{us:.2f} ({us / base:.3f})" if us and base else "-")
    print(f"{layer} | {base:.2f} | " + " | ".join(cells))
