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
    s=$EPOCHREALTIME
    "$@" >/dev/null 2>&1 || true
    e=$EPOCHREALTIME
    times+=("$(_ms_between "$s" "$e")")
  done
  spread "${times[@]}" | awk '{printf "%.2f", $1}'
}

# spread VALUES...: prints "median min max" of the numbers given.
spread() {
  printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {printf "%s %s %s", a[int((NR+1)/2)], a[1], a[NR]}'
}

# bench_line FIGURE UNIT ANCHOR GOAL "A_MED A_MIN A_MAX" "B_MED B_MIN B_MAX"
# prints one table line: fleetbake's side (A), the anchor's (B), the ratio of
# the medians and the verdict. GOAL is a ratio (A/B <= GOAL, printed "<= 2x"),
# "@N" for a bound on fleetbake's own median (A <= N UNIT, printed "<= N%"),
# or "-" for no verdict.
bench_line() {
  local figure=$1 unit=$2 anchor=$3 goal=$4 a=$5 b=$6
  awk -v f="$figure" -v u="$unit" -v an="$anchor" -v g="$goal" -v a="$a" -v b="$b" 'BEGIN {
    split(a, A, " "); split(b, B, " ")
    r = (B[1] > 0) ? A[1] / B[1] : 0
    if (g == "-") { verdict = ""; goal = "-" }
    else if (substr(g, 1, 1) == "@") {
      lim = substr(g, 2) + 0; verdict = (A[1] <= lim) ? "ok" : "MISSED"; goal = sprintf("<= %s%s", substr(g, 2), u)
    } else { verdict = (r <= g) ? "ok" : "MISSED"; goal = sprintf("<= %sx", g) }
    printf "%-30s fleetbake %9.2f %-3s [%.2f..%.2f]  %-12s %9.2f [%.2f..%.2f]  ratio %6.2fx  goal %-7s %s\n",
      f, A[1], u, A[2], A[3], an, B[1], B[2], B[3], r, goal, verdict
  }'
}

# _ms_between S E: milliseconds between two $EPOCHREALTIME stamps. The
# stamps are read without starting a process (date +%s%N would put a fork
# and exec of date inside every measured span).
_ms_between() {
  awk -v s="$1" -v e="$2" 'BEGIN {printf "%.3f", (e - s) * 1000}'
}

# _children_cpu_us: sets _cpu_us to the user+system CPU of this shell's
# finished children so far, in microseconds, from the `times` builtin. It
# starts no process (a subshell's CPU would land in the next reading) and
# runs in this shell (a subshell would count only its own children).
_children_cpu_us() {
  local f=${_ab_times:-} line u s
  if [[ -z $f ]]; then
    _ab_times=$(mktemp)
    f=$_ab_times
  fi
  times >"$f"
  { read -r line; read -r u s; } <"$f"
  _times_us "$u"
  local a=$_us
  _times_us "$s"
  _cpu_us=$((a + _us))
}

# _times_us 1m2.345s: sets _us to that many microseconds (bash prints
# `times` with three decimals).
_times_us() {
  local t=${1%s} m sec int frac
  m=${t%%m*}
  sec=${t#*m}
  int=${sec%.*}
  frac=${sec#*.}000000
  frac=${frac:0:6}
  _us=$(((10#$m * 60 + 10#$int) * 1000000 + 10#$frac))
}

# ab FIGURE ANCHOR GOAL_RATIO CMD_A CMD_B: wall time in ms of CMD_A
# (fleetbake) and CMD_B (the anchor), each warmed once, then run RUNS times
# interleaved A B A B ..., so both sides see the same machine at the same
# moment; prints one bench_line. CMD_A and CMD_B are single words (a command
# or a shell function) so that either can be a function that sets up its run.
# The CPU time (user+system) of each run is kept too: ab_cpu_line prints it.
ab() {
  local figure=$1 anchor=$2 goal=$3 cmd_a=$4 cmd_b=$5 i s e c0
  AB_WALL_A=() AB_WALL_B=() AB_CPU_A=() AB_CPU_B=()
  $cmd_a >/dev/null 2>&1 || true
  $cmd_b >/dev/null 2>&1 || true
  for ((i = 0; i < ${RUNS:-9}; i++)); do
    _children_cpu_us; c0=$_cpu_us
    s=$EPOCHREALTIME; $cmd_a >/dev/null 2>&1 || true; e=$EPOCHREALTIME
    _children_cpu_us
    AB_WALL_A+=("$(_ms_between "$s" "$e")")
    AB_CPU_A+=("$(awk -v d=$((_cpu_us - c0)) 'BEGIN {printf "%.3f", d / 1e3}')")
    _children_cpu_us; c0=$_cpu_us
    s=$EPOCHREALTIME; $cmd_b >/dev/null 2>&1 || true; e=$EPOCHREALTIME
    _children_cpu_us
    AB_WALL_B+=("$(_ms_between "$s" "$e")")
    AB_CPU_B+=("$(awk -v d=$((_cpu_us - c0)) 'BEGIN {printf "%.3f", d / 1e3}')")
  done
  bench_line "$figure" ms "$anchor" "$goal" "$(spread "${AB_WALL_A[@]}")" "$(spread "${AB_WALL_B[@]}")"
}

# ab_cpu_line FIGURE ANCHOR GOAL: the CPU time (user+system, ms) of the runs
# of the last ab, as a bench_line.
ab_cpu_line() {
  bench_line "$1" ms "$2" "$3" "$(spread "${AB_CPU_A[@]}")" "$(spread "${AB_CPU_B[@]}")"
}

# bench_cache: a folder for inputs that are slow to make and the same on
# every run (the 1 GB build log), kept between runs.
bench_cache() {
  local d=${FLEETBAKE_BENCH_CACHE:-${TMPDIR:-/tmp}/fleetbake-bench-cache}
  mkdir -p "$d"
  echo "$d"
}
