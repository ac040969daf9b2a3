package generator

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"fleetbake/model"
)

// editStyle is how an editor saves local.conf.
type editStyle int

const (
	saveByRename   editStyle = iota // write a new file, rename it over (most editors)
	saveInPlace                     // truncate and rewrite the same file
	appendLine                      // >> from a shell
	writeOpenAfter                  // a file opened before the replace, written after it
	numStyles
)

// edit saves text+marker into path in style s; for writeOpenAfter it
// returns a function that does the write later.
func edit(t *testing.T, path, marker string, s editStyle) func() {
	t.Helper()
	cur, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	next := append(cur, []byte(marker+"\n")...)
	switch s {
	case saveByRename:
		tmp := path + ".editor-swp"
		if err := os.WriteFile(tmp, next, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, path); err != nil {
			t.Fatal(err)
		}
	case saveInPlace:
		if err := os.WriteFile(path, next, 0o644); err != nil {
			t.Fatal(err)
		}
	case appendLine:
		f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		f.WriteString(marker + "\n")
		f.Close()
	case writeOpenAfter:
		f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		return func() { f.WriteString(marker + "\n"); f.Close() }
	}
	return nil
}

// TestEditsTimedIntoTheWriteWindowAreNeverLost saves local.conf at every
// point of Apply's replace (after the last check, right after the
// exchange, and once the old file is the backup), in every way an editor saves, on a small and a 2 MB file, and
// counts edits that end up neither in the file nor where an error says.
func TestEditsTimedIntoTheWriteWindowAreNeverLost(t *testing.T) {
	for _, size := range []int{0, 2 << 20} {
		t.Run(fmt.Sprintf("pad=%d", size), func(t *testing.T) {
			f := newFixture(t, model.GenerationNew)
			f.writeClaimFiles(t)
			f.generate(t)
			lc := f.path("build/conf/local.conf")
			if size > 0 {
				pad := "# " + strings.Repeat("x", 77) + "\n"
				f.write(t, "build/conf/local.conf", f.read(t, "build/conf/local.conf")+strings.Repeat(pad, size/len(pad)))
			}
			lost, reported, kept := 0, 0, 0
			runs := 0
			n := 60
			if size > 0 {
				n = 20
			}
			for i := 0; i < n; i++ {
				for _, point := range []string{"before", "after", "placed"} {
					style := editStyle(i % int(numStyles))
					if point != "before" && style != writeOpenAfter {
						continue // after the exchange only an open file can still be written
					}
					runs++
					marker := fmt.Sprintf("MARK_%d_%s = \"%d\"", i, point, style)
					f.p.Machine = fmt.Sprintf("m%d%s", i, point)
					c, err := Plan(f.p, f.res)
					if err != nil {
						t.Fatal(err)
					}
					var later func()
					testHook = func(at, path string) {
						if path != lc {
							return
						}
						if style == writeOpenAfter {
							if at == "before" {
								later = edit(t, path, marker, style)
								if point == "before" {
									later()
								}
							} else if at == point {
								later()
							}
							return
						}
						if at == point {
							edit(t, path, marker, style)
						}
					}
					err = Apply(c)
					testHook = nil
					inFile := strings.Contains(f.read(t, "build/conf/local.conf"), marker)
					switch {
					case inFile:
						kept++
						if err == nil {
							t.Errorf("run %d (%s, style %d): the edit is in the file, but fleetbake also wrote it and said nothing", i, point, style)
						}
					case err != nil && strings.Contains(err.Error(), BackupSuffix) && strings.Contains(f.read(t, "build/conf/local.conf"+BackupSuffix), marker):
						reported++
						// As the message asks: copy the edit back, remove the
						// backup (until then the next run leaves it alone).
						if err := editorSave(lc, marker, false); err != nil {
							t.Fatal(err)
						}
						os.Remove(lc + BackupSuffix)
					default:
						lost++
						t.Logf("run %d (%s, style %d): edit lost; err = %v", i, point, style, err)
					}
					var ce *model.ChangedOnDiskError
					var be *EditInBackupError
					if err != nil && !errors.As(err, &ce) && !errors.As(err, &be) {
						t.Errorf("run %d: unexpected error %v", i, err)
					}
				}
			}
			t.Logf("%d edits timed into the window: %d kept in the file, %d in the backup and reported, %d lost", runs, kept, reported, lost)
			if lost > 0 {
				t.Errorf("%d of %d edits lost", lost, runs)
			}
			if tmps, _ := filepath.Glob(filepath.Join(f.dir, "build/conf/.*.tmp-*")); len(tmps) > 0 {
				t.Errorf("temporary files left: %v", tmps)
			}
		})
	}
}

