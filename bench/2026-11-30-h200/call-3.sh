#!/usr/bin/env bash
# Device call 3 of the fifteenth session: reuse-ab.sh on the final tuner (against db8e418).
set -u
cd "$(dirname "$0")/../.."
O=$OUT
OUT=$O/ab BUILD=build-gpu BASE_BUILD=build-base bash bench/2026-11-30-h200/reuse-ab.sh > "$O/ab.txt" 2>&1
(cd "$O" && rm -f ab/*.db* && tar czf call-3.tgz ab ab.txt && rm -rf ab)
cat "$O/ab.txt"
