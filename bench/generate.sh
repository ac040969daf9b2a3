#!/usr/bin/env bash
# generate: `fleetbake generate` as an engineer runs it (a whole process:
# load and validate fleetbake.toml, discover the layers, resolve, render,
# compare with disk, write), against the floor of putting the same two files
# in place (internal/benchfloor: write, fsync, rename each, fsync the
# folder), interleaved. On the real checkouts when FLEETBAKE_POKY is set,
# else on the generated poky + meta-openembedded + meta-aws fixture.
#   generate-changed: each run rewrites both files (two project files that
#     differ in MACHINE and in one layer, used in turn); the floor writes the
#     same two contents in turn. Goal: at most 1.3x the floor.
#   generate-uptodate: nothing to write (the common second run); shown
#     against the same floor, without a goal.
#   generate-changed-*-nocache: the same without the discovery cache
#     (FLEETBAKE_NO_CACHE=1): a first run on a tree or one after a change.
#
# What a run costs now (2026-12-02, real tree, perf record -g over 30 runs,
# per run on the main goroutine): the process start (`fleetbake version`:
# ~35 ms CPU at load 2, of which the AWS SDK ~17; see startup.sh and
# discovery.sh), then ~12 ms of generate's own work:
#   render            ~4.3 ms: text/template parsing ~2 ms (cold code: the
#                     same parse warm is 0.4 ms), executing ~0.8 ms; only
#                     the bitbake template group is parsed now (it parsed
#                     kas and claim-layer too)
#   discovery         ~3 ms from the cache (was ~15-20 ms walking): reading
#                     and decoding it ~1.5 ms, ~260 stats on 2 goroutines
#   fleetbake.toml    ~1.7 ms (BurntSushi toml decode ~0.9 ms), validation
#                     ~0.3 ms (the region pattern is no longer compiled
#                     for a listed region)
#   compare, lock     ~1.1 ms plan, ~0.6 ms the build lock, ~0.3 ms the
#                     stale-temp sweep of conf/
# generate runs no git, reads each file once, writes nothing when up to
# date (no fsync of unchanged files) and writes a changed pair as the floor
# does (both temporaries written and fsynced, exchanged, one folder fsync).
# Last run (RUNS=9, FLEETBAKE_POKY=/work/yocto, load 2.6-3.4):
#   generate-changed-real          54.3 ms vs floor 18.0: 3.02x (CPU 54 vs 12)
#   generate-changed-real-nocache  63.3 ms vs floor 18.4: 3.45x
#   generate-uptodate-real         44.7 ms vs floor 18.5: 2.42x
# Before (same script, load 2): changed 78.1 vs 17.9 ms, 4.37x (CPU 88 vs
# 15); up to date 3.68x. In one interleaved run of both binaries (RUNS=15,
# load 2.6): up-to-date generate 50.3 ms against 56.8, 0.89x the wall and
# 0.84x the CPU of the commit before the cache. 1.3x needs the start
# without the AWS SDK, as discovery does: the start alone is ~2x the floor.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOFLAGS=-mod=mod
RUNS=${RUNS:-9}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The discovery cache goes here, not into the user's ~/.cache; the
# generate runs that make the floor's contents below fill it.
export XDG_CACHE_HOME="$work/cache"

go build -o "$work/fleetbake" .
go build -o "$work/benchfloor" ./internal/benchfloor
cfg="$work/ws/fleetbake.toml"
if [[ -n "${FLEETBAKE_POKY:-}" ]]; then
  tree=real
  mkdir -p "$work/ws"
  "$work/fleetbake" --config "$cfg" init --machine qemuarm64 --layers meta-aws >/dev/null
  # The real checkouts are the only source folder.
  sed -i "s|^layers = .*|&\nsources = [\"$FLEETBAKE_POKY\"]|" "$cfg"
else
  tree=fixture
  go run ./internal/benchtree -standard scarthgap "$work/ws/sources" >/dev/null
  "$work/fleetbake" --config "$cfg" init --machine qemuarm64 --layers meta-aws >/dev/null
fi
sed 's/machine = "qemuarm64"/machine = "qemux86-64"/; s/^layers = \["meta-aws"\]/layers = ["meta-aws", "meta-python"]/' "$cfg" >"$work/ws/other.toml"
conf="$work/ws/build/conf"
# The contents of both variants, for the floor.
for v in other fleetbake; do
  "$work/fleetbake" --config "$work/ws/$v.toml" generate >/dev/null 2>&1
  cp "$conf/local.conf" "$work/$v.local.conf"
  cp "$conf/bblayers.conf" "$work/$v.bblayers.conf"
done
if cmp -s "$work/other.local.conf" "$work/fleetbake.local.conf" || cmp -s "$work/other.bblayers.conf" "$work/fleetbake.bblayers.conf"; then
  echo "generate.sh: the two project files must give two different local.conf and bblayers.conf" >&2
  exit 1
fi
mkdir -p "$work/floor"

source bench/lib.bash

turn=0
flip() {
  turn=$((1 - turn))
  if ((turn)); then "$work/fleetbake" --config "$work/ws/other.toml" generate; else "$work/fleetbake" --config "$cfg" generate; fi
}
fturn=0
floor_flip() {
  local v=fleetbake
  fturn=$((1 - fturn))
  ((fturn)) && v=other
  "$work/benchfloor" "$work/floor" "local.conf=$work/$v.local.conf" "bblayers.conf=$work/$v.bblayers.conf"
}
same() { "$work/fleetbake" --config "$cfg" generate; }
flip_nocache() { FLEETBAKE_NO_CACHE=1 flip; }

ab "generate-changed-$tree" "floor" 1.3 flip floor_flip
ab_cpu_line "generate-changed-$tree-cpu" "floor" -
# Without the discovery cache: the first run on a tree, or after a change.
ab "generate-changed-$tree-nocache" "floor" - flip_nocache floor_flip
"$work/fleetbake" --config "$cfg" generate >/dev/null 2>&1
ab "generate-uptodate-$tree" "floor" - same floor_flip
