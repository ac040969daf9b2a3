package generator

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"fleetbake/model"
)

// TestStaleTempFilesOfAKilledRunAreRemoved: temporary files of fleetbake's
// naming, older than the run, go; anything else stays.
func TestStaleTempFilesOfAKilledRunAreRemoved(t *testing.T) {
	f := newFixture(t, model.GenerationNew)
	f.writeClaimFiles(t)
	f.generate(t)
	old := time.Now().Add(-time.Hour)
	stale := []string{"build/conf/.local.conf.tmp-123456", "build/conf/.local.conf.fleetbake-bak.tmp-77", "build/conf/.bblayers.conf.tmp-9"}
	keep := []string{"build/conf/.local.conf.tmp-mine", "build/conf/local.conf.tmp-1", "build/conf/.other.tmp-5"}
	for _, rel := range append(append([]string{}, stale...), keep...) {
		f.write(t, rel, strings.Repeat("x", 4096))
		if err := os.Chtimes(f.path(rel), old, old); err != nil {
			t.Fatal(err)
		}
	}
	f.p.Machine = "qemuarm64"
	f.generate(t)
	for _, rel := range stale {
		if _, err := os.Stat(f.path(rel)); err == nil {
			t.Errorf("%s left behind", rel)
		}
	}
	for _, rel := range keep {
		if _, err := os.Stat(f.path(rel)); err != nil {
			t.Errorf("%s removed, but it is not fleetbake's: %v", rel, err)
		}
	}
}

// TestKilledGenerateLeavesNoTempFiles runs Apply in a child process, stops
// it between writing its temporary files and renaming them, and sends it
// SIGTERM (SIGINT, SIGHUP): it removes them and dies of the signal.
func TestKilledGenerateLeavesNoTempFiles(t *testing.T) {
	if dir := os.Getenv("FLEETBAKE_TEST_APPLY_CHILD"); dir != "" {
		applyChild(dir)
		return
	}
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP} {
		t.Run(sig.String(), func(t *testing.T) {
			dir := t.TempDir()
			cmd := exec.Command(os.Args[0], "-test.run=^TestKilledGenerateLeavesNoTempFiles$")
			cmd.Env = append(os.Environ(), "FLEETBAKE_TEST_APPLY_CHILD="+dir)
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			sc := bufio.NewScanner(out)
			for sc.Scan() && sc.Text() != "in the window" {
			}
			tmps, _ := filepath.Glob(filepath.Join(dir, "build/conf/.*.tmp-*"))
			if len(tmps) == 0 {
				t.Fatal("the child has no temporary file in the window; the test tests nothing")
			}
			cmd.Process.Signal(sig)
			err = cmd.Wait()
			ws, _ := cmd.ProcessState.Sys().(syscall.WaitStatus)
			if err == nil || !ws.Signaled() || ws.Signal() != sig {
				t.Errorf("child did not die of %v: %v", sig, err)
			}
			if tmps, _ := filepath.Glob(filepath.Join(dir, "build/conf/.*.tmp-*")); len(tmps) > 0 {
				t.Errorf("temporary files left after %v: %v", sig, tmps)
			}
		})
	}
}

// applyChild generates into dir, then applies a change and waits in the
// window until it is killed.
func applyChild(dir string) {
	t := &testing.T{}
	f := newFixtureIn(t, dir)
	f.writeClaimFiles(t)
	c, _ := Plan(f.p, f.res)
	Apply(c)
	f.p.Machine = "qemuarm64"
	c, _ = Plan(f.p, f.res)
	testHook = func(at, path string) {
		if at == "before" {
			os.Stdout.WriteString("in the window\n")
			time.Sleep(time.Minute)
		}
	}
	Apply(c)
	os.Exit(3)
}

// TestSymlinkedConfIsWrittenThroughTheLink: a local.conf that is a
// symlink (kept in a dotfiles folder) stays a symlink; the file it names
// gets the new block, and the backup is next to that file.
func TestSymlinkedConfIsWrittenThroughTheLink(t *testing.T) {
	f := newFixture(t, model.GenerationNew)
	f.writeClaimFiles(t)
	f.generate(t)
	own := f.read(t, "build/conf/local.conf") + "# mine\n"
	f.write(t, "dotfiles/local.conf", own)
	link := f.path("build/conf/local.conf")
	os.Remove(link)
	if err := os.Symlink("../../dotfiles/local.conf", link); err != nil {
		t.Fatal(err)
	}
	f.p.Machine = "qemuarm64"
	f.generate(t)
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("local.conf is no longer a symlink (%v)", err)
	}
	got := f.read(t, "dotfiles/local.conf")
	if v, _ := valueOf(t, got, "MACHINE"); v != "qemuarm64" || !strings.HasSuffix(got, "# mine\n") {
		t.Errorf("the linked file was not updated in place:\n%s", got)
	}
	if f.read(t, "dotfiles/local.conf"+BackupSuffix) != own {
		t.Error("the backup next to the real file is not the previous content")
	}
}
