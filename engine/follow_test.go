package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"
)

// liveState writes the state of a build that looks running: this test
// process stands in for bitbake and its supervisor.
func liveState(t *testing.T, dir string) *State {
	t.Helper()
	me := os.Getpid()
	ps, err := procStartTime(me)
	if err != nil {
		t.Fatal(err)
	}
	st := &State{PID: me, ProcStart: ps, PGID: syscall.Getpgrp(), SupervisorPID: me, SuperStart: ps,
		StartTime: time.Now().UTC().Truncate(time.Millisecond), Target: "core-image-minimal",
		BuildDir: dir, LogPath: LogPath(dir)}
	if err := writeState(dir, st); err != nil {
		t.Fatal(err)
	}
	return st
}

// liveLog is liveState with its log open for appending, as bitbake's
// output is; the file is closed when the test ends.
func liveLog(t *testing.T, dir string) (*State, *os.File) {
	t.Helper()
	st := liveState(t, dir)
	logf, err := os.OpenFile(st.LogPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { logf.Close() })
	return st, logf
}

// writeBuild appends the lines of tasks tasks (recipes distinct recipe
// names) to the log in writes of at least flush bytes, pausing after each,
// then ends the build as the supervisor does: the exit code in the state
// file, then the exit line. The channel gets the first error, or nil.
func writeBuild(dir string, logf *os.File, tasks, recipes, flush int, pause time.Duration) <-chan error {
	werr := make(chan error, 1)
	go func() {
		var b strings.Builder
		write := func() error {
			_, err := logf.WriteString(b.String())
			b.Reset()
			return err
		}
		b.WriteString("NOTE: Executing Tasks\n")
		for i := 1; i <= tasks; i++ {
			r := i % recipes
			fmt.Fprintf(&b, "NOTE: Running task %d of %d (/src/poky/meta/recipes-x/r%d/r%d_1.0.bb:do_compile)\n", i, tasks, r, r)
			fmt.Fprintf(&b, "NOTE: recipe r%d-1.0-r0: task do_compile: Started\n", r)
			fmt.Fprintf(&b, "NOTE: recipe r%d-1.0-r0: task do_compile: Succeeded\n", r)
			if b.Len() >= flush {
				if err := write(); err != nil {
					werr <- err
					return
				}
				time.Sleep(pause)
			}
		}
		fmt.Fprintf(&b, "NOTE: Tasks Summary: Attempted %d tasks of which 0 didn't need to be rerun and all succeeded.\n", tasks)
		err := write()
		if err == nil {
			code := 0
			now := time.Now().UTC()
			_, err = updateState(dir, func(s *State) error { s.ExitCode, s.EndTime = &code, &now; return nil })
		}
		if err == nil {
			b.WriteString("fleetbake: bitbake exited with code 0\n")
			err = write()
		}
		werr <- err
	}()
	return werr
}

// followToTheEnd takes every Progress until the follower closes ch and
// returns when each arrived; the build must have ended with every task
// counted.
func followToTheEnd(t *testing.T, ctx context.Context, ch <-chan Progress, werr <-chan error, tasks int) []time.Time {
	t.Helper()
	var times []time.Time
	var last Progress
	for p := range ch {
		times = append(times, time.Now())
		last = p
	}
	if err := <-werr; err != nil {
		t.Fatal(err)
	}
	if ctx.Err() != nil {
		t.Fatalf("follower did not finish: %+v", last)
	}
	if last.ExitCode == nil || *last.ExitCode != 0 || last.Done != tasks || last.Total != tasks {
		t.Fatalf("last progress: exit %v, %d/%d", last.ExitCode, last.Done, last.Total)
	}
	return times
}

// TestFollowCoalescesBurst: a writer appends 300,000 task lines in bursts
// over about two seconds; the follower must keep up (the final progress counts every task)
// and send at most ~30 updates a second.
func TestFollowCoalescesBurst(t *testing.T) {
	dir := t.TempDir()
	st, logf := liveLog(t, dir)
	const tasks = 100000
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	ch := Follow(ctx, st)
	// ~150,000 lines a second, for about two seconds.
	werr := writeBuild(dir, logf, tasks, 500, 64<<10, 3*time.Millisecond)
	times := followToTheEnd(t, ctx, ch, werr, tasks)
	span := times[len(times)-1].Sub(times[0])
	if max := int(span.Seconds()*30) + 3; len(times) > max {
		t.Errorf("%d updates in %v: more than ~30 a second", len(times), span)
	}
	// Times are taken on receipt, so one update may wait in the channel and
	// arrive just before the next: check windows, not single gaps. No second
	// holds more than 30 updates, plus the build's end (sent at once) and one
	// for the value that waited in the channel.
	for i := 0; i+32 < len(times); i++ {
		if d := times[i+32].Sub(times[i]); d < time.Second {
			t.Errorf("33 updates within %v (updates %d to %d)", d, i, i+32)
			break
		}
	}
	t.Logf("%d updates over %v for %d lines", len(times), span, 3*tasks)
}

