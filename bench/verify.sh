#!/usr/bin/env bash
# verify: `fleetbake verify` (the read-only checks) after apply and generate,
# against the fake with 100 ms injected latency per AWS call, five runs
# (cli/verify_bench_test.go); wall time against the longest chain of
# dependent calls x 100 ms (the least any client can take). Goal <= 1.3x.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOFLAGS=-mod=mod
source bench/lib.bash
out=$(FLEETBAKE_BENCH=1 go test -count=1 -run '^TestBenchVerifyLatency$' -v ./cli/ | grep '^verify-bench ')
ideal=$(awk '$2 == "calls" {print $7}' <<<"$out")
read -ra wall <<<"$(awk '$2 == "wall_ms" {$1 = $2 = ""; print}' <<<"$out")"
bench_line "verify" ms "chain x100ms" 1.3 "$(spread "${wall[@]}")" "$ideal $ideal $ideal"