// TestConcurrentGenerateOnlyOneWrites: two runs planned from the same
// files; while the first is writing, the second starts. It waits for the
// lock, finds the files changed, and writes nothing; both do not succeed.
func TestConcurrentGenerateOnlyOneWrites(t *testing.T) {
	f := newFixture(t, model.GenerationNew)
	f.writeClaimFiles(t)
	f.generate(t)
	f.p.Machine = "first"
	c1, err := Plan(f.p, f.res)
	if err != nil {
		t.Fatal(err)
	}
	f.p.Machine = "second"
	c2, err := Plan(f.p, f.res)
	if err != nil {
		t.Fatal(err)
	}
	var err2 error
	var wg sync.WaitGroup
	started := false
	testHook = func(at, path string) {
		if at != "before" || started {
			return
		}
		started = true
		// The first run is between its last check and its rename: start the
		// second now, and give it time to pass its own checks if it could.
		wg.Go(func() { err2 = Apply(c2) })
		time.Sleep(300 * time.Millisecond)
	}
	defer func() { testHook = nil }()
	err1 := Apply(c1)
	wg.Wait()
	if err1 != nil {
		t.Fatalf("first run: %v", err1)
	}
	var ce *model.ChangedOnDiskError
	if !errors.As(err2, &ce) {
		t.Fatalf("second run: err = %v, want ChangedOnDiskError (it must not report success)", err2)
	}
	if v, _ := valueOf(t, f.read(t, "build/conf/local.conf"), "MACHINE"); v != "first" {
		t.Errorf("MACHINE = %q, want the first run's", v)
	}
}

// TestLateWriteIntoTheBackupIsReportedByTheNextRun: an editor that had
// the old local.conf open saves into it after fleetbake's run ended (it is
// the backup now). The next run says so and writes nothing, rather than
// replacing the backup and losing the edit.
func TestLateWriteIntoTheBackupIsReportedByTheNextRun(t *testing.T) {
	f := newFixture(t, model.GenerationNew)
	f.writeClaimFiles(t)
	f.generate(t)
	f.p.Machine = "qemuarm64"
	f.generate(t) // local.conf.fleetbake-bak is the first file now
	bak := f.path("build/conf/local.conf" + BackupSuffix)
	if model.Sum(bak) == "" {
		t.Skip("no user extended attributes on this file system")
	}
	fd, err := os.OpenFile(bak, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fd.WriteString("LATE = \"1\"\n")
	fd.Close()
	before := snapshot(t, f.dir)
	f.p.Machine = "qemuarm"
	c, err := Plan(f.p, f.res)
	if err != nil {
		t.Fatal(err)
	}
	err = Apply(c)
	var le *LateEditInBackupError
	if !errors.As(err, &le) || !strings.Contains(err.Error(), "build/conf/local.conf"+BackupSuffix) {
		t.Fatalf("err = %v, want LateEditInBackupError naming the backup", err)
	}
	if d := diffSnapshots(before, snapshot(t, f.dir)); d != "" {
		t.Errorf("files changed:\n%s", d)
	}
	// Once the engineer has taken their line and removed the backup, it works.
	os.Remove(bak)
	f.generate(t)
}
