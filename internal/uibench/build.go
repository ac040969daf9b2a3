package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// buildScreen: a build that logs 2,000 lines a second (this process stands
// in for bitbake: the state file names it, alive, and it appends real
// BitBake lines to the log), followed by fleetbake's Build screen and by
// `fleetbake build attach`, both at once; CPU in % of a core per window.
// In the same windows, the same two follow a second build whose log does not
// grow: what the screen costs with nothing new to show (Bubble Tea's 60 Hz
// renderer ticker, the follower's polls, the elapsed time's tick), the
// floor under the first figure.
func (b *bench) buildScreen() error {
	header, tasks, err := readLogLines(b.logData)
	if err != nil {
		return err
	}
	dir, logf, err := b.fakeBuild("build", header)
	if err != nil {
		return err
	}
	defer logf.Close()
	idleDir, idleLog, err := b.fakeBuild("build-idle", header)
	if err != nil {
		return err
	}
	// The idle build stopped logging in the middle of its tasks.
	for _, l := range tasks[:min(len(tasks), 3000)] {
		idleLog.Write(l)
	}
	idleLog.Close()

	// The writer: line i is due at start + i/2000 s, one write(2) per line
	// as BitBake writes them.
	stop := make(chan struct{})
	written := make(chan int)
	go func() {
		start, n := time.Now(), 0
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				written <- n
				return
			case <-tick.C:
			}
			for due := int(time.Since(start).Seconds() * 2000); n < due; n++ {
				logf.Write(tasks[n%len(tasks)])
			}
		}
	}()
	defer func() {
		if stop != nil {
			close(stop)
			<-written
		}
	}()
	type side struct {
		name, dir, bin string
		args           []string
	}
	sides := []side{
		{"fleetbake", dir, b.bin, nil},
		{"build attach", dir, b.bin, []string{"build", "attach"}},
		{"fleetbake, idle build", idleDir, b.bin, nil},
		{"build attach, idle build", idleDir, b.bin, []string{"build", "attach"}},
	}
	if b.base != "" {
		sides = append(sides, side{"before", dir, b.base, nil}, side{"before, idle build", idleDir, b.base, nil})
	}
	var sessions []*session
	for _, s := range sides {
		ss, err := startSession(s.name, s.dir, b.env, append([]string{s.bin}, s.args...)...)
		if err != nil {
			return err
		}
		defer ss.kill()
		ss.noRecord()
		sessions = append(sessions, ss)
	}
	for i, s := range sides {
		if s.args != nil {
			continue
		}
		if err := sessions[i].waitFor("Build  ", "task "); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
	}
	time.Sleep(time.Second)
	pct, wake := make([][]float64, len(sessions)), make([][]float64, len(sessions))
	for range 3 {
		c0, w0 := make([]time.Duration, len(sessions)), make([]int64, len(sessions))
		for i, s := range sessions {
			if c0[i], err = cpuTime(s.pid()); err == nil {
				w0[i], err = wakeups(s.pid())
			}
			if err != nil {
				return fmt.Errorf("%s: %w; the screen:\n%s", s.name, err, s.screenText())
			}
		}
		start := time.Now()
		time.Sleep(4 * time.Second)
		secs := time.Since(start).Seconds()
		for i, s := range sessions {
			c1, err := cpuTime(s.pid())
			var w1 int64
			if err == nil {
				w1, err = wakeups(s.pid())
			}
			if err != nil {
				return fmt.Errorf("%s: %w; the screen:\n%s", s.name, err, s.screenText())
			}
			pct[i] = append(pct[i], 100*(c1-c0[i]).Seconds()/secs)
			wake[i] = append(wake[i], float64(w1-w0[i])/secs)
		}
	}
	close(stop)
	stop = nil
	lines := <-written
	b.logf("build: %d lines written; cpu %% %v\nscreen:\n%s", lines, pct, sessions[0].screenText())
	printLine("Build screen, 2000 lines/s", "%", "build attach", atMost(1, "<= 1%"), pct[0], pct[1])
	printLine("Build screen, no new lines", "%", "build attach", noGoal, pct[2], pct[3])
	printLine("wake-ups, 2000 lines/s", "/s", "build attach", noGoal, wake[0], wake[1])
	if b.base != "" {
		printLine("Build screen, 2000 lines/s", "%", "before", noGoal, pct[0], pct[4])
		printLine("Build screen, no new lines", "%", "before", noGoal, pct[2], pct[5])
		printLine("wake-ups, 2000 lines/s", "/s", "before", noGoal, wake[0], wake[4])
		printLine("wake-ups, no new lines", "/s", "before", noGoal, wake[2], wake[5])
	}
	return nil
}

// fakeBuild makes a project (fleetbake init) whose build folder holds a
// build's state file naming this process, alive, and its log with header
// written; it returns the project folder and the log, open for appending.
func (b *bench) fakeBuild(prefix string, header [][]byte) (string, *os.File, error) {
	dir, err := b.project(layout{"fixture", b.writeTree}, prefix)
	if err != nil {
		return "", nil, err
	}
	init := exec.Command(b.bin, "init", "--release", "scarthgap")
	init.Dir, init.Env = dir, b.env
	if out, err := init.CombinedOutput(); err != nil {
		return "", nil, fmt.Errorf("fleetbake init: %v\n%s", err, out)
	}
	buildDir := filepath.Join(dir, "build")
	if err := os.MkdirAll(buildDir, 0o755); err != nil {
		return "", nil, err
	}
	logPath := filepath.Join(buildDir, "fleetbake-build.log") // engine.LogFile
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return "", nil, err
	}
	for _, l := range header {
		logf.Write(l)
	}
	me := os.Getpid()
	// engine.State's fields (engine/state.go); a proc_start of 0 matches
	// any start time of the pid.
	st := map[string]any{"pid": me, "pgid": me, "proc_start": 0, "supervisor_pid": me, "supervisor_start": 0,
		"start_time": time.Now().UTC(), "target": "core-image-minimal", "build_dir": buildDir, "log_path": logPath,
		"command": []string{"bitbake", "core-image-minimal"}}
	data, _ := json.Marshal(st)
	if err := os.WriteFile(filepath.Join(buildDir, "fleetbake-build.json"), data, 0o644); err != nil { // engine.StateFile
		logf.Close()
		return "", nil, err
	}
	return dir, logf, nil
}
