#!/usr/bin/env bash
# Terminal UI, what a user feels, measured on the real binary in a
# pseudo-terminal by internal/uibench (which reads the screen with a small
# terminal emulator), side by side with dialog and whiptail showing a --menu
# as long as fleetbake's machine list in a terminal of the same size (80x24),
# interleaved (A B A B ..., or in the same window of time). One bench_line per
# figure (bench/lib.bash's columns, printed by uibench); with FLEETBAKE_POKY
# (a folder with poky, meta-openembedded and meta-aws checkouts) the first
# screen, the keys and the wizard's memory are measured on it too.
#   - first screen: start until the screen equals the settled screen (body
#     and AWS account drawn); goal <= 2x dialog;
#   - bytes per Down key in the list, on the page and scrolling (no goal);
#   - key-to-paint: writing the key to the screen showing its answer; <= 3 ms;
#   - CPU per key (schedstat of every thread); goal <= 3x dialog;
#   - idle on the first screen, 3 windows of 5 s: wake-ups (context switches
#     of every thread) per second, goal < 1/s (no ticker while idle), and CPU;
#   - peak memory (max RSS) through the whole wizard; goal <= 20 MB;
#   - the Build screen following a build that logs 2,000 lines a second,
#     against `fleetbake build attach` on the same log; goal <= 1% of a core.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOFLAGS=-mod=mod
RUNS=${RUNS:-9}

# The anchors are Debian packages.
if ! command -v dialog >/dev/null || ! command -v whiptail >/dev/null; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get install -y -qq dialog whiptail >/dev/null
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/fleetbake" .
go build -o "$work/uibench" ./internal/uibench
"$work/uibench" -bin "$work/fleetbake" -runs "$RUNS" ${FLEETBAKE_POKY:+-tree "$FLEETBAKE_POKY"}

# What a change to Bubble Tea would give, measured, not shipped: v2.1.1 draws
# from a 60 Hz ticker that runs for the program's whole life
# (tea.go, startRenderer), so an idle screen wakes the process about 300
# times a second and a key waits up to 16.7 ms for the next tick.
# bench/bubbletea-render-on-change.patch (about 40 lines) wakes the renderer
# when a view is queued instead and still draws at most 60 frames a second;
# upstream has the same change open: charmbracelet/bubbletea#1776, #1796.
tea=$(go list -m -f '{{.Dir}}' charm.land/bubbletea/v2)
cp -r "$tea" "$work/bubbletea"
chmod -R u+w "$work/bubbletea"
if patch -s -d "$work/bubbletea" -p0 <bench/bubbletea-render-on-change.patch; then
  cp go.mod go.sum "$work/"
  echo "replace charm.land/bubbletea/v2 => $work/bubbletea" >>"$work/go.mod"
  go build -modfile "$work/go.mod" -o "$work/fleetbake-patched" .
  echo "# the same figures with bench/bubbletea-render-on-change.patch applied to Bubble Tea $(basename "$tea" | cut -d@ -f2) (not in the product):"
  "$work/uibench" -bin "$work/fleetbake-patched" -runs "$RUNS" -only first,keys,idle,build
else
  echo "# bench/bubbletea-render-on-change.patch does not apply to $(basename "$tea"): update it"
fi
