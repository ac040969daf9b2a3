#!/usr/bin/env bash
# Terminal UI, measured on the real binary in a pseudo-terminal by
# internal/uibench (which reads the screen with a small terminal emulator):
#   - start to the first complete frame (header and help drawn), median of
#     RUNS starts; goal under 50 ms;
#   - bytes written for one arrow key in the machine list, as a ratio to one
#     full repaint of the same screen; goal at most 0.1;
#   - max RSS through the whole wizard, typed key by key on the fixture
#     layer tree against the local AWS fake; goal under 40 MB. When
#     FLEETBAKE_POKY names a folder with real checkouts (poky,
#     meta-openembedded, meta-aws), on that one too.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOFLAGS=-mod=mod
RUNS=${RUNS:-9}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

go build -o "$work/fleetbake" .
go build -o "$work/uibench" ./internal/uibench
"$work/uibench" -bin "$work/fleetbake" -runs "$RUNS" ${FLEETBAKE_POKY:+-tree "$FLEETBAKE_POKY"}
