"""Summarizes schedule-timer rounds: per layer, the winner's time (first schedule) and the best
other schedule, each the best of the rounds, and any schedule that failed its check.
  python3 best-of-rounds.py round-1.txt round-2.txt ..."""
import re
import sys

best = {}  # (layer, schedule) -> best us
order = {}
for path in sys.argv[1:]:
    for line in open(path):
        m = re.match(r"(\S+ \S+ \S+ \S+) min_blocks=\S+ \| (.*?)\s+(\S+) ([0-9.]+) us", line)
        if not m:
            if line.strip():
                print("?", line.rstrip())
            continue
        layer, schedule, outcome, us = m.group(1), m.group(2).strip(), m.group(3), float(m.group(4))
        if outcome != "ok":
            print("NOT OK", layer, schedule, outcome)
            continue
        order.setdefault(layer, [])
        if schedule not in order[layer]:
            order[layer].append(schedule)
        key = (layer, schedule)
        best[key] = min(best.get(key, us), us)
for layer, schedules in order.items():
    winner = schedules[0]
    w = best[(layer, winner)]
    others = sorted((best[(layer, s)], s) for s in schedules[1:])
    print(f"{layer}: winner {w:.2f} us ({winner})")
    for us, s in others[:3]:
        print(f"    {us:.2f} us  {us / w:.3f}  {s}")
