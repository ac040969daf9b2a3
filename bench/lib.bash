# Shared by the bench/*.sh scripts (sourced, not run: bench/run runs *.sh only).
#
# Every figure is printed by bench_line, one line each, in the same columns,
# so a whole run reads as one table:
#   figure  fleetbake median [min..max]  anchor median [min..max]  ratio  goal  ok|MISSED

# median_ms CMD...: runs CMD once to warm caches, then RUNS times (default
# 9); prints the median wall time in milliseconds. CMD may be a shell
# function, so a run can alternate inputs without starting another process.
# Kept for figures without an anchor; prefer ab, which interleaves.
median_ms() {
  "$@" >/dev/null 2>&1 || true
  local times=() i s e
  for ((i = 0; i < ${RUNS:-9}; i++)); do
    s=$(date +%s%N)
    "$@" >/dev/null 2>&1 || true
    e=$(date +%s%N)
    times+=($(((e - s) / 1000)))
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.2f", a[int((NR+1)/2)]/1000}'
}

# spread VALUES...: prints "median min max" of the numbers given.
spread() {
  printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {printf "%s %s %s", a[int((NR+1)/2)], a[1], a[NR]}'
}

# bench_line FIGURE UNIT ANCHOR GOAL_RATIO "A_MED A_MIN A_MAX" "B_MED B_MIN B_MAX"
# prints one table line: fleetbake's side (A), the anchor's (B), the ratio of
# the medians and whether it is within GOAL_RATIO (A/B <= GOAL_RATIO). A goal
# of "-" prints the figure without a verdict.
bench_line() {
  local figure=$1 unit=$2 anchor=$3 goal=$4 a=$5 b=$6
  awk -v f="$figure" -v u="$unit" -v an="$anchor" -v g="$goal" -v a="$a" -v b="$b" 'BEGIN {
    split(a, A, " "); split(b, B, " ")
    r = (B[1] > 0) ? A[1] / B[1] : 0
    verdict = (g == "-") ? "" : ((r <= g) ? "ok" : "MISSED")
    goal = (g == "-") ? "-" : sprintf("<= %sx", g)
    printf "%-30s fleetbake %9.2f %-3s [%.2f..%.2f]  %-12s %9.2f [%.2f..%.2f]  ratio %6.2fx  goal %-7s %s\n",
      f, A[1], u, A[2], A[3], an, B[1], B[2], B[3], r, goal, verdict
  }'
}

# ab FIGURE ANCHOR GOAL_RATIO CMD_A CMD_B: wall time in ms of CMD_A
# (fleetbake) and CMD_B (the anchor), each warmed once, then run RUNS times
# interleaved A B A B ..., so both sides see the same machine at the same
# moment; prints one bench_line. CMD_A and CMD_B are single words (a command
# or a shell function) so that either can be a function that sets up its run.
ab() {
  local figure=$1 anchor=$2 goal=$3 cmd_a=$4 cmd_b=$5 i s e
  local ta=() tb=()
  $cmd_a >/dev/null 2>&1 || true
  $cmd_b >/dev/null 2>&1 || true
  for ((i = 0; i < ${RUNS:-9}; i++)); do
    s=$(date +%s%N); $cmd_a >/dev/null 2>&1 || true; e=$(date +%s%N)
    ta+=("$(awk -v d=$((e - s)) 'BEGIN {printf "%.3f", d / 1e6}')")
    s=$(date +%s%N); $cmd_b >/dev/null 2>&1 || true; e=$(date +%s%N)
    tb+=("$(awk -v d=$((e - s)) 'BEGIN {printf "%.3f", d / 1e6}')")
  done
  bench_line "$figure" ms "$anchor" "$goal" "$(spread "${ta[@]}")" "$(spread "${tb[@]}")"
}
