#!/usr/bin/env bash
# provision: apply on an empty (fake) AWS account with 100 ms injected latency
# per call; wall time, its ratio to the longest chain of dependent calls x
# 100 ms (goal <= 1.5), and its ratio to making the same calls one at a time.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOFLAGS=-mod=mod
FLEETBAKE_BENCH=1 go test -count=1 -run '^TestBenchApplyLatency$' -v ./provision/ | grep '^provision '
