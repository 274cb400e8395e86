"""Summarizes ablate-timer's ROW_GROUPS output: per config, the best time with 1 row group (the
schedules as tuned) against the best with 2 and with 4, medians of the rounds.
Usage: python3 row-groups.py row-groups.txt"""
import re
import statistics
import sys

best = {}
config = None
for line in open(sys.argv[1]):
    m = re.match(r"(\S+ M=\d+ N=\d+ K=\d+) \| (.*?) \| check", line)
    if m:
        config, schedule = m.group(1), m.group(2)
        continue
    m = re.match(r"\s+rg=(\d) (\w+)\s+([\d. ]+) us", line)
    if m and config:
        rg, outcome = int(m.group(1)), m.group(2)
        if outcome != "ok":
            print("NOT OK", config, schedule, rg, outcome)
            continue
        us = statistics.median(float(x) for x in m.group(3).split())
        key = (config, rg)
        if key not in best or us < best[key][0]:
            best[key] = (us, schedule)
configs = sorted({c for c, _ in best}, key=lambda c: list(best).index((c, 1)))
for c in configs:
    one = best[(c, 1)]
    text = f"{c:34s} rg=1 {one[0]:7.2f}"
    for rg in (2, 4):
        if (c, rg) in best:
            text += f" | rg={rg} {best[(c, rg)][0]:7.2f} ({best[(c, rg)][0] / one[0]:.3f})"
    print(text)
    for rg in (2, 4):
        if (c, rg) in best and best[(c, rg)][0] < one[0]:
            print(f"    rg={rg} best: {best[(c, rg)][1]}")
