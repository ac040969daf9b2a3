package generator

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestGenerateKilledAtRandomWithEditsNeverLosesALine runs generate in a
// child process that writes local.conf in a loop, kills it (SIGKILL) at a
// random moment, many times, while an editor saves lines into local.conf
// at random moments (by rename, as most editors do, and by appending in
// place). After every kill the next run is started, as the engineer would;
// then: local.conf is whole (fleetbake's block is complete), and every
// line the editor saved is in local.conf, or in a file that the killed
// run or the next run named (the backup, or the version kept aside). At
// the end no temporary file is left.
//
// It once lost a line in a few runs of 200 kills: the run was killed just
// after the exchange, with an edit saved after its last check in the old
// file, then at the temporary name, which the next run removed (see
// interrupted.go and TestEditBeforeAKilledExchangeIsKeptAndReported).
// The default run is 40 kills (4 to 6 s on a loaded machine);
// FLEETBAKE_STRESS=1 runs 300 (about a minute).
func TestGenerateKilledAtRandomWithEditsNeverLosesALine(t *testing.T) {
	if dir := os.Getenv("FLEETBAKE_TEST_GENERATE_LOOP"); dir != "" {
		generateLoop(dir)
		return
	}
	kills, limit := 40, 20*time.Second
	if os.Getenv("FLEETBAKE_STRESS") != "" {
		kills, limit = 300, 120*time.Second
	} else if testing.Short() {
		kills = 15
	}
	deadline := time.Now().Add(limit) // bounded in time on a loaded machine
	dir := t.TempDir()
	f := newFixtureIn(t, dir)
	f.writeClaimFiles(t)
	f.generate(t)
	lc := f.path("build/conf/local.conf")
	r := rand.New(rand.NewPCG(7, 9))
	var all []string
	orphans := map[string]bool{}
	orphaned := 0
	lost, inBackup, keptAside, truncated, done, refused, lateBackups := 0, 0, 0, 0, 0, 0, 0
	for i := 0; i < kills && time.Now().Before(deadline); i++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestGenerateKilledAtRandomWithEditsNeverLosesALine$")
		cmd.Env = append(os.Environ(), "FLEETBAKE_TEST_GENERATE_LOOP="+dir)
		out, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		var msgs []string
		var rd sync.WaitGroup
		rd.Go(func() {
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				msgs = append(msgs, sc.Text())
			}
		})
		var lines []string
		stop := time.Now().Add(time.Duration(5+r.IntN(40)) * time.Millisecond)
		for n := 0; time.Now().Before(stop); n++ {
			time.Sleep(time.Duration(r.IntN(4000)) * time.Microsecond)
			line := fmt.Sprintf("USER_%d_%d = \"edit\"", i, n)
			if r.IntN(2) == 0 {
				if err := editorSave(lc, line, true); err != nil {
					t.Fatal(err)
				}
			} else {
				removed, err := appendTo(lc, line)
				if err != nil {
					t.Fatal(err)
				}
				if removed {
					orphans[line] = true
				}
			}
			lines = append(lines, line)
		}
		cmd.Process.Signal(syscall.SIGKILL)
		rd.Wait()
		cmd.Wait()
		done++
		// The next run: it settles what the killed one left, or says why not.
		f.p.Machine = fmt.Sprintf("next%d", i)
		next := nextRun(t, f)
		msgs = append(msgs, next...)
		now, err := os.ReadFile(lc)
		if err != nil {
			t.Fatal(err)
		}
		if rg, err := findBlock("local.conf", now); err != nil || !rg.found {
			truncated++
			t.Errorf("kill %d: local.conf is not whole (%v):\n%s", i, err, now)
		}
		joined := strings.Join(msgs, "\n")
		refused += strings.Count(joined, "changed on disk") + strings.Count(joined, "saved by someone else")
		// The files the messages name, and what is in them.
		named := map[string]string{}
		if strings.Contains(joined, BackupSuffix) {
			data, _ := os.ReadFile(lc + BackupSuffix)
			named[lc+BackupSuffix] = string(data)
		}
		aside, _ := filepath.Glob(lc + ".fleetbake-conflict*")
		for _, a := range aside {
			if !strings.Contains(joined, filepath.Base(a)) {
				t.Errorf("kill %d: %s was kept, but no message names it: %q", i, a, msgs)
			}
			data, _ := os.ReadFile(a)
			named[a] = string(data)
		}
		all = append(all, lines...)
		kept := all[:0]
	lines:
		for _, l := range all {
			if strings.Contains(string(now), l) {
				kept = append(kept, l)
				continue
			}
			for path, data := range named {
				if strings.Contains(data, l) {
					// The engineer copies it back, as the message says; the
					// test does too, to keep checking it.
					if strings.HasSuffix(path, BackupSuffix) {
						inBackup++
					} else {
						keptAside++
					}
					if err := editorSave(lc, l, false); err != nil {
						t.Fatal(err)
					}
					kept = append(kept, l)
					continue lines
				}
			}
			if orphans[l] {
				// The editor's write landed in a file that had no name any
				// more: it opened local.conf, was descheduled while a run
				// made that file the backup and the next run replaced the
				// backup, and wrote after. No program can find such a
				// write; fleetbake reports one into the backup it made
				// only until it replaces that backup. Rare (the editor
				// holds the file for microseconds), so more than one is a
				// fault: backups removed too early would show as many.
				orphaned++
				t.Logf("kill %d: line %q was written into a file already removed", i, l)
				continue
			}
			lost++
			t.Errorf("kill %d: line %q lost; the runs said %q; %s", i, l, msgs, whereIs(filepath.Dir(lc), l))
		}
		all = kept
		// As the messages ask, once the lines are copied back.
		for _, a := range aside {
			os.Remove(a)
		}
		if strings.Contains(joined, "was written after fleetbake made it") || strings.Contains(joined, "then remove") {
			lateBackups++
			os.Remove(lc + BackupSuffix)
		}
	}
	if msgs := nextRun(t, f); len(msgs) > 0 {
		t.Errorf("the last run: %q", msgs)
	}
	tmps, _ := filepath.Glob(filepath.Join(dir, "build/conf/.*.tmp-*"))
	t.Logf("%d kills, %d lines kept: %d truncated files, %d lines lost, %d found in the backup and %d in a file kept aside, each with a message; %d runs refused an edited file; %d backups removed after copying; %d temporary files after the next run; %d lines written into a removed file", done, len(all), truncated, lost, inBackup, keptAside, refused, lateBackups, len(tmps), orphaned)
	if len(tmps) > 0 {
		t.Errorf("temporary files left after the next run: %v", tmps)
	}
	if orphaned > 1 {
		t.Errorf("%d lines were written into files already removed: a backup is removed too early", orphaned)
	}
	if done < kills/2 {
		t.Errorf("only %d kills before the time limit: the test tests too little", done)
	}
}