// TestStartWaitsForExitCodeBeingRecorded: bitbake of the previous build is
// gone but its supervisor has not yet recorded the exit code. Start waits
// for it (so the old supervisor never writes into the new build's state),
// and refuses when it does not come.
func TestStartWaitsForExitCodeBeingRecorded(t *testing.T) {
	defer func(g time.Duration) { recordGrace = g }(recordGrace)
	recordGrace = 600 * time.Millisecond
	self, _ := os.Executable()
	dir := t.TempDir()
	supervisorGoneAtEnd(t, dir) // the new build's, once it has left its checkpoint
	prev := liveState(t, dir)
	prev.PID, prev.ProcStart = 0x3ffffff0, 1 // bitbake gone; the supervisor (us) lives
	if err := writeState(dir, prev); err != nil {
		t.Fatal(err)
	}
	if found, _ := FindBuild(dir); found.Running() || found.Ended() {
		t.Fatalf("state should be 'just ended': %s", found.Describe())
	}
	_, err := Start(StartOptions{BuildDir: dir, Target: "other", Command: []string{"true"}, Supervisor: []string{self}})
	if !errors.Is(err, ErrBuildRunning) || !strings.Contains(err.Error(), "being recorded") {
		t.Fatalf("start while the exit code is not recorded: %v", err)
	}
	// Now the old supervisor records its code while Start waits.
	go func() {
		time.Sleep(200 * time.Millisecond)
		updateState(dir, func(s *State) error { c := 1; s.ExitCode = &c; return nil })
	}()
	st, err := Start(StartOptions{BuildDir: dir, Target: "other", Command: []string{"true"}, Supervisor: []string{self}})
	if err != nil {
		t.Fatalf("start after the exit code was recorded: %v", err)
	}
	s := waitEnd(t, dir)
	if s.Target != "other" || !s.StartTime.Equal(st.StartTime) || *s.ExitCode != 0 {
		t.Errorf("new build state %+v", s)
	}
}

// TestAttachFirstUpdateHasBacklog: attaching to a build that is far along
// (a backlog of some MiB), the first update already reflects the whole log
// so far, not a past state from its first chunk.
func TestAttachFirstUpdateHasBacklog(t *testing.T) {
	dir := t.TempDir()
	st := liveState(t, dir)
	header, tasks := followerLines(t)
	var backlog []byte
	for _, l := range header {
		backlog = append(backlog, l...)
	}
	for i := 0; i < 3; i++ {
		for _, l := range tasks {
			backlog = append(backlog, l...)
		}
	}
	if len(backlog) < 2<<20 {
		t.Fatalf("backlog of %d bytes: want more than one read", len(backlog))
	}
	if err := os.WriteFile(st.LogPath, backlog, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p := <-Follow(ctx, st)
	lastLine := strings.TrimSpace(string(tasks[len(tasks)-1]))
	if p.Phase != PhaseRunning || p.Total != 4077 || p.Recipes != 920 || p.Ended() ||
		len(p.LastLines) == 0 || p.LastLines[len(p.LastLines)-1] != lastLine {
		t.Errorf("first update after attach: phase %v, %d/%d, recipes %d, last line %q (want %q)",
			p.Phase, p.Done, p.Total, p.Recipes, p.LastLines[len(p.LastLines)-1], lastLine)
	}
}

// The tail view holds the last lines of the log however the reads cut it:
// the reader copies only the last lines of each read into the tail.
func TestLogReaderTailAcrossReads(t *testing.T) {
	for _, per := range []int{1, 7, tailLines - 1, tailLines, tailLines + 1, 45} {
		path := filepath.Join(t.TempDir(), "log")
		w, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		r := newLogReader(f)
		var all []string
		for n := 0; n < 3*per+5; {
			for k := 0; k < per; k++ {
				n++
				all = append(all, fmt.Sprintf("NOTE: line %d", n))
				fmt.Fprintln(w, all[len(all)-1])
			}
			if err := r.drain(); err != nil {
				t.Fatal(err)
			}
			want := all[max(0, len(all)-tailLines):]
			if got := r.t.Snapshot(timeZero, timeZero).LastLines; !reflect.DeepEqual(got, want) {
				t.Fatalf("%d lines a write, after %d lines: tail %q, want %q", per, n, got, want)
			}
		}
		w.Close()
		f.Close()
	}
}
