// Command uibench measures what a user of the terminal UI feels, on the real
// fleetbake binary in a pseudo-terminal, side by side with dialog and
// whiptail running a --menu of the same length in a terminal of the same
// size (bench/ui.sh runs it). Every figure is measured interleaved: the
// sides take turns (A B A B ...) or run in the same window of time, so both
// see the same machine at the same moment.
//
//   - whole first screen: from starting the process to the screen it
//     settles in (for fleetbake: discovery done, its body drawn), on the
//     fixture layer tree and, with -tree, on real checkouts;
//   - per Down key in the machine list: bytes written, key-to-paint latency
//     (from writing the key to the screen showing its answer) and CPU, with
//     the list scrolling and not;
//   - CPU and wake-ups while idle on the first screen;
//   - peak memory (VmHWM) through the whole wizard, and its CPU;
//   - CPU and wake-ups of the Build screen following a build that logs
//     2,000 lines a second, against `fleetbake build attach` following the
//     same log, and of both following a build whose log does not grow.
//
// It reads the screens with a small terminal emulator (vt.go) and prints one
// line per figure in bench/lib.bash's bench_line columns. It exits 1 when
// something could not be measured (not when a goal is missed: bench/run
// carries on).
//
// With -base OLD, the build and memory figures also measure another binary
// (the one before a change) in the same windows or turns, and print it as
// the anchor of a second line: before and after from one run.
//
//	uibench -bin path/to/fleetbake [-runs 9] [-tree DIR] [-idle 5s] [-base OLD] [-v]
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"fleetbake/internal/awsfake"
	"fleetbake/internal/layertree"
)

const (
	width, height = 80, 24
	waitLimit     = 30 * time.Second
)

func main() {
	bin := flag.String("bin", "", "the fleetbake binary to measure")
	runs := flag.Int("runs", 9, "starts per side for the first screen; the key series grows with it")
	verbose := flag.Bool("v", false, "print details to stderr")
	tree := flag.String("tree", "", "a folder with real checkouts (poky, meta-openembedded, meta-aws): measured on it too")
	idle := flag.Duration("idle", 5*time.Second, "length of one idle window")
	logData := flag.String("log", "engine/testdata/poky-scarthgap-dryrun.log.gz", "a real BitBake log whose task lines the build figure replays")
	only := flag.String("only", "", "measure only these groups, comma separated: first, keys, idle, memory, build")
	base := flag.String("base", "", "another fleetbake binary (the one before a change): the build and memory figures measure it too, in the same windows or turns")
	flag.Parse()
	if *bin == "" {
		fmt.Fprintln(os.Stderr, "usage: uibench -bin FLEETBAKE [-runs N] [-tree DIR] [-idle 5s] [-v]")
		os.Exit(2)
	}
	b := &bench{bin: *bin, runs: max(1, *runs), verbose: *verbose, tree: *tree, idle: *idle, logData: *logData, only: *only, base: *base}
	if err := b.run(); err != nil {
		fmt.Fprintln(os.Stderr, "uibench:", err)
		os.Exit(1)
	}
}

type bench struct {
	bin     string
	runs    int
	verbose bool
	tree    string // real checkouts, or ""
	idle    time.Duration
	logData string
	only    string
	base    string // a binary to compare with, or ""
	dir     string
	env     []string
}

// layout is a layer tree to measure on.
type layout struct {
	name    string // in figure names
	sources func(dir string) error
}

func (b *bench) run() error {
	tmp, err := os.MkdirTemp("", "fleetbake-uibench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	fake := awsfake.New(awsfake.Options{})
	defer fake.Close()
	home := filepath.Join(tmp, "home")
	if err := os.MkdirAll(home, 0o755); err != nil {
		return err
	}
	b.dir = tmp
	b.env = append([]string{"HOME=" + home, "PATH=" + os.Getenv("PATH"), "TERM=xterm-256color", "LANG=C.UTF-8"}, fake.Env()...)
	if v := os.Getenv("FLEETBAKE_NO_CACHE"); v != "" {
		b.env = append(b.env, "FLEETBAKE_NO_CACHE="+v)
	}

	layouts := []layout{{"fixture", b.writeTree}}
	if b.tree != "" {
		layouts = append(layouts, layout{"real", func(dir string) error {
			return os.Symlink(b.tree, filepath.Join(dir, "sources"))
		}})
	}
	want := func(group string) bool { return b.only == "" || strings.Contains(","+b.only+",", ","+group+",") }
	for _, l := range layouts {
		if want("first") {
			if err := b.firstScreen(l); err != nil {
				return fmt.Errorf("first screen, %s: %w", l.name, err)
			}
		}
		if want("keys") {
			if err := b.keys(l); err != nil {
				return fmt.Errorf("keys, %s: %w", l.name, err)
			}
		}
	}
	if want("idle") {
		if err := b.idleCost(); err != nil {
			return fmt.Errorf("idle: %w", err)
		}
	}
	if want("memory") {
		for _, l := range layouts {
			if err := b.memory(l); err != nil {
				return fmt.Errorf("peak memory, %s: %w", l.name, err)
			}
		}
	}
	if want("build") {
		if err := b.buildScreen(); err != nil {
			return fmt.Errorf("build screen: %w", err)
		}
	}
	return nil
}

// writeTree writes the fixture layer tree under dir/sources, where a
// project in dir finds it.
func (b *bench) writeTree(dir string) error {
	return layertree.Build(filepath.Join(dir, "sources"), layertree.Standard("scarthgap", true))
}

// project makes a new project folder with its layers in place.
func (b *bench) project(l layout, prefix string) (string, error) {
	dir, err := os.MkdirTemp(b.dir, prefix+"-")
	if err != nil {
		return "", err
	}
	return dir, l.sources(dir)
}

func (b *bench) logf(format string, args ...any) {
	if b.verbose {
		fmt.Fprintf(os.Stderr, format+"\n", args...)
	}
}
