// Command benchlog makes the build logs of the engine benchmarks
// (bench/engine.sh), in BitBake's formats (loggen/loggen.go):
//
//	benchlog write -size 1G BUILD_DIR
//	    a finished build in BUILD_DIR: fleetbake-build.log of about that
//	    size and the state file of a build that ended with its exit code;
//	benchlog follow -bin fleetbake -config PROJECT -rate 2000 -seconds 10 -rounds 3
//	    a running build in PROJECT's build folder whose log grows at that
//	    many lines a second, followed by `fleetbake build attach` and by
//	    `tail -f` at the same time; prints, per round, the CPU each used
//	    while the log grew, in % of one core.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"fleetbake/engine"
	"fleetbake/internal/benchlog/loggen"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: benchlog write|follow ...")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "write":
		err = runWrite(os.Args[2:])
	case "follow":
		err = runFollow(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q: write or follow", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchlog:", err)
		os.Exit(1)
	}
}

// parseSize reads 1G, 512M, 300K or a number of bytes.
func parseSize(s string) (int64, error) {
	mult := int64(1)
	switch {
	case strings.HasSuffix(s, "G"):
		mult, s = 1<<30, strings.TrimSuffix(s, "G")
	case strings.HasSuffix(s, "M"):
		mult, s = 1<<20, strings.TrimSuffix(s, "M")
	case strings.HasSuffix(s, "K"):
		mult, s = 1<<10, strings.TrimSuffix(s, "K")
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("size %q: give bytes or a number with K, M or G", s)
	}
	return n * mult, nil
}

func runWrite(args []string) error {
	fs := flag.NewFlagSet("write", flag.ExitOnError)
	sizeFlag := fs.String("size", "1G", "about how big the log is")
	fs.Parse(args)
	if fs.NArg() != 1 {
		return errors.New("usage: benchlog write -size 1G BUILD_DIR")
	}
	size, err := parseSize(*sizeFlag)
	if err != nil {
		return err
	}
	dir := fs.Arg(0)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	src, err := loggen.ReadSource(loggen.TasksFile)
	if err != nil {
		return err
	}
	start := time.Now().UTC().Add(-3 * time.Hour).Truncate(time.Second)
	f, err := os.Create(engine.LogPath(dir))
	if err != nil {
		return err
	}
	defer f.Close()
	os.Remove(engine.LogPath(dir) + engine.CheckpointSuffix)
	// The "of M" total: what this size holds, from one cycle of failEvery
	// tasks measured in memory.
	probe := &loggen.Writer{Src: src, W: bufio.NewWriter(discard{}), Total: 1 << 20}
	for range loggen.FailEvery {
		probe.Task()
	}
	w := &loggen.Writer{Src: src, W: bufio.NewWriterSize(f, 1<<20)}
	w.Total = int(size / (probe.Bytes / loggen.FailEvery))
	w.Header()
	for w.Bytes < size && w.N < w.Total {
		w.Task()
	}
	code := w.Summary()
	end := start.Add(3 * time.Hour)
	st := engine.State{StartTime: start, EndTime: &end, ExitCode: &code, Target: "core-image-minimal",
		BuildDir: dir, LogPath: engine.LogPath(dir), Command: []string{"bitbake", "-k", "core-image-minimal"}}
	if err := writeState(dir, &st); err != nil {
		return err
	}
	fmt.Printf("%s: %d bytes, %d tasks (%d failed), %d warnings\n", engine.LogPath(dir), w.Bytes, w.N, w.Failed, w.Warnings)
	return f.Close()
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

func writeState(dir string, st *engine.State) error {
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	tmp := engine.StatePath(dir) + ".benchtmp"
	if err := os.WriteFile(tmp, append(data, '\n'), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, engine.StatePath(dir))
}
