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
#
# What the libraries cost, where a goal is out of reach of fleetbake's own
# code (perf record -g of the real binary during these runs, Dec 2026,
# Bubble Tea v2.1.1, Lip Gloss v2.1.0, ultraviolet, aws-sdk-go-v2 v1.48):
#   - idle wake-ups, key-to-paint and part of CPU per key: Bubble Tea's
#     renderer ticker (tea.go, startRenderer: time.NewTicker at 60 fps for
#     the program's whole life, even when no view changed): ~300 context
#     switches a second and ~1.5% of a core idle, and a key waits for the
#     next tick (median ~9 ms). No option turns it off (WithFPS caps at 120).
#     The change: wake the renderer when a view is queued, at most fps times
#     a second: bench/bubbletea-render-on-change.patch (~40 lines; upstream
#     charmbracelet/bubbletea#1776 and #1796, open). Measured below: 0
#     wake-ups idle, key-to-paint ~2 ms, CPU/key < 3x dialog. To ship it
#     before upstream does: a fork of the module and a replace in go.mod.
#   - CPU per key with the patch (~1.3 ms): ultraviolet's diff of the frame
#     (~20-30% of the process during keys), reading input (~13%), Go's
#     sysmon, scheduler and GC, the read and write system calls. fleetbake's
#     own Update and View of a key are ~37 us (BenchmarkMachineListKey in
#     ui/), down from ~177 us before it kept its rows, help, header and
#     lines (~29% of the process then).
#   - first screen: the process itself. `fleetbake version` alone takes
#     ~48 ms of CPU against ~7 ms for dialog's whole menu: exec and page
#     faults of a 37 MB binary (~40%), package init (~18% of the start up to
#     the settled screen: aws-sdk-go-v2's service schemas (smithy-go
#     Schema), endpoint regexps, itabs), GC, go-runewidth building its
#     width table on the first frame (~9%, ultraviolet's WcWidth; a
#     terminal answering mode 2027 takes the grapheme path instead),
#     discovery and the account lookup (~10%). The change: a UI binary
#     that does not link the AWS SDK (AWS steps in a helper process), or
#     an SDK with lazy schemas.
#   - peak memory: ~23 MB of the ~35 MB peak are pages of the binary
#     (RssFile; 16 MB already on the first screen), ~14 MB heap and stacks
#     (RssAnon). Same change as above: a smaller UI binary.
#   - Build screen: the engine's follower parsing 2,000 lines a second is
#     most of it (`build attach`, which is only the follower and a printer,
#     takes ~1.5%); the screen reads 4 snapshots a second.
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
