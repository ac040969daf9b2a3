package model

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"fleetbake/internal/layertree"
)

// within fails the test if f does not return in time: a FIFO read that
// blocks would otherwise hang the test run.
func within(t *testing.T, d time.Duration, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { f(); close(done) }()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("still reading after %v: a FIFO or device blocks fleetbake", d)
	}
}

func TestLoadRefusesFIFODeviceAndHugeFile(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.toml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	huge := filepath.Join(dir, "huge.toml")
	f, err := os.Create(huge)
	if err != nil {
		t.Fatal(err)
	}
	// Sparse: no disk used, but Load would hold all of it in memory.
	if err := f.Truncate(MaxProjectFileSize + 1); err != nil {
		t.Fatal(err)
	}
	f.Close()
	for _, tc := range []struct{ path, want string }{
		{fifo, "is a FIFO (named pipe), not a regular file"},
		{"/dev/zero", "is a character device, not a regular file"},
		{dir, "is a folder, not a regular file"},
		{huge, "more than the 1048576 fleetbake reads"},
	} {
		var err error
		within(t, 5*time.Second, func() { _, err = Load(tc.path) })
		var fe *FileReadError
		if !errors.As(err, &fe) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), tc.path) {
			t.Errorf("Load(%s) = %v, want a FileReadError saying %q", tc.path, err, tc.want)
		}
	}
	// A missing file still says how to make one.
	if _, err := Load(filepath.Join(dir, "none.toml")); err == nil || !strings.Contains(err.Error(), "no project file") {
		t.Errorf("missing file: %v", err)
	}
}

// A layer.conf (or machine conf) that is a FIFO or /dev/zero is reported as
// a problem of that layer; discovery neither hangs nor fills memory.
func TestDiscoverSurvivesFIFOAndDeviceLayerConf(t *testing.T) {
	root := t.TempDir()
	layertree.Write(t, root, layertree.Standard("scarthgap", true))
	fifoConf := filepath.Join(root, "meta-fifo", "conf", "layer.conf")
	if err := os.MkdirAll(filepath.Dir(fifoConf), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(fifoConf, 0o600); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	zeroConf := filepath.Join(root, "meta-zero", "conf", "layer.conf")
	if err := os.MkdirAll(filepath.Dir(zeroConf), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/dev/zero", zeroConf); err != nil {
		t.Fatal(err)
	}
	var w *Workspace
	var err error
	within(t, 20*time.Second, func() { w, err = Discover(root) })
	if err != nil {
		t.Fatal(err)
	}
	if w.Layer("meta-aws") == nil {
		t.Fatal("the good layers must still be found")
	}
	msgs := ""
	for _, p := range w.Problems {
		msgs += p.Error() + "\n"
	}
	for _, want := range []string{fifoConf + ": is a FIFO", zeroConf + ": is a character device"} {
		if !strings.Contains(msgs, want) {
			t.Errorf("problems do not mention %q:\n%s", want, msgs)
		}
	}
}

func TestPrintableEscapesTerminalSequences(t *testing.T) {
	for in, want := range map[string]string{
		"meta-aws":                "meta-aws",
		"Raspberry Pi 4 — 64 bit": "Raspberry Pi 4 — 64 bit",
		"a\x1b]0;pwned\x07b":      `a\x1b]0;pwned\x07b`,
		"x\x1b[2J\x1b[31mred":     `x\x1b[2J\x1b[31mred`,
		"c1\u009b2Jcsi":           `c1\u009b2Jcsi`,
		"line\nbreak\rcr":         `line\x0abreak\x0dcr`,
		"bad\xffutf8":             `bad\xffutf8`,
		"rtl\u202eevil\u2066":     `rtl\u202eevil\u2066`,
		"del\x7f":                 `del\x7f`,
	} {
		if got := Printable(in); got != want {
			t.Errorf("Printable(%q) = %q, want %q", in, got, want)
		}
	}
	if got := PrintableLines("a\tb\x1b[1m\nc"); got != "a\tb\\x1b[1m\nc" {
		t.Errorf("PrintableLines keeps tabs and newlines only: %q", got)
	}
}

// SaveUpdate reads the project file again before it saves: a project file
// replaced by a FIFO since Load is refused at once, and left as it is.
func TestSaveUpdateRefusesFIFOProjectFile(t *testing.T) {
	p, path := savedProject(t)
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	var err error
	within(t, 5*time.Second, func() { _, err = p.SaveUpdate(func(q *Project) { q.Machine = "qemuarm64" }) })
	var fe *FileReadError
	if !errors.As(err, &fe) || !strings.Contains(err.Error(), "is a FIFO") {
		t.Errorf("SaveUpdate = %v, want a FileReadError saying it is a FIFO", err)
	}
	if fi, err := os.Lstat(path); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("the FIFO was replaced: %v %v", fi, err)
	}
}
