package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fleetbake/engine"
)

// replayScript stands in for bitbake by printing a real BitBake log from
// engine/testdata (with its paths moved by sed) and exiting 1, as BitBake
// does after these errors.
func replayScript(t *testing.T, fixture, sedExpr string) string {
	t.Helper()
	abs, err := filepath.Abs(filepath.Join("..", "engine", "testdata", fixture))
	if err != nil {
		t.Fatal(err)
	}
	return writeScript(t, "bitbake", "#!/bin/bash\nsed -e '"+sedExpr+"' '"+abs+"'\nexit 1\n")
}

// TestCLIBuildParseErrorShown: after an expansion error during parsing,
// `build` and `build status` print BitBake's ERROR lines with the lines that
// explain them, and say "failed", not "done".
func TestCLIBuildParseErrorShown(t *testing.T) {
	buildDir := filepath.Join(t.TempDir(), "build")
	cfg := buildProject(t, buildDir, "fake-image")
	env := []string{bitbakeCmdEnv + "=" + replayScript(t, "hello-expansion-error.log", "s,/tmp/bbe/expand,/src,g")}
	code, out := fb(t, env, "--config", cfg, "build", "--no-checks")
	want := []string{
		"ERROR: ExpansionError during parsing /src/meta-hello/recipes/libgreet_2.1.bb\n" +
			"bb.data_smart.ExpansionError: Failure expanding variable BROKEN, expression was ${@1/0} which triggered exception ZeroDivisionError: division by zero\n" +
			"The variable dependency chain for the failure is: BROKEN\n",
		"ERROR: Parsing halted due to errors, see error messages above\n",
	}
	if code != 1 || !strings.Contains(out, "failed: bitbake exited with code 1") {
		t.Errorf("build: exit %d, want 1 and \"failed\":\n%s", code, out)
	}
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("build output lacks\n%s\ngot:\n%s", w, out)
		}
	}
	code, out = fb(t, env, "--config", cfg, "build", "status")
	if code != 1 || !strings.Contains(out, "bitbake fake-image, failed (exit code 1)") || strings.Contains(out, "done") {
		t.Errorf("status: exit %d, want 1 and \"failed\", never \"done\":\n%s", code, out)
	}
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("status lacks\n%s\ngot:\n%s", w, out)
		}
	}
}

// TestCLIBuildFailedTaskLogWhole: a failed task's log path, however long,
// is printed whole on one line after "log: " by build, attach and status.
func TestCLIBuildFailedTaskLogWhole(t *testing.T) {
	buildDir := filepath.Join(t.TempDir(), "build")
	cfg := buildProject(t, buildDir, "fake-image")
	long := "/home/builder/projects/greengrass-fleet/build-raspberrypi5/tmp/work/cortexa76-poky-linux/hello-fail/1.0+gitAUTOINC+0123456789abcdef-r0"
	env := []string{bitbakeCmdEnv + "=" + replayScript(t, "hello-fail-includelogs.log", "s,/tmp/bbe/taskfail/tmp/work/hello-fail-1.0-r0,"+long+",g")}
	logPath := long + "/temp/log.do_compile.12642"
	code, out := fb(t, env, "--config", cfg, "build", "--no-checks")
	if code != 1 || !strings.Contains(out, "\n  log: "+logPath+"\n") || !strings.Contains(out, "| compiling, about to fail\n") {
		t.Errorf("build: exit %d, want 1, the log path whole and the task's last lines:\n%s", code, out)
	}
	code, out = fb(t, env, "--config", cfg, "build", "attach")
	if code != 1 || !strings.Contains(out, "\n  log: "+logPath+"\n") {
		t.Errorf("attach: exit %d, want 1 and the log path whole:\n%s", code, out)
	}
	code, out = fb(t, env, "--config", cfg, "build", "status")
	if code != 1 || !strings.Contains(out, "\n    log: "+logPath+"\n") || !strings.Contains(out, "ERROR: Logfile of failure stored in: "+logPath+"\n") {
		t.Errorf("status: exit %d, want 1 and the log path whole:\n%s", code, out)
	}
}

// TestCLIBuildStatusParsePercent: while BitBake parses, `build status`
// shows how far from the event log (a real one, cut after 3 of 5 recipes,
// written where `bitbake -w` would).
func TestCLIBuildStatusParsePercent(t *testing.T) {
	buildDir := filepath.Join(t.TempDir(), "build")
	cfg := buildProject(t, buildDir, "fake-image")
	events, err := filepath.Abs("../engine/testdata/hello-events.json")
	if err != nil {
		t.Fatal(err)
	}
	// The third ParseProgress line and all before it.
	script := "#!/bin/bash\nprintf 'Loading cache...done.\\nParsing recipes...'\n" +
		"awk '/bb.event.ParseProgress/{n++} {print} n==3{exit}' '" + events + "' > " + engine.EventLogFile + "\n" +
		"sleep 30\n"
	env := []string{bitbakeCmdEnv + "=" + writeScript(t, "bitbake", script)}
	code, out := fb(t, env, "--config", cfg, "build", "--no-checks", "--detach")
	killBuildAtEnd(t, buildDir)
	if code != 0 {
		t.Fatalf("build --detach: %d\n%s", code, out)
	}
	waitStatusShows(t, env, cfg, "phase:    parsing (Parsing recipes 60%)", 10*time.Second, 100*time.Millisecond)
	if _, err := os.Stat(filepath.Join(buildDir, engine.EventLogFile)); err != nil {
		t.Fatal(err)
	}
}
