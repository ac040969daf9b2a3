#!/usr/bin/env bash
# Layer discovery: `fleetbake layers --json` (a whole process, as an engineer
# runs it: start, load, walk, read each layer's layer.conf, machines, distros
# and image recipes, print) against GNU find over the same tree with the same
# pruning (pruned_find below), interleaved. Goal: at most 1.0x find in wall
# time; the CPU time (user+system) ratio is printed beside it.
# Trees: a generated one (150 layers, 30,000 files) and, when FLEETBAKE_POKY
# names a folder with real checkouts, that one too.
#
# Why the goal is missed (profiles: perf over whole runs, pprof in process;
# 2-core VM, load ~25): a `layers` run is mostly the start of a 37 MB
# binary. `fleetbake version` alone costs ~40-50 ms CPU, a hello-world Go
# binary ~10 ms, the whole pruned find ~20 ms. Of that start, package
# initialisers are ~47% (AWS SDK v2: iam/signin/sts/sso schemas and endpoint
# tables ~20%; ours: model regexps ~4%, provision templates ~2.5%, gob ~1.6%,
# generator regexps ~1.3%) and the runtime's own start ~15%. The walk itself
# (BenchmarkDiscoverReal, in process) is ~15 ms CPU, 40% of it reading what
# find never reads: layer.conf, machine headers and 59 image recipes. A run
# also sits at the 4 MB first GC (one GC: ~15 ms CPU). A 4.5 MB binary with
# only model and engine runs the whole discovery in ~38 ms CPU, less than
# `fleetbake version` alone. What reaching 1.0x would take: the layer, generate and
# build commands in a binary that does not link the AWS SDK (provision and
# verify in a fleetbake-aws helper, or behind a build tag), regexps and
# templates compiled on first use, and a cache of discovery keyed by the
# layer folders' mtimes so a second run reads no recipe.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOFLAGS=-mod=mod
RUNS=${RUNS:-9}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The discovery cache (model/discover_cache.go) goes here, not into the
# user's ~/.cache: each figure's warm-up run fills it.
export XDG_CACHE_HOME="$work/cache"

go build -o "$work/fleetbake" .
go run ./internal/benchtree -layers 150 -files 30000 "$work/tree" >/dev/null
sleep 0.2 # a tree younger than the cache's racy window (100 ms) is not cached

source bench/lib.bash

# The folders model/discover.go never walks into: skipNames (version
# control, build output, caches, test fixtures), folders named build*, conf/
# below a folder (read, not walked) and the names of a layer's recipe, class,
# file, code and document folders (skipInLayer), all skipped by name at any
# depth: this prune list is the same walk. find does less than fleetbake: it
# follows no symlinked folder, reads no file and prints paths only.
prune=(\( -name .git -o -name .repo -o -name .svn -o -name .hg -o -name tmp -o -name downloads
  -o -name sstate-cache -o -name cache -o -name node_modules -o -name __pycache__ -o -name tests
  -o -name testdata -o -name 'build*' -o -name 'recipes-*' -o -name 'classes-*' -o -name classes
  -o -name files -o -name lib -o -name scripts -o -name dynamic-layers -o -name wic -o -name licenses
  -o -name doc -o -name docs -o -name documentation -o -name templates -o -path '*/conf/*' \))

compare() { # name tree
  local name=$1 tree=$2
  # A project file path inside the tree makes the tree the default root; the
  # file need not exist.
  fb() { "$work/fleetbake" --config "$tree/fleetbake-bench.toml" layers --json; }
  fb_nocache() { FLEETBAKE_NO_CACHE=1 fb; }
  pruned_find() { find "$tree" "${prune[@]}" -type d -prune -o -name layer.conf -print; }
  ab "$name" "find-pruned" 1.0 fb pruned_find
  ab_cpu_line "$name-cpu" "find-pruned" -
  # The first run on a tree, or after a change: the whole walk.
  ab "$name-nocache" "find-pruned" - fb_nocache pruned_find
  ab_cpu_line "$name-nocache-cpu" "find-pruned" -
}

compare "discovery-generated-150" "$work/tree"
if [[ -n "${FLEETBAKE_POKY:-}" ]]; then
  compare "discovery-real" "$FLEETBAKE_POKY"
fi
