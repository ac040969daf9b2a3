// Command e2efixture prepares a workspace for driving the real fleetbake
// binary from a script (test/e2e-tmux.sh): it writes the fixture layer tree
// (poky, meta-openembedded and meta-aws of scarthgap, as in the UI flow
// tests) under DIR/sources and serves the local AWS fake (internal/awsfake)
// until it is stopped.
//
//	e2efixture -dir DIR [-latency 200ms]
//
// Once the fake is listening it writes DIR/aws.env, the environment that
// points fleetbake at it (one export per line, for `source`), then prints
// "ready <url>" on stdout. While it runs it keeps DIR/aws-resources.txt up
// to date with what the fake account holds, one "kind name" per line, so the
// script can check what was created without talking AWS itself, and
// DIR/aws-calls.txt with "mutating N", the calls that changed the account so
// far (awsfake.Server.MutatingCalls), so it can check that a step made none.
// Writing a
// duration ("3s") to DIR/aws-latency delays every AWS call from then on, so a
// script can look at the UI while calls are under way ("0" ends it). It stops on
// SIGINT or SIGTERM, and by itself after -timeout so that a script killed
// before its cleanup never leaves it behind for long.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"fleetbake/internal/awsfake"
	"fleetbake/internal/layertree"
	"fleetbake/model"
)

func main() {
	dir := flag.String("dir", "", "workspace folder to fill (created if missing)")
	release := flag.String("release", "scarthgap", "Yocto release of the fixture layers")
	timeout := flag.Duration("timeout", 15*time.Minute, "stop by itself after this long")
	latency := flag.Duration("latency", 0, "delay every AWS call this long (to see the UI while calls are under way)")
	flag.Parse()
	if *dir == "" || flag.NArg() != 0 {
		fmt.Fprintln(os.Stderr, "usage: e2efixture -dir DIR [-release NAME] [-timeout D] [-latency D]")
		os.Exit(2)
	}
	if err := run(*dir, *release, *timeout, *latency); err != nil {
		fmt.Fprintln(os.Stderr, "e2efixture:", err)
		os.Exit(1)
	}
}

func run(dir, release string, timeout, latency time.Duration) error {
	if err := layertree.Build(filepath.Join(dir, "sources"), layertree.Standard(release, true)); err != nil {
		return err
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)

	fake := awsfake.New(awsfake.Options{})
	defer fake.Close()
	fake.SetLatency(latency)
	var env strings.Builder
	for _, kv := range fake.Env() {
		k, v, _ := strings.Cut(kv, "=")
		fmt.Fprintf(&env, "export %s=%q\n", k, v)
	}
	if err := model.WriteFileAtomic(filepath.Join(dir, "aws.env"), []byte(env.String()), 0o644); err != nil {
		return err
	}
	resPath, callsPath := filepath.Join(dir, "aws-resources.txt"), filepath.Join(dir, "aws-calls.txt")
	var last, lastCalls []byte
	writeResources := func() error {
		calls := []byte(fmt.Sprintf("mutating %d\n", fake.MutatingCalls()))
		if !bytes.Equal(calls, lastCalls) {
			if err := model.WriteFileAtomic(callsPath, calls, 0o644); err != nil {
				return err
			}
			lastCalls = calls
		}
		data := resourceLines(fake.Resources())
		if last != nil && bytes.Equal(data, last) {
			return nil
		}
		last = data
		return model.WriteFileAtomic(resPath, data, 0o644)
	}
	if err := writeResources(); err != nil {
		return err
	}
	fmt.Println("ready", fake.URL)

	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(timeout)
	for {
		select {
		case <-stop:
			return writeResources()
		case <-deadline:
			fmt.Fprintln(os.Stderr, "e2efixture: stopping after", timeout)
			return writeResources()
		case <-tick.C:
			if err := writeResources(); err != nil {
				return err
			}
			if data, err := os.ReadFile(filepath.Join(dir, "aws-latency")); err == nil {
				if d, err := time.ParseDuration(strings.TrimSpace(string(data))); err == nil && d != latency {
					latency = d
					fake.SetLatency(d)
				}
			}
		}
	}
}

// resourceLines lists a snapshot as sorted "kind name" lines.
func resourceLines(r awsfake.Resources) []byte {
	var lines []string
	for kind, names := range r {
		for _, n := range names {
			lines = append(lines, kind+" "+n)
		}
	}
	sort.Strings(lines)
	if len(lines) == 0 {
		return []byte{}
	}
	return []byte(strings.Join(lines, "\n") + "\n")
}
