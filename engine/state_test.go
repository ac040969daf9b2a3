package engine

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// fakeRunningBuild writes the state of a running build in dir whose bitbake
// and supervisor are two sleep processes, and returns that state and a
// function that ends both (reaped, so they are gone, not zombies).
func fakeRunningBuild(t *testing.T, dir string) (*State, func()) {
	t.Helper()
	var procs []*exec.Cmd
	for range 2 {
		c := exec.Command("sleep", "60")
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		procs = append(procs, c)
	}
	end := func() {
		for _, c := range procs {
			if c.ProcessState == nil {
				c.Process.Kill()
				c.Wait()
			}
		}
	}
	t.Cleanup(end)
	bbStart, err := procStartTime(procs[0].Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	superStart, err := procStartTime(procs[1].Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	st := &State{
		PID: procs[0].Process.Pid, ProcStart: bbStart,
		SupervisorPID: procs[1].Process.Pid, SuperStart: superStart,
		StartTime: time.Now().UTC().Truncate(time.Millisecond),
		Target:    "fake-image", BuildDir: dir, LogPath: LogPath(dir),
	}
	if err := writeState(dir, st); err != nil {
		t.Fatal(err)
	}
	return st, end
}

// finishLikeSupervisor does what the supervisor does last: record the exit
// code, then exit (with bitbake already gone).
func finishLikeSupervisor(t *testing.T, dir string, code int, end func()) {
	t.Helper()
	if _, err := updateState(dir, func(s *State) error {
		now := time.Now().UTC().Truncate(time.Millisecond)
		s.ExitCode, s.EndTime = &code, &now
		return nil
	}); err != nil {
		t.Error(err)
	}
	end()
}

// hookOnce makes the next FindBuild run f between reading the state file
// and returning it.
func hookOnce(t *testing.T, f func()) {
	t.Cleanup(func() { afterStateRead = nil })
	afterStateRead = func() {
		afterStateRead = nil
		f()
	}
}

// TestWaitExitRecordedAfterRead forces the interleaving behind the flaky
// stop tests: Wait reads the state (no exit code yet), then the supervisor
// records the exit code and exits, then Wait checks whether the supervisor
// is alive. The build ended normally and must not be called stale.
func TestWaitExitRecordedAfterRead(t *testing.T) {
	dir := t.TempDir()
	_, end := fakeRunningBuild(t, dir)
	hookOnce(t, func() { finishLikeSupervisor(t, dir, 143, end) })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s, err := Wait(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if s.ExitCode == nil || *s.ExitCode != 143 || s.Stale() {
		t.Fatalf("Wait returned %s", s.Describe())
	}
}

// TestFindBuildExitRecordedAfterRead: the same interleaving for the readers
// of status, attach and the UI, which take FindBuild's answer as it is.
func TestFindBuildExitRecordedAfterRead(t *testing.T) {
	dir := t.TempDir()
	_, end := fakeRunningBuild(t, dir)
	hookOnce(t, func() { finishLikeSupervisor(t, dir, 0, end) })
	s, err := FindBuild(dir)
	if err != nil {
		t.Fatal(err)
	}
	if s.Running() || s.Stale() || !s.Ended() || !strings.Contains(s.Describe(), "exit code 0") {
		t.Fatalf("FindBuild after the exit was recorded: %s", s.Describe())
	}
}

// TestOldStateNotStaleAfterNormalEnd: a state read while the build ran and
// judged after it ended normally (a follower's, attach's copy) is not stale.
func TestOldStateNotStaleAfterNormalEnd(t *testing.T) {
	dir := t.TempDir()
	_, end := fakeRunningBuild(t, dir)
	old, err := FindBuild(dir)
	if err != nil || !old.Running() {
		t.Fatalf("FindBuild: %+v %v", old, err)
	}
	finishLikeSupervisor(t, dir, 0, end)
	if old.Running() || old.Stale() || strings.Contains(old.Describe(), "stale") {
		t.Errorf("old state after a normal end: running %v stale %v: %s", old.Running(), old.Stale(), old.Describe())
	}
	p := Progress{}
	finishProgress(&p, old)
	if p.Stale {
		t.Errorf("progress of a normally ended build marked stale")
	}
}

// TestStaleWhenSupervisorDiesWithoutRecording: the re-read must not hide a
// build that is really stale.
func TestStaleWhenSupervisorDiesWithoutRecording(t *testing.T) {
	dir := t.TempDir()
	_, end := fakeRunningBuild(t, dir)
	old, err := FindBuild(dir)
	if err != nil || !old.Running() {
		t.Fatalf("FindBuild: %+v %v", old, err)
	}
	hookOnce(t, end)
	s, err := FindBuild(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !s.Stale() || !old.Stale() || !strings.Contains(s.Describe(), "stale") {
		t.Errorf("killed build: stale %v (old copy %v): %s", s.Stale(), old.Stale(), s.Describe())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if s, err := Wait(ctx, dir); err != nil || !s.Stale() {
		t.Errorf("Wait on a killed build: %v", err)
	}
}
