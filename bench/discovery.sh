#!/usr/bin/env bash
# Layer discovery speed: fleetbake's discovery (`fleetbake layers --json`, a
# whole process, as an engineer runs it) against `find <tree> -name
# layer.conf` over the same tree in the same run. Each is run several times
# after one warm-up; the median counts. Goal: at most 2x find.
# Trees: a generated one (150 layers, 30,000 files) and, when FLEETBAKE_POKY
# names a folder with real checkouts, that one too.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOFLAGS=-mod=mod
RUNS=${RUNS:-9}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

go build -o "$work/fleetbake" .
go run ./internal/benchtree -layers 150 -files 30000 "$work/tree" >/dev/null

source bench/lib.bash

compare() { # name tree
  local name=$1 tree=$2 f b
  # A project file path inside the tree makes the tree the default root; the
  # file need not exist.
  f=$(median_ms find "$tree" -name layer.conf)
  b=$(median_ms "$work/fleetbake" --config "$tree/fleetbake-bench.toml" layers --json)
  awk -v n="$name" -v f="$f" -v b="$b" 'BEGIN {
    r = (f > 0) ? b / f : 0
    printf "%-28s fleetbake %.2f ms, find %.2f ms, ratio %.2fx, goal <= 2x %s\n", n, b, f, r, (r <= 2 ? "ok" : "MISSED")
  }'
}

compare "discovery-generated-150" "$work/tree"
if [[ -n "${FLEETBAKE_POKY:-}" ]]; then
  compare "discovery-real" "$FLEETBAKE_POKY"
fi
