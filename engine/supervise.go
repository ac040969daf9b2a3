package engine

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

// RunSupervisorIfRequested makes this process the build supervisor and
// exits when SuperviseEnv is set; otherwise it returns at once. Call it first
// thing (fleetbake calls it from an init function).
func RunSupervisorIfRequested() {
	dir := os.Getenv(SuperviseEnv)
	if dir == "" {
		return
	}
	os.Exit(supervise(dir))
}

// supervise runs in the build's own session with stdout and stderr on the
// build log, and fd 3 a pipe to Start. It runs bitbake, tells Start it runs,
// waits, and records the exit code in the state file and the log.
func supervise(buildDir string) int {
	// Ignore the signals a stop or a hang-up may send to the process group:
	// the supervisor must live to record the exit code. Catching SIGINT
	// (instead of inheriting an ignored one) also gives bitbake the default
	// disposition, so its KeyboardInterrupt handling works even when
	// fleetbake was started in the background.
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT)
	go func() {
		for range sigs {
		}
	}()
	// fd 3 is the pipe to Start; bitbake must not inherit it.
	syscall.CloseOnExec(3)
	ready := os.NewFile(3, "ready")
	st, err := FindBuild(buildDir)
	if err != nil {
		fmt.Fprintf(os.Stdout, "fleetbake: supervisor cannot read the build state: %v\n", err)
		return 1
	}
	// Every write checks that the state is still this build's: a state file
	// replaced by hand (or by a fleetbake that judged this build stale) is
	// never overwritten with this build's pids or exit code.
	mine := func(s *State) error {
		if !s.StartTime.Equal(st.StartTime) || s.Target != st.Target {
			return errNotMine
		}
		return nil
	}
	cmd := exec.Command(st.Command[0], st.Command[1:]...)
	cmd.Dir = buildDir
	cmd.Env = append(withoutEnv(os.Environ(), SuperviseEnv), st.Env...)
	cmd.Stdin = nil
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stdout
	fmt.Fprintf(os.Stdout, "fleetbake: started bitbake %s in %s at %s\n", st.Target, buildDir, time.Now().UTC().Format(time.RFC3339))
	if err := cmd.Start(); err != nil {
		code := 127
		fmt.Fprintf(os.Stdout, "fleetbake: could not start bitbake: %v\n", err)
		fmt.Fprintf(os.Stdout, "fleetbake: bitbake exited with code %d\n", code)
		updateState(buildDir, func(s *State) error {
			if err := mine(s); err != nil {
				return err
			}
			now := time.Now().UTC()
			s.Error, s.ExitCode, s.EndTime = err.Error(), &code, &now
			return nil
		})
		if ready != nil {
			ready.Close()
		}
		return 1
	}
	pid := cmd.Process.Pid
	procStart, _ := procStartTime(pid)
	_, err = updateState(buildDir, func(s *State) error {
		if err := mine(s); err != nil {
			return err
		}
		s.PID, s.PGID, s.ProcStart = pid, syscall.Getpgrp(), procStart
		return nil
	})
	if ready != nil {
		if err == nil {
			fmt.Fprintf(ready, "ok %d\n", pid)
		}
		ready.Close()
	}

	werr := cmd.Wait()
	code := exitCode(cmd.ProcessState, werr)
	// State first, then the log line: a follower that sees the line finds
	// the exit code recorded.
	// The state write must not be lost to a transient error: retry briefly.
	for i := 0; i < 50; i++ {
		_, err = updateState(buildDir, func(s *State) error {
			if err := mine(s); err != nil {
				return err
			}
			now := time.Now().UTC().Truncate(time.Millisecond)
			s.ExitCode, s.EndTime = &code, &now
			return nil
		})
		if err == nil || errors.Is(err, errNotMine) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		fmt.Fprintf(os.Stdout, "fleetbake: could not record the exit code in %s: %v\n", StatePath(buildDir), err)
	}
	fmt.Fprintf(os.Stdout, "fleetbake: bitbake exited with code %d\n", code)
	leaveCheckpoint(buildDir, mine)
	return 0
}

// leaveCheckpoint reads the finished log once, here, so that the first
// `fleetbake build status` or `build attach` after the build reads nothing
// of it again (checkpoint.go): for a big build that is a second of CPU the
// supervisor spends when nobody waits for it, not the user at the prompt.
// A follower that saw the build end has left one already; Snapshot then
// reads only the last lines.
func leaveCheckpoint(buildDir string, mine func(*State) error) {
	st, err := FindBuild(buildDir)
	if err != nil || mine(st) != nil {
		return
	}
	_, _ = Snapshot(st)
}

// errNotMine: the state file now describes another build.
var errNotMine = errors.New("the state file describes another build")

// exitCode is the shell's view: the exit status, or 128+N for signal N.
func exitCode(ps *os.ProcessState, err error) int {
	if ps == nil {
		return 127
	}
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) || err == nil {
		return ps.ExitCode()
	}
	return 1
}

// bitbakeServerPID reads the bitbake server's pid from bitbake.lock in the
// build folder ("PID" or "PID host:port"), 0 when there is none.
func bitbakeServerPID(buildDir string) int {
	data, err := os.ReadFile(buildDir + "/bitbake.lock")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(data))
	if len(f) == 0 {
		return 0
	}
	n, k := atoi([]byte(f[0]))
	if k != len(f[0]) {
		return 0
	}
	return n
}
