#!/usr/bin/env python3
"""cache-candidates.py - prints every tuned operator in a bitblas cache with each candidate's
outcome and time, fastest first: how close the runners-up came and which schedules failed.

    python3 tools/cache-candidates.py CACHE.db [CONFIG-SUBSTRING]
"""
import sqlite3
import sys


def main():
    if len(sys.argv) < 2:
        print(__doc__.strip())
        return 2
    pattern = sys.argv[2] if len(sys.argv) > 2 else ""
    db = sqlite3.connect(sys.argv[1])
    kernels = db.execute(
        "SELECT id, config, schedule, kernel_us FROM kernels WHERE config LIKE ? ORDER BY id",
        ("%" + pattern + "%",)).fetchall()
    for kernel_id, config, schedule, us in kernels:
        print(f"{config}\n  winner {schedule} {us:.2f} us")
        rows = db.execute(
            "SELECT schedule, outcome, us, message FROM candidates WHERE kernel_id = ? "
            "ORDER BY us IS NULL, us", (kernel_id,)).fetchall()
        for cand, outcome, cand_us, message in rows:
            time = f"{cand_us:8.2f}" if cand_us is not None else "       -"
            note = f"  {message}" if outcome != "ok" and message else ""
            print(f"  {time}  {outcome:10} {cand}{note[:120]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