// nextRun runs generate once, with nobody editing, and returns what it
// said (nothing when it wrote).
func nextRun(t *testing.T, f *fixture) []string {
	t.Helper()
	c, err := Plan(f.p, f.res)
	if err != nil {
		t.Fatal(err)
	}
	if err := Apply(c); err != nil {
		return strings.Split(err.Error(), "\n")
	}
	return nil
}

// whereIs lists the files of dir and says which of them hold line.
func whereIs(dir, line string) string {
	ents, _ := os.ReadDir(dir)
	var b strings.Builder
	for _, e := range ents {
		data, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		fmt.Fprintf(&b, "\n  %s (%d bytes)", e.Name(), len(data))
		if strings.Contains(string(data), line) {
			b.WriteString(" HOLDS THE LINE")
		}
	}
	return "files in conf/:" + b.String()
}

// appendTo appends line to path as `>>` does, and says whether the file
// it wrote into had been removed by the time it wrote (no link left).
func appendTo(path, line string) (removed bool, err error) {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return false, err
	}
	defer f.Close()
	if _, err := f.WriteString(line + "\n"); err != nil {
		return false, err
	}
	var st syscall.Stat_t
	if err := syscall.Fstat(int(f.Fd()), &st); err != nil {
		return false, err
	}
	return st.Nlink == 0, nil
}

// editorSave adds line to path as an editor saves: the whole file
// written to a new file and renamed over, or appended in place.
func editorSave(path, line string, rename bool) error {
	if !rename {
		f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = f.WriteString(line + "\n")
		return err
	}
	cur, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	tmp := path + ".swp"
	if err := os.WriteFile(tmp, append(cur, []byte(line+"\n")...), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// generateLoop is the child: generate with a new machine, again and again,
// printing each error.
func generateLoop(dir string) {
	t := &testing.T{}
	f := newFixtureIn(t, dir)
	for i := 0; ; i++ {
		f.p.Machine = fmt.Sprintf("machine%d", i%7)
		c, err := Plan(f.p, f.res)
		if err == nil {
			err = Apply(c)
		}
		if err != nil {
			fmt.Println("ERR", err)
		}
	}
}
