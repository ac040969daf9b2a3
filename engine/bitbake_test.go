package engine

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fleetbake/internal/hellobb"
)

// Integration tests with a real BitBake: skipped unless FLEETBAKE_BITBAKE
// names a BitBake checkout (a clone of openembedded/bitbake). They build the
// manual's Hello World project, grown by internal/hellobb, offline.

func realBitBake(t *testing.T, sleep int) (checkout, dir string) {
	t.Helper()
	checkout = os.Getenv("FLEETBAKE_BITBAKE")
	if checkout == "" {
		t.Skip("FLEETBAKE_BITBAKE is not set to a BitBake checkout")
	}
	if _, err := os.Stat(filepath.Join(checkout, "bin", "bitbake")); err != nil {
		t.Fatalf("FLEETBAKE_BITBAKE=%s has no bin/bitbake", checkout)
	}
	dir = t.TempDir()
	// The bitbake server outlives the UI by a moment, writing its cache and
	// log; let it go before the folder is removed.
	t.Cleanup(func() { WaitServerGone(dir, 30*time.Second) })
	if err := hellobb.Write(dir, hellobb.Options{SleepSeconds: sleep}); err != nil {
		t.Fatal(err)
	}
	return checkout, dir
}

func startReal(t *testing.T, checkout, dir, target string) *State {
	t.Helper()
	self, _ := os.Executable()
	st, err := Start(StartOptions{BuildDir: dir, Target: target, BitBake: checkout, Supervisor: []string{self}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if s, err := FindBuild(dir); err == nil && s.Running() {
			Stop(dir, true)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			Wait(ctx, dir)
		}
	})
	return st
}

func TestRealBitBakeSuccess(t *testing.T) {
	checkout, dir := realBitBake(t, 0)
	st := startReal(t, checkout, dir, hellobb.Image)
	p, n := followToEnd(t, st, 2*time.Minute)
	if p.ExitCode == nil || *p.ExitCode != 0 {
		t.Fatalf("exit %v; last lines:\n%s", p.ExitCode, strings.Join(p.LastLines, "\n"))
	}
	if p.Done != 18 || p.Total != 18 || p.Recipes != 5 || len(p.Failures) != 0 {
		t.Errorf("progress %+v", p)
	}
	if n < 2 {
		t.Errorf("only %d updates", n)
	}
	// Started with -w, BitBake wrote the event log the parse percentage comes from.
	ev := newEventLogReader(EventLogPath(dir))
	if ev.read(); ev.parseN != 5 || ev.parseM != 5 {
		t.Errorf("event log %s: parsed %d of %d, want 5 of 5", EventLogPath(dir), ev.parseN, ev.parseM)
	}
}

func TestRealBitBakeFailingTask(t *testing.T) {
	checkout, dir := realBitBake(t, 0)
	st := startReal(t, checkout, dir, hellobb.Fail)
	p, _ := followToEnd(t, st, 2*time.Minute)
	if p.ExitCode == nil || *p.ExitCode != 1 {
		t.Fatalf("exit %v, want 1", p.ExitCode)
	}
	if len(p.Failures) != 1 {
		t.Fatalf("failures %+v", p.Failures)
	}
	f := p.Failures[0]
	if f.Recipe != "hello-fail" || !strings.HasSuffix(f.Task, "hello-fail_1.0.bb:do_compile") {
		t.Errorf("failure %+v", f)
	}
	// The log path BitBake printed is a real file holding the task's output.
	data, err := os.ReadFile(f.LogFile)
	if err != nil || !strings.Contains(string(data), "compiling, about to fail") {
		t.Errorf("task log %s: %v %q", f.LogFile, err, data)
	}
}

func TestRealBitBakeStopAndReattach(t *testing.T) {
	checkout, dir := realBitBake(t, 4)
	st := startReal(t, checkout, dir, hellobb.Sleep)
	waitForLine(t, st.LogPath, "hello-sleep-1.0-r0: task do_compile: Started")

	// Re-attach from the build folder alone, as a new fleetbake would.
	found, err := FindBuild(dir)
	if err != nil || !found.Running() {
		t.Fatalf("FindBuild: %+v %v", found, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	ch := Follow(ctx, found)
	first := <-ch
	if first.Phase != PhaseRunning || first.Total == 0 || !contains(first.Running, "hello-sleep do_compile") {
		t.Errorf("first progress after attach: phase %v %d/%d running %v", first.Phase, first.Done, first.Total, first.Running)
	}

	// Stop: BitBake lets the sleeping compile finish, then exits 1.
	if res, err := Stop(dir, false); err != nil || res.Escalated() {
		t.Fatalf("stop: %+v %v", res, err)
	}
	var last Progress
	for p := range ch {
		last = p
	}
	if last.ExitCode == nil || *last.ExitCode != 1 || last.Interrupted != 1 {
		t.Fatalf("after stop: exit %v interrupted %d\n%s", last.ExitCode, last.Interrupted, strings.Join(last.LastLines, "\n"))
	}
	if last.Done >= last.Total {
		t.Errorf("stopped build did all %d tasks", last.Total)
	}
	s, _ := FindBuild(dir)
	if s.ExitCode == nil || *s.ExitCode != 1 || s.StopRequests != 1 {
		t.Errorf("state %+v", s)
	}
}

func TestRealBitBakeStopEscalates(t *testing.T) {
	checkout, dir := realBitBake(t, 120)
	st := startReal(t, checkout, dir, hellobb.Sleep)
	waitForLine(t, st.LogPath, "hello-sleep-1.0-r0: task do_compile: Started")
	Stop(dir, false)
	waitForLine(t, st.LogPath, "Keyboard Interrupt, closing down")
	res, err := Stop(dir, false)
	if err != nil || res.Level != StopForce {
		t.Fatalf("second stop: %+v %v", res, err)
	}
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	s, err := Wait(ctx, dir)
	if err != nil {
		t.Fatalf("build did not end after escalation: %v", err)
	}
	if s.ExitCode == nil || *s.ExitCode != 1 {
		t.Errorf("exit code %v, want BitBake's 1", s.ExitCode)
	}
	// BitBake itself killed the task: its sleep is gone with the server.
	WaitServerGone(dir, 30*time.Second)
	if out, _ := exec.Command("pgrep", "-f", filepath.Join(dir, "tmp", "work")).Output(); len(out) > 0 {
		t.Errorf("task still running after a forced stop: %s", out)
	}
	if time.Since(start) > 50*time.Second {
		t.Errorf("escalation took %v: the 120 s task was not killed", time.Since(start))
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
