#!/usr/bin/env bash
# Pinning and fetching, each against the git commands it stands for:
# - layers-lock-real: `fleetbake layers lock` (discovery, resolution, one
#   `git rev-parse HEAD` per layer repository, the save of [pins]) on the
#   real tree in FLEETBAKE_POKY, against `git rev-parse HEAD` run in every
#   repository of that tree. Skipped without FLEETBAKE_POKY.
# - layers-fetch-mirrors: `fleetbake layers fetch` of a scarthgap project on
#   raspberrypi4-64 (poky, meta-openembedded, meta-aws, meta-raspberrypi),
#   shallow, 4 at a time, against the same `git clone --depth 1` commands
#   run one after another. Both clone from local bare mirrors
#   (/work/.mirror/<owner>+<name>/repo, or FLEETBAKE_MIRRORS): a temporary
#   global git config maps each catalog URL to its mirror with
#   url.<base>.insteadOf (git-config(1)), so fleetbake runs unchanged.
#   Each run starts from an empty folder; the removal of the last run's
#   clones is in both sides' time alike.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOFLAGS=-mod=mod
mirrors=${FLEETBAKE_MIRRORS:-/work/.mirror}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

go build -o "$work/fleetbake" .
source bench/lib.bash

# One global git config for both sides: checkouts of another user are
# trusted (git's safe.directory), catalog URLs lead to the mirrors.
export GIT_CONFIG_GLOBAL=$work/gitconfig GIT_CONFIG_NOSYSTEM=1
git config --global safe.directory '*'
git config --global advice.detachedHead false

if [[ -n "${FLEETBAKE_POKY:-}" ]]; then
  repos=()
  for d in "$FLEETBAKE_POKY"/*/; do
    [[ -e "$d/.git" ]] && repos+=("${d%/}")
  done
  # A project outside the tree (lock writes its file) that searches it.
  mkdir -p "$work/lock"
  "$work/fleetbake" --config "$work/lock/fleetbake.toml" init >/dev/null
  { printf 'sources = ["%s"]\n' "$FLEETBAKE_POKY"; cat "$work/lock/fleetbake.toml"; } >"$work/lock/f" && mv "$work/lock/f" "$work/lock/fleetbake.toml"
  lock() { "$work/fleetbake" --config "$work/lock/fleetbake.toml" layers lock; }
  revparse() { local r; for r in "${repos[@]}"; do git -C "$r" rev-parse HEAD; done; }
  if lock >/dev/null; then
    RUNS=${RUNS_LOCK:-${RUNS:-9}} ab "layers-lock-real" "rev-parse" 10 lock revparse
  else
    echo "layers-lock-real: fleetbake layers lock failed on $FLEETBAKE_POKY:" >&2
    lock >&2 || true
  fi
fi

# Catalog name -> mirror folder and the catalog URL it stands for.
declare -A mirror=(
  [poky]=yoctoproject+poky
  [meta-openembedded]=openembedded+meta-openembedded
  [meta-aws]=aws4embeddedlinux+meta-aws
  [meta-raspberrypi]=agherzan+meta-raspberrypi
)
declare -A url=(
  [poky]=https://git.yoctoproject.org/poky
  [meta-openembedded]=https://git.openembedded.org/meta-openembedded
  [meta-aws]=https://github.com/aws4embeddedlinux/meta-aws
  [meta-raspberrypi]=https://github.com/agherzan/meta-raspberrypi
)
for r in "${!mirror[@]}"; do
  g=$mirrors/${mirror[$r]}/repo
  [[ -d "$g/.git" ]] && g=$g/.git
  if ! git --git-dir="$g" rev-parse -q --verify refs/heads/scarthgap >/dev/null; then
    echo "layers-fetch-mirrors: skipped, no scarthgap branch in $g" >&2
    exit 0
  fi
  # file:// so that --depth is honoured (git ignores it for plain paths).
  git config --global "url.file://$g.insteadOf" "${url[$r]}"
done

mkdir -p "$work/fetch"
"$work/fleetbake" --config "$work/fetch/fleetbake.toml" init --release scarthgap --machine raspberrypi4-64 >/dev/null
fetch() {
  rm -rf "$work/fetch/sources"
  "$work/fleetbake" --config "$work/fetch/fleetbake.toml" layers fetch
}
clones() {
  rm -rf "$work/clones"
  mkdir -p "$work/clones"
  local r
  for r in poky meta-openembedded meta-aws meta-raspberrypi; do
    git clone -q --branch scarthgap --single-branch --depth 1 -- "${url[$r]}" "$work/clones/$r"
  done
}
fetch >/dev/null # the figure is only worth printing if fetch works
[[ -d "$work/fetch/sources/meta-raspberrypi/.git" ]] || { echo "layers-fetch-mirrors: fetch did not clone meta-raspberrypi" >&2; exit 1; }
# A shallow poky is a minute of CPU on a busy machine: 3 runs a side.
RUNS=${RUNS_FETCH:-3} ab "layers-fetch-mirrors" "git-clone" 1 fetch clones
