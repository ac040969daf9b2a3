#!/usr/bin/env bash
# Layer discovery: `fleetbake layers --json` (a whole process, as an engineer
# runs it: start, load, walk, read each layer's layer.conf, machines, distros
# and image recipes, print) against GNU find over the same tree with the same
# pruning (pruned_find below), interleaved. Goal: at most 1.0x find in wall
# time; the CPU time (user+system) ratio is printed beside it.
# Trees: a generated one (150 layers, 30,000 files) and, when FLEETBAKE_POKY
# names a folder with real checkouts, that one too.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOFLAGS=-mod=mod
RUNS=${RUNS:-9}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

go build -o "$work/fleetbake" .
go run ./internal/benchtree -layers 150 -files 30000 "$work/tree" >/dev/null

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
  pruned_find() { find "$tree" "${prune[@]}" -type d -prune -o -name layer.conf -print; }
  ab "$name" "find-pruned" 1.0 fb pruned_find
  ab_cpu_line "$name-cpu" "find-pruned" -
}

compare "discovery-generated-150" "$work/tree"
if [[ -n "${FLEETBAKE_POKY:-}" ]]; then
  compare "discovery-real" "$FLEETBAKE_POKY"
fi
