#!/usr/bin/env bash
# Process start: what every command pays before it does anything (issue 12).
#   start-version: `fleetbake version` against a hello-world Go binary.
#   start-sdk-only: internal/benchsdk, a hello-world that links the AWS SDK
#     v2 packages fleetbake links and calls none, against the same hello:
#     the SDK's share of every start, the commands that never call AWS
#     (layers, generate, build status, the first screen) included.
# No goal: these explain the goals of discovery.sh, generate.sh, engine.sh
# and ui.sh, whose fleetbake side is mostly this start.
#
# Measured 2026-12-02 on the 2-core VM (load 2-6; perf stat -r 30,
# GODEBUG=inittrace=1 over 15 runs, bench lines from this script):
#   hello-world                        ~8 ms CPU, ~183 page faults
#   hello + SDK (benchsdk, 6.8 MB)     ~25 ms CPU, ~765 page faults
#   fleetbake version (37 MB)          ~35-36 ms CPU, ~960 page faults
# (perf stat at load 2; at load 5 all three take ~1.3-1.5x that CPU:
# start-version 48.7 ms vs hello 16.8 (2.90x), CPU 44 vs 12; start-sdk-
# only 37.5 ms vs 15.4 (2.42x), CPU 34 vs 12, RUNS=9, load 5.4.)
# So linking the SDK costs ~17 ms CPU of `fleetbake version`'s ~35: its
# initialisers run ~12-14 ms and allocate 1.37 MB of the 1.56 MB all
# initialisers allocate (iam/schemas 0.64 MB, then the schemas and
# endpoint regexps of sts, sso, ssooidc, signin and iot); the rest is the
# kernel mapping and faulting in a larger binary. fleetbake's own packages'
# initialisers allocate 10 KB (14 KB before Settings and the last regexps
# moved to first use, 242 KB before the regexps and templates did; one
# helper now: internal/lazyre). What they force in: encoding/gob (engine's
# status checkpoint; its init ~1 ms CPU, 27 KB: JSON there would drop it),
# atotto/clipboard (bubbles textinput; ~0.5 ms of PATH lookups), and from
# the SDK encoding/xml; database/sql/driver comes with go-colorful and
# costs nothing at start. Commands that discover layers then take the
# discovery cache (model/discover_cache.go), so `layers`, `generate` and
# the UI's first screen read no recipe, machine or layer.conf again while
# nothing changed.
#
# The SDK cannot be narrowed inside one binary: sso, ssooidc, sts and signin
# come with config.LoadDefaultConfig's credential chain (SSO and `aws login`
# profiles need them) and iam/iot are the services provisioning calls. What a
# build without the SDK for the non-AWS commands would take (estimate, by
# subtraction: a start of ~17-22 ms CPU instead of ~40-47, so about half the
# CPU of `layers --json`, up-to-date `generate` and `build status`; benchsdk
# is 6.8 MB against hello's 2.1 MB): the AWS use cases already sit in app
# behind a few files (app/aws.go, verify_live.go, verify_policy.go,
# documents.go, results.go, verify*.go: the only importers of provision) and
# ApplySteps already takes ApplyAWS as a function value (ErrUnavailable when
# nil). Move those files to a package (app/awsapp) that cli and ui reach
# through function values registered from main.go; then either (a) build
# with a tag (`-tags noaws`: main.go does not import awsapp; AWS commands
# say "not available in this build") for engineers who provision elsewhere,
# or (b) ship two binaries: fleetbake (no SDK) execs fleetbake-aws beside it
# for provision, verify and the wizard's Apply. (b) keeps one product but
# adds a process boundary (results as JSON over a pipe); (a) is the smaller
# change (an estimate: about a day, most of it moving files and the tests).
set -euo pipefail
cd "$(dirname "$0")/.."
export GOFLAGS=-mod=mod
RUNS=${RUNS:-9}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

go build -o "$work/fleetbake" .
go build -o "$work/benchsdk" ./internal/benchsdk
mkdir "$work/hello"
printf 'module hello\n\ngo 1.26\n' >"$work/hello/go.mod"
printf 'package main\n\nimport "os"\n\nfunc main() { os.Stdout.WriteString("hello\\n") }\n' >"$work/hello/main.go"
(cd "$work/hello" && GOFLAGS= go build -o "$work/hello-bin" .)

source bench/lib.bash

version() { "$work/fleetbake" version; }
sdk() { "$work/benchsdk"; }
hello() { "$work/hello-bin"; }
ab "start-version" "hello" - version hello
ab_cpu_line "start-version-cpu" "hello" -
ab "start-sdk-only" "hello" - sdk hello
ab_cpu_line "start-sdk-only-cpu" "hello" -
