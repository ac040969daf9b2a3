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
# Measured 2026-12-01 on the 2-core VM (load 10-16; perf stat -r 60..100,
# task-clock and page faults, and GODEBUG=inittrace=1, median of 15 runs):
#   hello-world                        ~7 ms CPU, ~185 page faults
#   hello + model, engine, generator  ~10-16 ms,  ~255 page faults
#   hello + SDK config only           ~26 ms,    ~530 page faults
#   hello + SDK (config, iam, iot, sts) ~29-32 ms, ~770 page faults
#   fleetbake version (37 MB)         ~39-47 ms, ~970 page faults
# So linking the SDK costs ~22-25 ms CPU of the ~40-47 ms of `fleetbake
# version`. Its initialisers allocate 1.37 MB (iam/schemas alone 0.64 MB,
# then the endpoint tables and schemas of sts, sso, ssooidc and signin); perf
# puts only ~35% of benchsdk's samples in user code: the rest is the kernel
# (exec, page faults). Our own initialisers allocated 242 KB at start-up
# before regexps and templates were compiled on first use, 14 KB after
# (encoding/gob's own init, ~27 KB, stays: engine's build status checkpoint
# uses gob); the CPU saved (~1-2 ms) is below this machine's noise.
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
