# Shared by the bench/*.sh scripts (sourced, not run: bench/run runs *.sh only).

# median_ms CMD...: runs CMD once to warm caches, then RUNS times (default
# 9); prints the median wall time in milliseconds. CMD may be a shell
# function, so a run can alternate inputs without starting another process.
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
