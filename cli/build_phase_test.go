package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// failAfterSummaryBitBake fails a task and, like BitBake, prints its Tasks
// Summary before it exits; the pause between the two lets the follower see
// the summary while bitbake still runs.
const failAfterSummaryBitBake = `#!/bin/bash
echo "NOTE: Executing Tasks"
echo "NOTE: Running task 1 of 2 (/l/meta-x/recipes/r1/r1_1.0.bb:do_compile)"
echo "NOTE: recipe r1-1.0-r0: task do_compile: Started"
echo "ERROR: Task (/l/meta-x/recipes/r1/r1_1.0.bb:do_compile) failed with exit code '1'"
echo "NOTE: Tasks Summary: Attempted 1 tasks of which 0 didn't need to be rerun and 1 failed."
sleep 1
echo "Summary: There was 1 ERROR message, returning a non-zero exit code."
exit 1
`

// A followed build that fails never says "done": BitBake's Tasks Summary
// ends the task phase before bitbake exits, and the phase line printed then
// read "done, 1 of 2 tasks" above "failed: bitbake exited with code 1".
func TestCLIBuildFailedNeverSaysDone(t *testing.T) {
	buildDir := filepath.Join(t.TempDir(), "build")
	cfg := buildProject(t, buildDir, "fake-image")
	env := []string{bitbakeCmdEnv + "=" + writeScript(t, "bitbake", failAfterSummaryBitBake)}
	code, out := fb(t, env, "--config", cfg, "build", "--no-checks")
	if code != 1 {
		t.Fatalf("build: exit code %d, want 1\n%s", code, out)
	}
	if regexp.MustCompile(`(?m)^\[[0-9:]+\] done`).MatchString(out) {
		t.Errorf("a failed build printed a phase line \"done\":\n%s", out)
	}
	if !regexp.MustCompile(`(?m)^\[[0-9:]+\] failed, 1 of 2 tasks$`).MatchString(out) || !strings.Contains(out, "failed: bitbake exited with code 1") {
		t.Errorf("want the phase line \"failed, 1 of 2 tasks\" and the exit code:\n%s", out)
	}
}

// `build attach` of an ended build whose log is gone says so and ends at
// once: only a build that has not ended may be about to create its log, so
// there is nothing to wait for (it used to wait 5 s, then print only the
// exit line).
func TestCLIAttachEndedBuildWithoutLog(t *testing.T) {
	buildDir := filepath.Join(t.TempDir(), "build")
	cfg := buildProject(t, buildDir, "fake-image")
	env := []string{bitbakeCmdEnv + "=" + writeScript(t, "bitbake", "#!/bin/sh\necho 'NOTE: Executing Tasks'\nexit 0\n")}
	if code, out := fb(t, env, "--config", cfg, "build", "--no-checks"); code != 0 {
		t.Fatalf("build: exit code %d\n%s", code, out)
	}
	if err := os.Remove(filepath.Join(buildDir, "fleetbake-build.log")); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	code, out := fb(t, env, "--config", cfg, "build", "attach")
	if took := time.Since(start); took > 4*time.Second {
		t.Errorf("attach took %v: it waited for the log of a build that has ended", took)
	}
	if code != 0 || !strings.Contains(out, "fleetbake: cannot read the build log") || !strings.Contains(out, "bitbake exited with code 0") {
		t.Errorf("exit code %d; want 0 with the log's trouble and the exit line:\n%s", code, out)
	}
}

// `build attach` of a build that had ended stamps its lines with the time
// the build ended, not the time of the attach.
func TestCLIAttachEndedBuildStampsItsEnd(t *testing.T) {
	buildDir := filepath.Join(t.TempDir(), "build")
	cfg := buildProject(t, buildDir, "fake-image")
	env := []string{"TZ=UTC", bitbakeCmdEnv + "=" + writeScript(t, "bitbake", "#!/bin/sh\necho 'NOTE: Executing Tasks'\necho 'NOTE: Tasks Summary: Attempted 1 tasks of which 0 didn'\"'\"'t need to be rerun and all succeeded.'\nexit 0\n")}
	if code, out := fb(t, env, "--config", cfg, "build", "--no-checks"); code != 0 {
		t.Fatalf("build: exit code %d\n%s", code, out)
	}
	statePath := filepath.Join(buildDir, "fleetbake-build.json")
	data, err := os.ReadFile(statePath)
	if err != nil {
		t.Fatal(err)
	}
	var state map[string]any
	if err := json.Unmarshal(data, &state); err != nil {
		t.Fatal(err)
	}
	// An hour and a bit after its start: not the time of the attach.
	start, err := time.Parse(time.RFC3339Nano, state["start_time"].(string))
	if err != nil {
		t.Fatal(err)
	}
	end := start.Add(time.Hour + 37*time.Minute + 5*time.Second).UTC()
	state["end_time"] = end.Format(time.RFC3339Nano)
	if data, err = json.Marshal(state); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(statePath, data, 0o644); err != nil {
		t.Fatal(err)
	}
	code, out := fb(t, env, "--config", cfg, "build", "attach")
	if want := "[" + end.Format("15:04:05") + "] done"; code != 0 || !strings.Contains(out, "\n"+want) {
		t.Errorf("exit code %d; want the phase line %q, stamped when the build ended:\n%s", code, want, out)
	}
}
