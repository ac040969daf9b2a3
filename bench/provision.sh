#!/usr/bin/env bash
# provision: apply on an empty (fake) AWS account with 100 ms injected latency
# per call (provision/bench_test.go), three rounds, each concurrent then one
# call at a time. Two lines: the wall time against the longest chain of
# dependent calls x 100 ms (the least any client can take; goal <= 1.5x), and
# against making the same calls one at a time (no goal).
set -euo pipefail
cd "$(dirname "$0")/.."
export GOFLAGS=-mod=mod
source bench/lib.bash
out=$(FLEETBAKE_BENCH=1 go test -count=1 -run '^TestBenchApplyLatency$' -v ./provision/ | grep '^provision-bench ')
ideal=$(awk '$2 == "calls" {print $7}' <<<"$out")
read -ra wall <<<"$(awk '$2 == "wall_ms" {$1 = $2 = ""; print}' <<<"$out")"
read -ra seq <<<"$(awk '$2 == "seq_ms" {$1 = $2 = ""; print}' <<<"$out")"
bench_line "provision-apply" ms "chain x100ms" 1.5 "$(spread "${wall[@]}")" "$ideal $ideal $ideal"
bench_line "provision-apply-vs-serial" ms "one at time" - "$(spread "${wall[@]}")" "$(spread "${seq[@]}")"
