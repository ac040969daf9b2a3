package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"

	"fleetbake/engine"
	"fleetbake/internal/hellobb"
)

// These tests run the real fleetbake binary, built once per test run, with
// a shell script standing in for bitbake (FLEETBAKE_BITBAKE_CMD), and with a
// real BitBake when FLEETBAKE_BITBAKE names a checkout.

var (
	fbOnce sync.Once
	fbPath string
	fbErr  error
)

func fleetbakeBinary(t *testing.T) string {
	t.Helper()
	fbOnce.Do(func() {
		dir, err := os.MkdirTemp("", "fleetbake-bin-")
		if err != nil {
			fbErr = err
			return
		}
		fbPath = filepath.Join(dir, "fleetbake")
		out, err := exec.Command("go", "build", "-o", fbPath, "..").CombinedOutput()
		if err != nil {
			fbErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if fbErr != nil {
		t.Fatal(fbErr)
	}
	return fbPath
}

// buildProject writes a fleetbake.toml whose build folder is buildDir.
func buildProject(t *testing.T, buildDir, image string) string {
	t.Helper()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "fleetbake.toml")
	text := fmt.Sprintf("format = 1\nbuild_dir = %q\nmachine = \"qemux86-64\"\ndistro = \"poky\"\nimage = %q\nlayers = []\n[greengrass]\nenabled = false\n", buildDir, image)
	if err := os.WriteFile(cfg, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// fakeBitBakeScript prints BitBake's plain output for $TASKS tasks of
// $SLEEP seconds each and handles SIGINT like BitBake (first: finish the
// running task and exit 1).
const fakeBitBakeScript = `#!/bin/bash
tasks=${TASKS:-5}; stop=0
trap 'stop=1; echo; echo "Keyboard Interrupt, closing down..."; echo' INT
printf "Parsing recipes..."; sleep 0.1; echo "done."
echo "Parsing of 2 .bb files complete (0 cached, 2 parsed). 2 targets, 0 skipped, 0 masked, 0 errors."
echo "NOTE: Executing Tasks"
for i in $(seq 1 $tasks); do
  if [ $stop = 1 ]; then
    echo "NOTE: Tasks Summary: Attempted $((i-1)) tasks of which 0 didn't need to be rerun and all succeeded."
    echo "Execution was interrupted, returning a non-zero exit code."
    exit 1
  fi
  echo "NOTE: Running task $i of $tasks (/l/meta-x/recipes/r$i/r${i}_1.0.bb:do_compile)"
  echo "NOTE: recipe r$i-1.0-r0: task do_compile: Started"
  sleep ${SLEEP:-0.1} & wait $! || wait $!
  echo "NOTE: recipe r$i-1.0-r0: task do_compile: Succeeded"
done
echo "NOTE: Tasks Summary: Attempted $tasks tasks of which 0 didn't need to be rerun and all succeeded."
`

func writeScript(t *testing.T, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(text), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func fb(t *testing.T, env []string, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(fleetbakeBinary(t), args...)
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if err != nil {
		if _, ok := err.(*exec.ExitError); !ok {
			t.Fatal(err)
		}
	}
	return cmd.ProcessState.ExitCode(), out.String()
}

func readState(t *testing.T, buildDir string) engine.State {
	t.Helper()
	var s engine.State
	data, err := os.ReadFile(engine.StatePath(buildDir))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

func killBuildAtEnd(t *testing.T, buildDir string) {
	t.Cleanup(func() {
		if s, err := engine.FindBuild(buildDir); err == nil && s.Running() {
			syscall.Kill(-s.PGID, syscall.SIGKILL)
		}
	})
}

// hangupDuringBuild runs `fleetbake build` in a real pseudo-terminal, waits
// for the build to be running, then hangs the terminal up the way a dropped
// SSH session does (the master side closes, the session leader gets SIGHUP).
func hangupDuringBuild(t *testing.T, env []string, cfg, buildDir, waitFor string) {
	t.Helper()
	cmd := exec.Command(fleetbakeBinary(t), "--config", cfg, "build", "--no-checks")
	cmd.Env = append(os.Environ(), env...)
	ptmx, err := pty.Start(cmd)
	if err != nil {
		t.Fatal(err)
	}
	killBuildAtEnd(t, buildDir)
	var out bytes.Buffer
	buf := make([]byte, 4096)
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(out.String(), waitFor) {
		if time.Now().After(deadline) {
			t.Fatalf("no %q from fleetbake build:\n%s", waitFor, out.String())
		}
		ptmx.SetReadDeadline(time.Now().Add(time.Second))
		n, _ := ptmx.Read(buf)
		out.Write(buf[:n])
	}
	ptmx.Close()
	cmd.Process.Signal(syscall.SIGHUP)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatal("fleetbake did not exit after the hang-up")
	}
	if code := cmd.ProcessState.ExitCode(); code == 0 {
		t.Errorf("fleetbake exited 0 after a hang-up mid-build; want it detached (130) or killed")
	}
	s, err := engine.FindBuild(buildDir)
	if err != nil || !s.Running() {
		t.Fatalf("build not running right after the hang-up: %+v %v", s, err)
	}
}

func waitBuildEnd(t *testing.T, buildDir string, timeout time.Duration) engine.State {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		s := readState(t, buildDir)
		if s.ExitCode != nil {
			return s
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("build did not end within %v", timeout)
	return engine.State{}
}

func TestCLIBuildSurvivesHangup(t *testing.T) {
	buildDir := filepath.Join(t.TempDir(), "build")
	cfg := buildProject(t, buildDir, "fake-image")
	env := []string{bitbakeCmdEnv + "=" + writeScript(t, "bitbake", fakeBitBakeScript), "TASKS=15", "SLEEP=0.2"}
	hangupDuringBuild(t, env, cfg, buildDir, "running")
	code, out := fb(t, env, "--config", cfg, "build", "status")
	if code != 0 || !strings.Contains(out, "running") {
		t.Errorf("status while running: %d\n%s", code, out)
	}
	s := waitBuildEnd(t, buildDir, 30*time.Second)
	if *s.ExitCode != 0 {
		t.Fatalf("exit code %d", *s.ExitCode)
	}
	code, out = fb(t, env, "--config", cfg, "build", "status")
	if code != 0 || !strings.Contains(out, "bitbake fake-image, done") || !strings.Contains(out, "15 of 15 tasks") {
		t.Errorf("status after: %d\n%s", code, out)
	}
}

func TestCLIAttachStopAndRefuseSecond(t *testing.T) {
	buildDir := filepath.Join(t.TempDir(), "build")
	cfg := buildProject(t, buildDir, "fake-image")
	env := []string{bitbakeCmdEnv + "=" + writeScript(t, "bitbake", fakeBitBakeScript), "TASKS=200", "SLEEP=0.1"}
	code, out := fb(t, env, "--config", cfg, "build", "--no-checks", "--detach")
	killBuildAtEnd(t, buildDir)
	if code != 0 || !strings.Contains(out, "started bitbake fake-image") {
		t.Fatalf("build --detach: %d\n%s", code, out)
	}
	code, out = fb(t, env, "--config", cfg, "build", "--no-checks", "--detach")
	if code == 0 || !strings.Contains(out, "already running") {
		t.Errorf("second build: %d\n%s", code, out)
	}
	// Attach in the background; stop; attach must end with BitBake's code.
	stopWhileAttached(t, env, cfg, time.Second, 30*time.Second)
	code, out = fb(t, env, "--config", cfg, "build", "stop")
	if code == 0 || !strings.Contains(out, "no build is running") {
		t.Errorf("stop with nothing running: %d\n%s", code, out)
	}
}

func TestCLIBuildPreflightFails(t *testing.T) {
	buildDir := filepath.Join(t.TempDir(), "build")
	cfg := buildProject(t, buildDir, "core-image-minimal")
	code, out := fb(t, []string{"PATH=" + os.Getenv("PATH")}, "--config", cfg, "build")
	if code != 1 {
		t.Fatalf("exit %d, want 1:\n%s", code, out)
	}
	for _, want := range []string{"FAIL    bitbake", "no oe-init-build-env", "the build cannot start", "--no-checks"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// Each failed check once, with its fix (they were printed as lines,
	// then again inside the error).
	if n := strings.Count(out, "no oe-init-build-env"); n != 1 {
		t.Errorf("the failed check is printed %d times, want once:\n%s", n, out)
	}
	if _, err := os.Stat(engine.StatePath(buildDir)); err == nil {
		t.Error("a build was started although preflight failed")
	}
}

func TestCLIDoctor(t *testing.T) {
	cfg := buildProject(t, filepath.Join(t.TempDir(), "build"), "core-image-minimal")
	code, out := fb(t, nil, "--config", cfg, "doctor")
	for _, name := range []string{"bitbake", "locale", "host tools", "disk space", "user"} {
		if !strings.Contains(out, name) {
			t.Errorf("doctor output lacks %q:\n%s", name, out)
		}
	}
	failed := strings.Contains(out, "FAIL ")
	if failed != (code == 1) {
		t.Errorf("exit %d but FAIL shown=%v:\n%s", code, failed, out)
	}
	if os.Geteuid() == 0 && !strings.Contains(out, "OE refuses to build as root: run as an ordinary user") {
		t.Errorf("root not refused:\n%s", out)
	}
}

// TestCLIRealBitBakeSurvivesHangup: the same with a real BitBake building
// the Hello World project (skipped unless FLEETBAKE_BITBAKE is set).
func TestCLIRealBitBakeSurvivesHangup(t *testing.T) {
	checkout := os.Getenv("FLEETBAKE_BITBAKE")
	if checkout == "" {
		t.Skip("FLEETBAKE_BITBAKE is not set to a BitBake checkout")
	}
	buildDir := t.TempDir()
	if err := hellobb.Write(buildDir, hellobb.Options{SleepSeconds: 3}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { engine.WaitServerGone(buildDir, 30*time.Second) })
	wrapper := writeScript(t, "bitbake", fmt.Sprintf("#!/bin/sh\nexport BBPATH=\"$PWD\" PATH=%q/bin:\"$PATH\"\nexec bitbake \"$@\"\n", checkout))
	env := []string{bitbakeCmdEnv + "=" + wrapper}
	// The sleeping recipe: the hang-up comes while its do_compile runs.
	cfg := buildProject(t, buildDir, hellobb.Sleep)
	hangupDuringBuild(t, env, cfg, buildDir, "hello-sleep do_compile")
	s := waitBuildEnd(t, buildDir, 2*time.Minute)
	if *s.ExitCode != 0 {
		log, _ := os.ReadFile(s.LogPath)
		t.Fatalf("exit code %d:\n%s", *s.ExitCode, log)
	}
	code, out := fb(t, env, "--config", cfg, "build", "status")
	if code != 0 || !strings.Contains(out, ", done") || !strings.Contains(out, "6 of 6 tasks") {
		t.Errorf("status: %d\n%s", code, out)
	}
}

// waitStatusShows runs `build status` every `every` until its output holds
// want; the test fails when status says the build ended (non-zero exit)
// or at the deadline.
func waitStatusShows(t *testing.T, env []string, cfg, want string, timeout, every time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		code, out := fb(t, env, "--config", cfg, "build", "status")
		if strings.Contains(out, want) {
			return
		}
		if code != 0 || time.Now().After(deadline) {
			t.Fatalf("build status never showed %q: %d\n%s", want, code, out)
		}
		time.Sleep(every)
	}
}

// stopWhileAttached follows the running build with `build attach` in
// another process, stops it with `build stop` after settle, and checks
// that the stop was gentle and BitBake exited 1, that attach ended with
// that code and that status says stopped.
func stopWhileAttached(t *testing.T, env []string, cfg string, settle, stopTimeout time.Duration) {
	t.Helper()
	attach := exec.Command(fleetbakeBinary(t), "--config", cfg, "build", "attach")
	attach.Env = append(os.Environ(), env...)
	var aout bytes.Buffer
	attach.Stdout, attach.Stderr = &aout, &aout
	if err := attach.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(settle)
	code, out := fb(t, env, "--config", cfg, "build", "stop", "--timeout", stopTimeout.String())
	if code != 0 || !strings.Contains(out, "sent SIGINT") || !strings.Contains(out, "ended with exit code 1") {
		t.Errorf("stop: %d\n%s", code, out)
	}
	attach.Wait()
	if c := attach.ProcessState.ExitCode(); c != 1 || !strings.Contains(aout.String(), "bitbake exited with code 1") {
		t.Errorf("attach exit %d:\n%s", c, aout.String())
	}
	code, out = fb(t, env, "--config", cfg, "build", "status")
	if code != 1 || !strings.Contains(out, "stopped (exit code 1)") {
		t.Errorf("status after stop: %d\n%s", code, out)
	}
}

// realBitBakeProject writes the Hello World project into a build folder and
// a wrapper that runs the checkout's bitbake there (skipped unless
// FLEETBAKE_BITBAKE is set).
func realBitBakeProject(t *testing.T, sleep int, image string) (env []string, cfg, buildDir string) {
	t.Helper()
	checkout := os.Getenv("FLEETBAKE_BITBAKE")
	if checkout == "" {
		t.Skip("FLEETBAKE_BITBAKE is not set to a BitBake checkout")
	}
	buildDir = t.TempDir()
	if err := hellobb.Write(buildDir, hellobb.Options{SleepSeconds: sleep}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { engine.WaitServerGone(buildDir, 30*time.Second) })
	wrapper := writeScript(t, "bitbake", fmt.Sprintf("#!/bin/sh\nexport BBPATH=\"$PWD\" PATH=%q/bin:\"$PATH\"\nexec bitbake \"$@\"\n", checkout))
	return []string{bitbakeCmdEnv + "=" + wrapper}, buildProject(t, buildDir, image), buildDir
}

// TestCLIRealBitBakeFailingTask: `fleetbake build` of a recipe whose
// do_compile fails exits with BitBake's code and names the task's log, a
// real file holding the task's output; `build status` says the same.
func TestCLIRealBitBakeFailingTask(t *testing.T) {
	env, cfg, buildDir := realBitBakeProject(t, 0, hellobb.Fail)
	killBuildAtEnd(t, buildDir)
	code, out := fb(t, env, "--config", cfg, "build", "--no-checks")
	if code != 1 {
		t.Fatalf("exit %d, want BitBake's 1:\n%s", code, out)
	}
	i := strings.Index(out, "FAILED ")
	if i < 0 || !strings.Contains(out[i:], "hello-fail_1.0.bb:do_compile") {
		t.Fatalf("no FAILED line for hello-fail's do_compile:\n%s", out)
	}
	j := strings.Index(out[i:], "log: ")
	logFile := strings.TrimSpace(strings.SplitN(out[i+j+5:], "\n", 2)[0])
	if data, err := os.ReadFile(logFile); err != nil || !strings.Contains(string(data), "compiling, about to fail") {
		t.Errorf("task log %q: %v %q", logFile, err, data)
	}
	code, out = fb(t, env, "--config", cfg, "build", "status")
	if code != 1 || !strings.Contains(out, "failed (exit code 1)") || !strings.Contains(out, logFile) {
		t.Errorf("status: %d\n%s", code, out)
	}
}

// TestCLIRealBitBakeAttachAndStop: a detached build of the sleeping recipe;
// `build attach` from another process mid-build; `build stop` lets the
// running do_compile finish and BitBake exit 1; attach ends with that code.
func TestCLIRealBitBakeAttachAndStop(t *testing.T) {
	env, cfg, buildDir := realBitBakeProject(t, 6, hellobb.Sleep)
	code, out := fb(t, env, "--config", cfg, "build", "--no-checks", "--detach")
	killBuildAtEnd(t, buildDir)
	if code != 0 {
		t.Fatalf("build --detach: %d\n%s", code, out)
	}
	waitStatusShows(t, env, cfg, "running:  hello-sleep do_compile", 60*time.Second, 200*time.Millisecond)
	stopWhileAttached(t, env, cfg, 500*time.Millisecond, 60*time.Second)
	// The running do_compile was let finish: its log shows the whole sleep.
	log, _ := os.ReadFile(engine.LogPath(buildDir))
	if !strings.Contains(string(log), "hello-sleep-1.0-r0: task do_compile: Succeeded") {
		t.Errorf("do_compile did not finish after a gentle stop:\n%s", log)
	}
}

// stubbornBitBake runs one task that never ends by itself; like BitBake, a
// first SIGINT only announces the stop and a second one ends it with 1.
const stubbornBitBake = `#!/bin/bash
n=0
onint() {
  n=$((n+1)); echo
  if [ $n -ge 2 ]; then echo "Second Keyboard Interrupt, stopping..."; exit 1; fi
  echo "Keyboard Interrupt, closing down..."
}
trap onint INT
echo "NOTE: Executing Tasks"
echo "NOTE: Running task 1 of 2 (/l/meta-x/recipes/r1/r1_1.0.bb:do_compile)"
echo "NOTE: recipe r1-1.0-r0: task do_compile: Started"
while :; do sleep 0.1 & wait $!; done
`

// TestCLIStopTimeoutEscalates: `build stop --timeout` climbs to BitBake's
// second SIGINT when the running tasks do not finish in time.
func TestCLIStopTimeoutEscalates(t *testing.T) {
	buildDir := filepath.Join(t.TempDir(), "build")
	cfg := buildProject(t, buildDir, "fake-image")
	env := []string{bitbakeCmdEnv + "=" + writeScript(t, "bitbake", stubbornBitBake)}
	code, out := fb(t, env, "--config", cfg, "build", "--no-checks", "--detach")
	killBuildAtEnd(t, buildDir)
	if code != 0 {
		t.Fatalf("build --detach: %d\n%s", code, out)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		log, _ := os.ReadFile(engine.LogPath(buildDir))
		if strings.Contains(string(log), "task do_compile: Started") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("task never started:\n%s", log)
		}
		time.Sleep(50 * time.Millisecond)
	}
	start := time.Now()
	code, out = fb(t, env, "--config", cfg, "build", "stop", "--timeout", "1s")
	for _, want := range []string{"sent SIGINT", "still running after 1s: escalating", "second SIGINT", "ended with exit code 1"} {
		if !strings.Contains(out, want) {
			t.Errorf("stop output lacks %q:\n%s", want, out)
		}
	}
	if code != 0 || time.Since(start) > 8*time.Second {
		t.Errorf("stop: exit %d after %v", code, time.Since(start))
	}
	if s := readState(t, buildDir); s.StopRequests != 2 || s.ExitCode == nil || *s.ExitCode != 1 {
		t.Errorf("state: stops %d exit %v", s.StopRequests, s.ExitCode)
	}
}

// Before any build, attach, stop and status each say there is none and
// what to do, whether the build folder is missing or only empty (stop
// used to report its missing lock file).
func TestCLIBuildCommandsBeforeAnyBuild(t *testing.T) {
	for _, folder := range []string{"missing", "empty"} {
		buildDir := filepath.Join(t.TempDir(), "build")
		if folder == "empty" {
			if err := os.Mkdir(buildDir, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		cfg := buildProject(t, buildDir, "fake-image")
		for _, sub := range []string{"attach", "stop", "status"} {
			code, out := fb(t, nil, "--config", cfg, "build", sub)
			want := buildDir + ": no fleetbake build has been started in this build folder; start one with `fleetbake build`"
			if code == 0 || !strings.Contains(out, want) || strings.Contains(out, "lock file") {
				t.Errorf("build %s, build folder %s: exit %d\n%s\nwant %q", sub, folder, code, out, want)
			}
		}
	}
}
