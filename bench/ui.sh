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
#     against `fleetbake build attach` on the same log; goal <= 1% of a core;
#     and both following a build whose log does not grow (the floor), with
#     wake-ups a second.
# BASE=<git ref> also measures fleetbake at that ref beside this one, in the
# same windows or turns (build and memory figures): before and after.
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
#   - peak memory (/proc/self/smaps and pagemap at the Build step, heap
#     profiles with GODEBUG=memprofilerate=512, Dec 2026): ~35 MB, grown
#     step by step (first screen ~27, Review ~32, Apply ~34) and never given
#     back; `fleetbake version` alone peaks at 15.5 MB (a Go hello-world
#     1.7 MB, internal/benchsdk, hello linking the SDK, 7.7 MB). RssFile
#     ~22.8 MB: the binary's text 10.5 MB and rodata 9.9 MB that were
#     touched (each fault maps 64 KB around it), libc and ld.so
#     1.6 MB (a cgo build; CGO_ENABLED=0 links statically: -2.0 MB,
#     measured). Of that text the AWS SDK is ~4.3 MB (service/iot alone
#     2.75 MB, iam 0.4, core 0.4, smithy-go 0.3, sts, sso, ssooidc and signin
#     0.45), the standard library ~4, fleetbake 1.15, charm 0.55; rodata is
#     mostly pclntab and strings of the code touched, the SDK's in
#     proportion. RssAnon ~13 MB: the heap's arena ~7.7 MB for a live heap
#     of only ~3 MB (iam's smithy-go schemas from package init ~0.9 MB,
#     ultraviolet's cell buffers and key table ~0.6 MB, fleetbake's own
#     live data < 0.5 MB: the whole wizard allocates ~9 MB, so the arena is
#     GOGC's headroom, not data kept twice); go-runewidth's width table
#     2.2 MB (BSS, filled by the renderer's first rune above U+02FF: any
#     '…', '•' or '█'); stacks and runtime ~3 MB. GC settings, measured
#     through the wizard with -base (memory, CPU of the whole wizard):
#     GOGC=50 -1.2 MB (3.5%) for +9% CPU (+2..17%), GOGC=25 -2.0 MB for
#     +16%, GOMEMLIMIT=12MiB -2.2 MB for +38% (and a GC running without
#     pause once a bigger tree's live heap nears it): none kept. So 20 MB
#     needs a smaller binary: without the SDK, RssFile ~14 MB (its ~4.3 MB
#     of text and about as much rodata), static ~12 MB, plus ~11-13 MB of
#     heap, table and runtime: ~24 MB. The change that gets there: the
#     split binary of bench/startup.sh's note, and fewer dependencies in
#     the UI half.
#   - Build screen (perf record -g and uprobes on the real binary): before,
#     fleetbake's own part was the follower reading the log 20 times a
#     second for a screen that takes 4 snapshots a second, a 1 Hz clock
#     ticker beside it, and a progress bar drawn cell by cell in a colour
#     blend each frame (~72% of a frame). Now app follows with
#     engine.FollowEvery at the screen's pace (4 reads a second), one wait
#     serves snapshots and the clock, the bar is kept until a column fills
#     (a frame's Update and Render: 54-68 us and 92 allocations against
#     240-480 us and ~570 before, BenchmarkBuildScreenFrame in ui/, run in
#     turns on both; 5 frames a second are ~0.03% of a core). Measured in
#     one run on the real tree (BASE=72c21d3): 2.16% of a core [1.71..2.18]
#     against
#     2.99% [2.38..2.99] before (0.72x), 396 wake-ups a second against 578;
#     with no new lines 1.58% against 1.91%. The rest is Bubble Tea's
#     ticker: the idle first screen alone costs 1.5% in the same run, ~330
#     wake-ups a second. With the render-on-change patch the Build screen
#     takes 0.96% [0.95..0.98] (goal met; 1.60% before, 0.60x), less than
#     `build attach` (1.01%, which reads the log 20 times a second), and
#     0.39% with no new lines (0.85% before); what is left is the engine's
#     parsing of 2,000 lines a second. tea.WithFPS(20) instead: 1.36%, and a
#     key waits ~42 ms for its paint: not a trade worth making. GOMAXPROCS=1
#     (with one P the runtime stops handing each tick to a second thread):
#     -8..-23% of the Build screen's CPU, -33% wake-ups, still ~1.6%: not
#     worth a process-wide setting.
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
# BASE=<git ref>: also build fleetbake at that ref and measure it beside this
# one (the build and memory figures, same windows or turns): before and after.
base=()
if [ -n "${BASE:-}" ]; then
  mkdir "$work/base"
  git archive "$BASE" | tar -x -C "$work/base"
  (cd "$work/base" && go build -o "$work/fleetbake-base" .)
  base=(-base "$work/fleetbake-base")
fi
"$work/uibench" -bin "$work/fleetbake" -runs "$RUNS" ${FLEETBAKE_POKY:+-tree "$FLEETBAKE_POKY"} "${base[@]}"

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
  pbase=()
  if [ -n "${BASE:-}" ]; then
    cp "$work/base/go.mod" "$work/base.mod"
    cp "$work/base/go.sum" "$work/base.sum"
    echo "replace charm.land/bubbletea/v2 => $work/bubbletea" >>"$work/base.mod"
    (cd "$work/base" && go build -modfile "$work/base.mod" -o "$work/fleetbake-base-patched" .)
    pbase=(-base "$work/fleetbake-base-patched")
  fi
  echo "# the same figures with bench/bubbletea-render-on-change.patch applied to Bubble Tea $(basename "$tea" | cut -d@ -f2) (not in the product):"
  "$work/uibench" -bin "$work/fleetbake-patched" -runs "$RUNS" -only first,keys,idle,build "${pbase[@]}"
else
  echo "# bench/bubbletea-render-on-change.patch does not apply to $(basename "$tea"): update it"
fi
