package generator

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestEditBeforeAKilledExchangeIsKeptAndReported is the loss the 200-kill
// stress test found once in a few runs (issue 9, item 5): an edit saved
// after Apply's last check, then the run killed just after the exchange.
// The engineer's file, with the edit, was at the temporary name, and the
// next run removed it as a stale temporary file (after SIGKILL), or the
// signal handler removed it at once (after SIGTERM or Ctrl-C). Now the
// next run keeps it and says where. And an edit written into the old file
// once it is the backup, the run killed before it looked, is reported by
// the next run, not overwritten.
func TestEditBeforeAKilledExchangeIsKeptAndReported(t *testing.T) {
	if dir := os.Getenv("FLEETBAKE_TEST_INTERRUPT_CHILD"); dir != "" {
		interruptChild(dir, os.Getenv("FLEETBAKE_TEST_INTERRUPT_CASE"))
		return
	}
	cases := []struct {
		name string
		late bool // the next run reports the backup (LateEditInBackupError), not a kept file
	}{
		{"rename-KILL", false},
		{"append-KILL", false},
		{"rename-TERM", false},
		{"append-INT", false},
		{"placed-KILL", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			f := newFixtureIn(t, dir)
			f.writeClaimFiles(t)
			f.generate(t)
			cmd := exec.Command(os.Args[0], "-test.run=^TestEditBeforeAKilledExchangeIsKeptAndReported$")
			cmd.Env = append(os.Environ(), "FLEETBAKE_TEST_INTERRUPT_CHILD="+dir, "FLEETBAKE_TEST_INTERRUPT_CASE="+tc.name)
			out, err := cmd.CombinedOutput()
			ws, _ := cmd.ProcessState.Sys().(syscall.WaitStatus)
			if !ws.Signaled() {
				t.Fatalf("the child was not killed in the window (%v): %s", err, out)
			}
			line := "EDIT_" + strings.ReplaceAll(tc.name, "-", "_") + ` = "mine"`
			lc := f.path("build/conf/local.conf")
			if strings.Contains(f.read(t, "build/conf/local.conf"), line) {
				t.Fatalf("the edit is in local.conf already: the child did not reach the window")
			}
			// The next run, as the engineer would start it.
			f.p.Machine = "qemux86-64"
			c, err := Plan(f.p, f.res)
			if err != nil {
				t.Fatal(err)
			}
			err = Apply(c)
			if err == nil {
				t.Fatalf("the next run said nothing; local.conf has the edit: %v; files: %s", strings.Contains(f.read(t, "build/conf/local.conf"), line), whereIs(filepath.Dir(lc), line))
			}
			var named string
			var ie *InterruptedEditError
			var le *LateEditInBackupError
			switch {
			case !tc.late && errors.As(err, &ie):
				named = ie.Kept
			case tc.late && errors.As(err, &le):
				named = lc + BackupSuffix
			default:
				t.Fatalf("next run: %v (late edit in the backup expected: %v)", err, tc.late)
			}
			if data, rerr := os.ReadFile(named); rerr != nil || !strings.Contains(string(data), line) {
				t.Fatalf("the next run named %s, which does not hold the edit (%v); it said: %v", named, rerr, err)
			}
			if !strings.Contains(err.Error(), filepath.Base(named)) {
				t.Errorf("the message does not say where the edit is (%s): %v", named, err)
			}
			// As the message asks: copy the change, remove the file, run again.
			if err := editorSave(lc, line, false); err != nil {
				t.Fatal(err)
			}
			os.Remove(named)
			c, err = Plan(f.p, f.res)
			if err != nil {
				t.Fatal(err)
			}
			if err := Apply(c); err != nil {
				t.Fatalf("the run after the fix: %v", err)
			}
			if !strings.Contains(f.read(t, "build/conf/local.conf"), line) {
				t.Error("the edit copied back is not in local.conf")
			}
			if tmps, _ := filepath.Glob(filepath.Join(dir, "build/conf/.*.tmp-*")); len(tmps) > 0 {
				t.Errorf("temporary files left: %v", tmps)
			}
		})
	}
}

// interruptChild applies a new machine, saves an edit into local.conf in
// the window the case names, and kills itself with the case's signal.
func interruptChild(dir, name string) {
	t := &testing.T{}
	f := newFixtureIn(t, dir)
	f.p.Machine = "qemuarm64"
	c, err := Plan(f.p, f.res)
	if err != nil {
		fmt.Println(err)
		os.Exit(2)
	}
	style, sigName, _ := strings.Cut(name, "-")
	sig := map[string]syscall.Signal{"KILL": syscall.SIGKILL, "TERM": syscall.SIGTERM, "INT": syscall.SIGINT}[sigName]
	line := "EDIT_" + strings.ReplaceAll(name, "-", "_") + ` = "mine"`
	killAt := "after"
	var later func() error
	testHook = func(at, path string) {
		if !strings.HasSuffix(path, "local.conf") {
			return
		}
		switch {
		case at == "before" && style == "placed":
			// An editor that has the file open, and writes once it is the backup.
			fh, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				os.Exit(2)
			}
			later = func() error { _, err := fh.WriteString(line + "\n"); return err }
			killAt = "placed"
		case at == "before":
			if err := editorSave(path, line, style == "rename"); err != nil {
				os.Exit(2)
			}
		case at == "placed" && later != nil:
			if err := later(); err != nil {
				os.Exit(2)
			}
		}
		if at == killAt {
			syscall.Kill(os.Getpid(), sig)
			time.Sleep(10 * time.Second)
		}
	}
	Apply(c)
	os.Exit(3) // not killed in the window
}
