#!/usr/bin/env bash
# engine: `fleetbake build status` and `build attach` of a finished build
# whose log is 1 GB (ENGINE_LOG_SIZE), against `grep -c ERROR` and `wc -l`
# on the same log, interleaved; and `build attach` following a build whose
# log grows at 2,000 lines a second, against `tail -f` on the same log.
#
# The log (internal/benchlog: BitBake's own line formats, ~1 M tasks, QA
# warnings, failed tasks with their whole task log) is made once and kept
# in the bench cache (lib.bash bench_cache).
#
# Both commands keep a checkpoint beside the log (engine/checkpoint.go): what
# has been parsed is not read again. So each is measured twice:
#   warm: the checkpoint of an earlier call is there (every call after the
#         first; the figure a user sees on the second `build status`);
#   cold: the checkpoint is removed before each call (the first call after
#         the build, or after another build).
# Goals: status <= 1x grep -c, attach <= 2x wc -l.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOFLAGS=-mod=mod
RUNS=${RUNS:-9}
COLD_RUNS=${COLD_RUNS:-3}
size=${ENGINE_LOG_SIZE:-1G}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

go build -o "$work/fleetbake" .
go build -o "$work/benchlog" ./internal/benchlog

source bench/lib.bash

proj=$(bench_cache)/buildlog-v1-$size
cfg=$proj/fleetbake.toml
log=$proj/build/fleetbake-build.log
if [[ ! -s $proj/build/fleetbake-build.json ]]; then
  rm -rf "$proj"
  mkdir -p "$proj"
  "$work/fleetbake" --config "$cfg" init >/dev/null
  "$work/benchlog" write -size "$size" "$proj/build" >/dev/null
fi
cat "$log" >/dev/null # in the page cache, for both sides

status() { "$work/fleetbake" --config "$cfg" build status; }
attach() { "$work/fleetbake" --config "$cfg" build attach; }
status_cold() { rm -f "$log.status"; status; }
attach_cold() { rm -f "$log.status"; attach; }
grep_c() { grep -c ERROR "$log"; }
wc_l() { wc -l "$log"; }

ab "status-$size-warm" "grep -c" 1 status grep_c
RUNS=$COLD_RUNS ab "status-$size-cold" "grep -c" 1 status_cold grep_c
ab "attach-$size-warm" "wc -l" 2 attach wc_l
RUNS=$COLD_RUNS ab "attach-$size-cold" "wc -l" 2 attach_cold wc_l

# Following: CPU while the log grows (start-up excluded), % of one core.
# Goal (issue 4): under 2 % of a core.
rounds=$(mktemp -d)
"$work/fleetbake" --config "$rounds/fleetbake.toml" init >/dev/null
mapfile -t res < <("$work/benchlog" follow -bin "$work/fleetbake" -config "$rounds/fleetbake.toml" \
  -rate 2000 -seconds "${FOLLOW_SECONDS:-10}" -rounds "${FOLLOW_ROUNDS:-3}")
rm -rf "$rounds"
a=() t=()
for l in "${res[@]}"; do
  read -r _ _ _ av _ tv <<<"$l"
  a+=("$av") t+=("$tv")
done
bench_line "follow-2000-lines/s-cpu" % "tail -f" @2 "$(spread "${a[@]}")" "$(spread "${t[@]}")"
