package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
)

// The test binary doubles as fleetbake: as the build supervisor when
// SuperviseEnv is set, and as a "fleetbake build" that starts a build and then
// sits following it when fakeFleetbakeEnv is set (for the hang-up test).
const fakeFleetbakeEnv = "ENGINE_TEST_FAKE_FLEETBAKE"

func TestMain(m *testing.M) {
	RunSupervisorIfRequested()
	if dir := os.Getenv(fakeFleetbakeEnv); dir != "" {
		os.Exit(fakeFleetbake(dir))
	}
	if dir := os.Getenv(benchFollowerEnv); dir != "" {
		os.Exit(runBenchFollower(dir))
	}
	os.Exit(m.Run())
}

func fakeFleetbake(buildDir string) int {
	self, _ := os.Executable()
	st, err := Start(StartOptions{BuildDir: buildDir, Target: "fake-image", Command: []string{os.Getenv("ENGINE_TEST_SCRIPT")}, Supervisor: []string{self}})
	if err != nil {
		fmt.Println("start failed:", err)
		return 1
	}
	fmt.Printf("started %d\n", st.PID)
	for p := range Follow(context.Background(), st) {
		fmt.Printf("progress %s %d/%d\n", p.Phase, p.Done, p.Total)
	}
	return 0
}

// fakeBitBake is a shell script that prints BitBake's non-interactive output
// for TASKS tasks, sleeping SLEEP seconds in each, and handles SIGINT as
// BitBake does: the first lets the running task finish and exits 1.
const fakeBitBake = `#!/bin/bash
tasks=${TASKS:-5}; nap=${SLEEP:-0.05}; stop=0
onint() {
  if [ -n "$IGNORE_INT" ]; then echo "ignoring SIGINT"; return; fi
  stop=$((stop+1))
  if [ $stop -ge 2 ]; then
    kill $spid 2>/dev/null
    echo; echo "Second Keyboard Interrupt, stopping..."; echo
    echo "NOTE: Sending SIGTERM to remaining 1 tasks"
    echo "Execution was interrupted, returning a non-zero exit code."
    exit 1
  fi
  echo; echo "Keyboard Interrupt, closing down..."; echo
}
trap onint INT
echo "Loading cache...done."
echo "Loaded 0 entries from dependency cache."
printf "Parsing recipes..."
sleep 0.2
echo "done."
echo "Parsing of 3 .bb files complete (0 cached, 3 parsed). 3 targets, 0 skipped, 0 masked, 0 errors."
echo "NOTE: Resolving any missing task queue dependencies"
echo "Initialising tasks...done."
echo "NOTE: Executing Tasks"
for i in $(seq 1 $tasks); do
  if [ $stop -gt 0 ]; then
    echo "NOTE: Tasks Summary: Attempted $((i-1)) tasks of which 0 didn't need to be rerun and all succeeded."
    echo "ERROR: Command execution failed: Stopped build"
    echo "Execution was interrupted, returning a non-zero exit code."
    exit 1
  fi
  echo "NOTE: Running task $i of $tasks (/layers/meta-fake/recipes/fake$i/fake${i}_1.0.bb:do_compile)"
  echo "NOTE: recipe fake$i-1.0-r0: task do_compile: Started"
  # The task runs in the background so that signals are handled at once.
  sleep $nap & spid=$!
  while kill -0 $spid 2>/dev/null; do wait $spid; done
  if [ "$i" = "$FAIL" ]; then
    echo "ERROR: fake$i-1.0-r0 do_compile: ExecutionError('/b/tmp/work/fake$i/temp/run.do_compile.4$i', 1, None, None)"
    echo "ERROR: Logfile of failure stored in: /b/tmp/work/fake$i/temp/log.do_compile.4$i"
    echo "NOTE: recipe fake$i-1.0-r0: task do_compile: Failed"
    echo "ERROR: Task (/layers/meta-fake/recipes/fake$i/fake${i}_1.0.bb:do_compile) failed with exit code '1'"
    echo "NOTE: Tasks Summary: Attempted $i tasks of which 0 didn't need to be rerun and 1 failed."
    echo
    echo "Summary: 1 task failed:"
    echo "  /layers/meta-fake/recipes/fake$i/fake${i}_1.0.bb:do_compile"
    echo "    log: /b/tmp/work/fake$i/temp/log.do_compile.4$i"
    echo "Summary: There was 1 ERROR message, returning a non-zero exit code."
    exit 1
  fi
  echo "NOTE: recipe fake$i-1.0-r0: task do_compile: Succeeded"
done
echo "NOTE: Tasks Summary: Attempted $tasks tasks of which 0 didn't need to be rerun and all succeeded."
`

