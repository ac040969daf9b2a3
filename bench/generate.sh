#!/usr/bin/env bash
# generate: wall time of `fleetbake generate` as an engineer runs it (a whole
# process: load and validate fleetbake.toml, discover the layers, resolve,
# render, compare with disk) on poky + meta-openembedded + meta-aws, both
# writing changed files and finding nothing to do. Goal: under 20 ms.
# Side by side, `true` shows what starting any process costs on this machine.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOFLAGS=-mod=mod
RUNS=${RUNS:-21}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

go build -o "$work/fleetbake" .
go run ./internal/benchtree -standard scarthgap "$work/ws/sources" >/dev/null
cfg="$work/ws/fleetbake.toml"
"$work/fleetbake" --config "$cfg" init --machine qemuarm64 >/dev/null
"$work/fleetbake" --config "$cfg" generate >/dev/null 2>&1

source bench/lib.bash

# Up to date: the common case of a second run.
same=$(median_ms "$work/fleetbake" --config "$cfg" generate)
# A change each run: two project files in the same folder that differ in
# MACHINE, used in turn, so every run rewrites local.conf (and fsyncs it).
sed 's/machine = "qemuarm64"/machine = "qemux86-64"/' "$cfg" >"$work/ws/other.toml"
turn=0
flip() {
  turn=$((1 - turn))
  if ((turn)); then "$work/fleetbake" --config "$work/ws/other.toml" generate; else "$work/fleetbake" --config "$cfg" generate; fi
}
changed=$(median_ms flip)
base=$(median_ms true)
awk -v s="$same" -v c="$changed" -v b="$base" 'BEGIN {
  printf "%-28s %.2f ms (up to date), goal < 20 ms %s\n", "generate-wall", s, (s < 20 ? "ok" : "MISSED")
  printf "%-28s %.2f ms (rewrites local.conf), goal < 20 ms %s\n", "generate-wall-changed", c, (c < 20 ? "ok" : "MISSED")
  printf "%-28s %.2f ms (starting `true`, for scale)\n", "process-start", b
}'
