package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"fleetbake/engine"
	"fleetbake/internal/benchlog/loggen"
)

// runFollow: per round, a live build whose log grows at -rate lines a
// second (one write(2) per line, as BitBake writes), `fleetbake build
// attach` and `tail -f` on it at once, and the CPU each used while the log
// grew. Start-up is left out: both are started, given a second to settle,
// and measured from then to the last line, from the kernel's per-thread
// CPU time (/proc/PID/task/*/schedstat, nanoseconds; see proc(5)).
func runFollow(args []string) error {
	fs := flag.NewFlagSet("follow", flag.ExitOnError)
	bin := fs.String("bin", "", "the fleetbake binary")
	config := fs.String("config", "", "the project file; its build folder is build/ beside it")
	rate := fs.Int("rate", 2000, "lines a second")
	secs := fs.Float64("seconds", 10, "how long the log grows, per round")
	rounds := fs.Int("rounds", 3, "rounds")
	fs.Parse(args)
	if *bin == "" || *config == "" {
		return errors.New("usage: benchlog follow -bin FLEETBAKE -config PROJECT [-rate N] [-seconds S] [-rounds R]")
	}
	src, err := loggen.ReadSource(loggen.TasksFile)
	if err != nil {
		return err
	}
	dir := filepath.Join(filepath.Dir(*config), "build")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for r := 0; r < *rounds; r++ {
		a, t, err := followRound(src, *bin, *config, dir, *rate, *secs)
		if err != nil {
			return err
		}
		fmt.Printf("round %d attach %.3f tail %.3f\n", r+1, a, t)
	}
	return nil
}

func followRound(src *loggen.Source, bin, config, dir string, rate int, secs float64) (attachPct, tailPct float64, err error) {
	logPath := engine.LogPath(dir)
	os.Remove(logPath + engine.CheckpointSuffix)
	f, err := os.Create(logPath)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	// This process stands in for bitbake and its supervisor: while it
	// lives, the build is running (engine.State.Running; start time 0 is
	// not checked).
	me := os.Getpid()
	st := engine.State{PID: me, PGID: syscall.Getpgrp(), SupervisorPID: me, StartTime: time.Now().UTC().Truncate(time.Millisecond),
		Target: "core-image-minimal", BuildDir: dir, LogPath: logPath, Command: []string{"bitbake", "core-image-minimal"}}
	if err := writeState(dir, &st); err != nil {
		return 0, 0, err
	}
	total := int(float64(rate)*secs) / 3
	w := &loggen.Writer{Src: src, W: bufio.NewWriterSize(f, 64<<10), Total: total, LineFlush: true}
	w.Header()

	attach := exec.Command(bin, "--config", config, "build", "attach")
	tail := exec.Command("tail", "-f", logPath)
	for _, c := range []*exec.Cmd{attach, tail} {
		if err := c.Start(); err != nil {
			return 0, 0, err
		}
	}
	defer tail.Process.Kill()
	time.Sleep(time.Second)
	a0, t0 := cpuNs(attach.Process.Pid), cpuNs(tail.Process.Pid)
	start := time.Now()
	// Three lines a task (Running, Started, Succeeded) and a warning every
	// warnEvery tasks: the rate is in lines, paced by the clock.
	tick := time.NewTicker(time.Millisecond)
	lines := 0
	for w.N < total {
		<-tick.C
		due := int(time.Since(start).Seconds() * float64(rate))
		for lines < due && w.N < total {
			w.Task()
			lines += 3
		}
	}
	tick.Stop()
	wall := time.Since(start)
	a1, t1 := cpuNs(attach.Process.Pid), cpuNs(tail.Process.Pid)

	code := w.Summary()
	end := time.Now().UTC()
	st.ExitCode, st.EndTime = &code, &end
	if err := writeState(dir, &st); err != nil {
		return 0, 0, err
	}
	done := make(chan error, 1)
	go func() { done <- attach.Wait() }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		attach.Process.Kill()
		return 0, 0, errors.New("build attach did not end 30 s after the build did")
	}
	tail.Process.Kill()
	tail.Wait()
	pct := func(d int64) float64 { return 100 * float64(d) / float64(wall.Nanoseconds()) }
	return pct(a1 - a0), pct(t1 - t0), nil
}

// cpuNs sums the CPU time of every thread of pid (the first field of
// /proc/PID/task/TID/schedstat).
func cpuNs(pid int) int64 {
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/schedstat", pid))
	var sum int64
	for _, t := range tasks {
		data, err := os.ReadFile(t)
		if err != nil {
			continue
		}
		if f := strings.Fields(string(data)); len(f) > 0 {
			n, _ := strconv.ParseInt(f[0], 10, 64)
			sum += n
		}
	}
	return sum
}
