#!/usr/bin/env bash
# engine: parser throughput on a large log made of the real captured BitBake
# logs in engine/testdata (goal >= 100 MB/s), the same log read from a file
# through the follower's whole path (tail lines, parser, progress tracker),
# and the follower's CPU while a writer appends 2,000 real-format lines a
# second for 10 seconds, the follower in a child process measuring its own
# CPU time (goal < 2% of one core), with its coalesced update rate (goal at
# most ~30 a second).
set -euo pipefail
cd "$(dirname "$0")/.."
export GOFLAGS=-mod=mod
go test -count=1 -run '^$' -bench '^(BenchmarkParse|BenchmarkParseTrack)$' -benchtime "${BENCHTIME:-5x}" ./engine/ |
  awk '
    /^BenchmarkParse-/      { name = "engine parser throughput (128 MiB of real BitBake logs)" }
    /^BenchmarkParseTrack-/ { name = "engine parse+track, attach backlog (same log, from file)" }
    /^BenchmarkParse/ {
      for (i = 1; i <= NF; i++) if ($i == "MB/s") v = $(i - 1)
      printf "%-58s %8.1f MB/s        goal >= 100 MB/s   %s\n", name, v, (v >= 100 ? "ok" : "MISSED")
    }'
FLEETBAKE_BENCH=1 go test -count=1 -run '^TestBenchFollowerCPU$' -v ./engine/ | grep '^engine '
