#!/usr/bin/env bash
# Instructions executed by one `plan()` as the network grows, counted by
# valgrind (cachegrind, no cache simulation): the same count on every run of
# the same binary, whatever else the machine does. Each size is run with 0
# and with 1 planning round; the difference is the plan alone. Prints a
# Markdown table with the growth against n·log n. `make bench-plan-instructions`.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$(cargo bench -p tgw-peering-core --bench planner --no-run 2>&1 | sed -n 's/.*Executable .*(\(.*\)).*/\1/p' | tail -1)
[ -x "$BIN" ] || { echo "the planner bench binary was not built" >&2; exit 1; }
count() { # REGIONS VPCS ROUNDS -> instructions
  TGW_PLAN_ONCE="$1,$2,$3" valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null "$BIN" 2>&1 \
    | sed -n 's/.*I *refs: *\([0-9,]*\).*/\1/p' | tr -d ,
}
echo "| Regions | VPCs per Region | instructions per plan | per VPC | growth vs. 10× fewer | n·log n predicts |"
echo "|---|---|---|---|---|---|"
for regions in 2 5; do
  prev=""
  for vpcs in 10 100 1000 10000; do
    base=$(count "$regions" "$vpcs" 0)
    one=$(count "$regions" "$vpcs" 1)
    ins=$((one - base))
    n=$((regions * vpcs))
    per=$(awk -v i="$ins" -v n="$n" 'BEGIN { printf "%.0f", i / n }')
    if [ -n "$prev" ]; then
      growth=$(awk -v a="$ins" -v b="$prev" 'BEGIN { printf "%.1f×", a / b }')
      predicted=$(awk -v n="$n" 'BEGIN { m = n / 10; printf "%.1f×", n * log(n) / (m * log(m)) }')
    else
      growth="–"; predicted="–"
    fi
    printf '| %s | %s | %s | %s | %s | %s |\n' "$regions" "$vpcs" "$ins" "$per" "$growth" "$predicted"
    prev=$ins
  done
done