func writeFakeBitBake(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "fake-bitbake")
	if err := os.WriteFile(path, []byte(fakeBitBake), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

func startFake(t *testing.T, buildDir string, env ...string) *State {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	st, err := Start(StartOptions{BuildDir: buildDir, Target: "fake-image", Command: []string{writeFakeBitBake(t)}, Env: env, Supervisor: []string{self}})
	if err != nil {
		t.Fatal(err)
	}
	supervisorGoneAtEnd(t, buildDir)
	t.Cleanup(func() {
		// Never leave a fake build behind.
		if s, err := FindBuild(buildDir); err == nil && s.Running() {
			syscall.Kill(-s.PGID, syscall.SIGKILL)
		}
	})
	return st
}

// supervisorGoneAtEnd makes the end of the test wait for the supervisor of
// the build in dir to exit. It records the exit code, then writes the log's
// checkpoint (leaveCheckpoint): a test that returns once the exit code is
// there would have its temp folder removed while that file is written, and
// fail with "TempDir RemoveAll cleanup: ... directory not empty". Cleanups
// run last first: call it before registering one that kills the build.
func supervisorGoneAtEnd(t *testing.T, dir string) {
	t.Cleanup(func() {
		deadline := time.Now().Add(15 * time.Second)
		for {
			s, err := FindBuild(dir)
			if err != nil || s.SupervisorPID == os.Getpid() || !sameProcess(s.SupervisorPID, s.SuperStart) {
				return
			}
			if time.Now().After(deadline) {
				t.Errorf("the supervisor (pid %d) of the build in %s is still running", s.SupervisorPID, dir)
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}

func followToEnd(t *testing.T, st *State, timeout time.Duration) (last Progress, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for p := range Follow(ctx, st) {
		last = p
		n++
	}
	if ctx.Err() != nil {
		t.Fatalf("build did not end within %v; last progress %+v", timeout, last)
	}
	return last, n
}

func TestStartFollowSuccess(t *testing.T) {
	dir := t.TempDir()
	st := startFake(t, dir, "TASKS=6", "SLEEP=0.05")
	if st.PID <= 0 || st.ProcStart == 0 || st.PGID == 0 || st.LogPath != LogPath(dir) {
		t.Fatalf("state %+v", st)
	}
	// bitbake runs in a session of its own, not ours.
	sid, _ := getsid(st.PID)
	if mySid, _ := getsid(os.Getpid()); sid == mySid || sid != st.SupervisorPID {
		t.Errorf("bitbake session %d, ours %d, supervisor %d: want the supervisor's session", sid, mySid, st.SupervisorPID)
	}
	p, _ := followToEnd(t, st, 20*time.Second)
	if p.ExitCode == nil || *p.ExitCode != 0 {
		t.Fatalf("exit code %v, want 0; %+v", p.ExitCode, p)
	}
	if p.Done != 6 || p.Total != 6 || p.Phase != PhaseDone {
		t.Errorf("progress %v %d/%d", p.Phase, p.Done, p.Total)
	}
	s, err := FindBuild(dir)
	if err != nil || s.ExitCode == nil || *s.ExitCode != 0 || s.EndTime == nil || s.Running() || s.Stale() {
		t.Fatalf("state after the build: %+v %v", s, err)
	}
	log, _ := os.ReadFile(LogPath(dir))
	if !strings.Contains(string(log), "fleetbake: bitbake exited with code 0") {
		t.Errorf("log lacks the exit line:\n%s", log)
	}
}

func TestFailureReported(t *testing.T) {
	dir := t.TempDir()
	st := startFake(t, dir, "TASKS=4", "FAIL=3")
	p, _ := followToEnd(t, st, 20*time.Second)
	if p.ExitCode == nil || *p.ExitCode != 1 {
		t.Fatalf("exit code %v, want 1", p.ExitCode)
	}
	if len(p.Failures) != 1 || p.Failures[0].LogFile != "/b/tmp/work/fake3/temp/log.do_compile.43" || p.Failures[0].Recipe != "fake3" {
		t.Fatalf("failures %+v", p.Failures)
	}
}

func TestSecondBuildRefusedAndStop(t *testing.T) {
	dir := t.TempDir()
	st := startFake(t, dir, "TASKS=100", "SLEEP=0.2")
	self, _ := os.Executable()
	_, err := Start(StartOptions{BuildDir: dir, Target: "other", Command: []string{"true"}, Supervisor: []string{self}})
	if !errors.Is(err, ErrBuildRunning) || !strings.Contains(err.Error(), "fleetbake build attach") {
		t.Fatalf("second start: %v, want ErrBuildRunning", err)
	}
	waitForLine(t, st.LogPath, "Running task 2 of 100")
	res, err := Stop(dir, false)
	if err != nil || res.Escalated() || res.Requests != 1 {
		t.Fatalf("stop: %+v %v", res, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	s, err := Wait(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if *s.ExitCode != 1 {
		t.Errorf("exit code %d, want BitBake's 1 after an interrupt", *s.ExitCode)
	}
	p, err := Snapshot(s)
	if err != nil || p.Interrupted != 1 || p.Done >= 100 {
		t.Errorf("snapshot %+v %v", p, err)
	}
	if _, err := Stop(dir, false); !errors.Is(err, ErrNotRunning) {
		t.Errorf("stop of an ended build: %v, want ErrNotRunning", err)
	}
}

func TestStopEscalates(t *testing.T) {
	dir := t.TempDir()
	// Slow tasks: the first stop alone would take a while to end the build.
	st := startFake(t, dir, "TASKS=100", "SLEEP=3")
	waitForLine(t, st.LogPath, "Running task 1 of 100")
	if res, err := Stop(dir, false); err != nil || res.Level != StopGentle {
		t.Fatalf("first stop: %+v %v", res, err)
	}
	waitForLine(t, st.LogPath, "Keyboard Interrupt, closing down")
	res, err := Stop(dir, false)
	if err != nil || res.Level != StopForce || !res.Escalated() || res.Requests != 2 {
		t.Fatalf("second stop: %+v %v", res, err)
	}
	s := waitEnd(t, dir)
	if *s.ExitCode != 1 || s.StopRequests != 2 {
		t.Errorf("exit code %d stops %d, want BitBake's 1 after a forced stop", *s.ExitCode, s.StopRequests)
	}
	p, _ := Snapshot(s)
	if p.Interrupted != 2 {
		t.Errorf("interrupted %d, want 2", p.Interrupted)
	}
}

func TestStopForceFlag(t *testing.T) {
	dir := t.TempDir()
	st := startFake(t, dir, "TASKS=100", "SLEEP=0.2")
	waitForLine(t, st.LogPath, "Running task 1 of 100")
	res, err := Stop(dir, true)
	if err != nil || res.Level != StopForce {
		t.Fatalf("stop --force: %+v %v", res, err)
	}
	if s := waitEnd(t, dir); *s.ExitCode != 1 {
		t.Errorf("exit code %d, want 1", *s.ExitCode)
	}
}

func TestStopTerminatesUnresponsiveBitBake(t *testing.T) {
	dir := t.TempDir()
	st := startFake(t, dir, "TASKS=100", "SLEEP=0.2", "IGNORE_INT=1")
	waitForLine(t, st.LogPath, "Running task 1 of 100")
	Stop(dir, false)
	Stop(dir, false)
	waitForLine(t, st.LogPath, "ignoring SIGINT")
	res, err := Stop(dir, false)
	if err != nil || res.Level != StopTerminate {
		t.Fatalf("third stop: %+v %v", res, err)
	}
	if s := waitEnd(t, dir); *s.ExitCode != 128+int(syscall.SIGTERM) {
		t.Errorf("exit code %d, want 143 (SIGTERM)", *s.ExitCode)
	}
}

func waitEnd(t *testing.T, dir string) *State {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	s, err := Wait(ctx, dir)
	if err != nil {
		t.Fatalf("build did not end: %v", err)
	}
	// Callers compare the exit code: a build judged stale has none.
	if s.ExitCode == nil {
		t.Fatalf("build ended without an exit code: %s", s.Describe())
	}
	return s
}

func TestReattachMidBuild(t *testing.T) {
	dir := t.TempDir()
	st := startFake(t, dir, "TASKS=30", "SLEEP=0.1")
	waitForLine(t, st.LogPath, "Running task 10 of 30")
	// A later fleetbake knows only the build folder.
	found, err := FindBuild(dir)
	if err != nil || !found.Running() || found.PID != st.PID {
		t.Fatalf("FindBuild: %+v %v", found, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	first := true
	var last Progress
	for p := range Follow(ctx, found) {
		if first {
			// The backlog is rebuilt before the first update is sent, or at
			// least it is on its way: never behind what we saw in the log.
			first = false
			if p.Total != 30 && p.Phase < PhaseRunning {
				t.Errorf("first update after attach: %+v", p)
			}
		}
		last = p
	}
	if last.ExitCode == nil || *last.ExitCode != 0 || last.Done != 30 {
		t.Fatalf("last progress %+v", last)
	}
}

func TestStaleState(t *testing.T) {
	dir := t.TempDir()
	// A pid that is surely gone, and one that exists but is another process.
	for _, s := range []*State{
		{PID: 0x3ffffff0, ProcStart: 1, SupervisorPID: 0x3ffffff1, Target: "x", LogPath: LogPath(dir), BuildDir: dir},
		{PID: os.Getpid(), ProcStart: 1, SupervisorPID: os.Getpid(), SuperStart: 1, Target: "x", LogPath: LogPath(dir), BuildDir: dir},
	} {
		if err := writeState(dir, s); err != nil {
			t.Fatal(err)
		}
		found, err := FindBuild(dir)
		if err != nil {
			t.Fatal(err)
		}
		if found.Running() || !found.Stale() || !strings.Contains(found.Describe(), "stale") {
			t.Errorf("pid %d: running %v stale %v: %s", s.PID, found.Running(), found.Stale(), found.Describe())
		}
		if _, err := Stop(dir, false); !errors.Is(err, ErrNotRunning) {
			t.Errorf("stop of a stale build: %v", err)
		}
		os.WriteFile(LogPath(dir), []byte("NOTE: Running task 3 of 9 (/a/b_1.bb:do_x)\n"), 0o644)
		p, err := Snapshot(found)
		if err != nil || !p.Stale || p.Total != 9 {
			t.Errorf("snapshot of stale build: %+v %v", p, err)
		}
	}
	// A new build may start over a stale state, and keeps the old log.
	st := startFake(t, dir, "TASKS=1")
	followToEnd(t, st, 10*time.Second)
	if old, err := os.ReadFile(LogPath(dir) + ".1"); err != nil || !strings.Contains(string(old), "3 of 9") {
		t.Errorf("previous log not kept as .1: %q %v", old, err)
	}
}

func TestNoBuild(t *testing.T) {
	if _, err := FindBuild(t.TempDir()); !errors.Is(err, ErrNoBuild) {
		t.Fatalf("FindBuild of an empty folder: %v", err)
	}
}

func TestBadTarget(t *testing.T) {
	for _, target := range []string{"", "-c clean", "foo;rm", "a$(b)"} {
		if _, err := Start(StartOptions{BuildDir: t.TempDir(), Target: target, Command: []string{"true"}}); err == nil {
			t.Errorf("target %q accepted", target)
		}
	}
}

// TestSurvivesHangup runs a fleetbake stand-in in a real pseudo-terminal,
// lets it start a build, then hangs up the terminal as a dropped SSH session
// does. The stand-in dies of SIGHUP; the build must run to its end and its
// exit code must be recorded.
func TestSurvivesHangup(t *testing.T) {
	dir := t.TempDir()
	self, _ := os.Executable()
	cmd := exec.Command(self)
	cmd.Env = append(os.Environ(), fakeFleetbakeEnv+"="+dir, "ENGINE_TEST_SCRIPT="+writeFakeBitBake(t), "TASKS=12", "SLEEP=0.1")
	ptmx, err := pty.Start(cmd) // its own session, the pty as controlling terminal
	if err != nil {
		t.Fatal(err)
	}
	supervisorGoneAtEnd(t, dir)
	t.Cleanup(func() {
		if s, err := FindBuild(dir); err == nil && s.Running() {
			syscall.Kill(-s.PGID, syscall.SIGKILL)
		}
	})
	buf := make([]byte, 4096)
	var out strings.Builder
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), "progress running") {
		if time.Now().After(deadline) {
			t.Fatalf("stand-in did not report progress: %q", out.String())
		}
		n, err := ptmx.Read(buf)
		out.Write(buf[:n])
		if err != nil {
			t.Fatalf("pty read: %v (%q)", err, out.String())
		}
	}
	// Hang up: the session leader gets SIGHUP, as sshd's child does.
	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	ptmx.Close()
	err = cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGHUP {
		t.Fatalf("stand-in should have died of SIGHUP: %v", err)
	}
	s, err := FindBuild(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !s.Running() {
		t.Fatalf("build not running after the hang-up: %s", s.Describe())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s, err = Wait(ctx, dir)
	if err != nil || s.ExitCode == nil || *s.ExitCode != 0 {
		t.Fatalf("after hang-up: %+v %v", s, err)
	}
	p, _ := Snapshot(s)
	if p.Done != 12 {
		t.Errorf("done %d of 12", p.Done)
	}
}

func waitForLine(t *testing.T, path, text string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		data, _ := os.ReadFile(path)
		if strings.Contains(string(data), text) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	data, _ := os.ReadFile(path)
	t.Fatalf("%q never appeared in %s:\n%s", text, path, data)
}

func getsid(pid int) (int, error) {
	sid, _, errno := syscall.RawSyscall(syscall.SYS_GETSID, uintptr(pid), 0, 0)
	if errno != 0 {
		return 0, errno
	}
	return int(sid), nil
}

// The supervisor leaves a checkpoint of the whole log when the build ends,
// so the first status after a build nobody followed reads nothing again.
func TestSupervisorLeavesCheckpoint(t *testing.T) {
	dir := t.TempDir()
	st := startFake(t, dir, "TASKS=5", "SLEEP=0.02")
	cp := st.LogPath + CheckpointSuffix
	deadline := time.Now().Add(20 * time.Second)
	for {
		fin, err := FindBuild(dir)
		if err == nil && fin.ExitCode != nil {
			if f, err := os.Open(fin.LogPath); err == nil {
				r := newLogReader(f)
				ok := r.restore(cp, fin)
				fi, _ := f.Stat()
				f.Close()
				if ok && r.total == fi.Size() {
					p, err := Snapshot(fin)
					if err != nil || p.Done != 5 || p.ExitCode == nil || *p.ExitCode != 0 {
						t.Fatalf("status from the checkpoint: %+v %v", p, err)
					}
					return
				}
			}
		}
		if time.Now().After(deadline) {
			data, _ := os.ReadFile(st.LogPath)
			t.Fatalf("no checkpoint covering the whole log at %s after the build ended; log:\n%s", cp, data)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A build with a BitBake checkout (no OE) does not inherit BBSERVER from
// the engineer's shell: bitbake would take it as its --remote-server and
// build in another folder's server.
func TestStartWithCheckoutDropsBBSERVER(t *testing.T) {
	checkout := t.TempDir()
	if err := os.MkdirAll(filepath.Join(checkout, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	script := "#!/bin/sh\necho \"BBSERVER=[${BBSERVER-unset}] BBPATH=[$BBPATH]\"\n"
	if err := os.WriteFile(filepath.Join(checkout, "bin", "bitbake"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("BBSERVER", "localhost:12345")
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	st, err := Start(StartOptions{BuildDir: dir, Target: "fake-image", BitBake: checkout, Supervisor: []string{self}})
	if err != nil {
		t.Fatal(err)
	}
	supervisorGoneAtEnd(t, dir)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := Wait(ctx, dir); err != nil {
		t.Fatal(err)
	}
	log, err := os.ReadFile(st.LogPath)
	if err != nil {
		t.Fatal(err)
	}
	if want := "BBSERVER=[unset] BBPATH=[" + dir + "]"; !strings.Contains(string(log), want) {
		t.Errorf("bitbake's environment:\n%s\nwant %q", log, want)
	}
}
