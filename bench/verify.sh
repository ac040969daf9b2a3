#!/usr/bin/env bash
# verify: `fleetbake verify` (the read-only checks) after apply and generate,
# against the fake with 100 ms injected latency per AWS call; wall time and
# its ratio to the longest chain of dependent calls x 100 ms (goal <= 1.3).
set -euo pipefail
cd "$(dirname "$0")/.."
export GOFLAGS=-mod=mod
FLEETBAKE_BENCH=1 go test -count=1 -run '^TestBenchVerifyLatency$' -v ./cli/ | grep '^verify '
