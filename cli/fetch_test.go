package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"fleetbake/internal/layertree"
	"fleetbake/model"
)

// fetchMirror makes the bare repositories of a scarthgap project and points
// fetch at them; it returns the mirror folder.
func fetchMirror(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	mirror := t.TempDir()
	rel := "scarthgap"
	layertree.BareRepo(t, mirror, "poky", rel, layertree.Spec{Layers: layertree.Rebase("poky", layertree.Poky(rel))})
	layertree.BareRepo(t, mirror, "meta-openembedded", rel, layertree.Spec{Layers: layertree.Rebase("meta-openembedded", layertree.MetaOE(rel))})
	layertree.BareRepo(t, mirror, "meta-aws", rel, layertree.Spec{Layers: layertree.Rebase("meta-aws", []layertree.Layer{layertree.MetaAWS(rel, true)})})
	t.Setenv(model.GitMirrorEnv, mirror)
	return mirror
}

// Lock, then move one checkout, dirty and move another, lose a third:
// `layers` reports each; `layers fetch` brings back the moved and the lost
// one at their pins (the lost one's pin is no longer its branch head), and
// leaves the one with uncommitted changes alone, saying what to do.
func TestLayersFetchRestoresPins(t *testing.T) {
	mirror := fetchMirror(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "fleetbake.toml")
	if code, _, errs := runCLI(t, "--config", cfg, "init", "--release", "scarthgap"); code != 0 {
		t.Fatal(errs)
	}
	if code, out, errs := runCLI(t, "--config", cfg, "layers", "fetch"); code != 0 {
		t.Fatalf("fetch: %s %s", out, errs)
	}
	if code, out, errs := runCLI(t, "--config", cfg, "layers", "lock"); code != 0 {
		t.Fatalf("lock: %s %s", out, errs)
	}
	p, err := model.Load(cfg)
	if err != nil || len(p.Pins) != 3 {
		t.Fatalf("pins %v %v", p.Pins, err)
	}
	src := func(repo string) string { return filepath.Join(dir, "sources", repo) }
	pins := map[string]string{}
	for _, repo := range []string{"poky", "meta-openembedded", "meta-aws"} {
		pins[repo] = p.Pins["sources/"+repo]
		layertree.AddCommit(t, filepath.Join(mirror, repo+".git"), "scarthgap")
	}
	// meta-aws follows its branch (moved); meta-openembedded gets a local
	// commit and an edit (moved, dirty); poky is lost.
	gitIn(t, src("meta-aws"), "fetch", "-q", "--depth", "1", "origin", "scarthgap")
	gitIn(t, src("meta-aws"), "checkout", "-q", "--detach", "FETCH_HEAD")
	oe := src("meta-openembedded")
	if err := os.WriteFile(filepath.Join(oe, "local"), []byte("x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	gitIn(t, oe, "add", "local")
	gitIn(t, oe, "commit", "-q", "-m", "local work")
	if err := os.WriteFile(filepath.Join(oe, "local"), []byte("y\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(src("poky")); err != nil {
		t.Fatal(err)
	}
	_, out, _ := runCLI(t, "--config", cfg, "layers")
	for _, want := range []string{"sources/meta-aws moved: at ", "sources/meta-openembedded moved, dirty: at ", "sources/poky missing (pinned " + pins["poky"][:12]} {
		if !strings.Contains(out, want) {
			t.Errorf("layers lacks %q:\n%s", want, out)
		}
	}

	code, out, errs := runCLI(t, "--config", cfg, "layers", "fetch")
	if code == 0 || !strings.Contains(errs, "has uncommitted changes; nothing was changed there: commit or stash them") {
		t.Fatalf("fetch with a dirty moved checkout: exit %d\n%s\n%s", code, out, errs)
	}
	if got := gitIn(t, src("meta-aws"), "rev-parse", "HEAD"); got != pins["meta-aws"] {
		t.Errorf("meta-aws at %s, want its pin %s\n%s", got, pins["meta-aws"], out)
	}
	if got := gitIn(t, src("poky"), "rev-parse", "HEAD"); got != pins["poky"] {
		t.Errorf("poky at %s, want its pin %s\n%s", got, pins["poky"], out)
	}
	if got := gitIn(t, oe, "show", "HEAD:local"); got != "x" || string(mustRead(t, filepath.Join(oe, "local"))) != "y\n" {
		t.Errorf("the checkout with uncommitted changes was touched: HEAD has %q", got)
	}
	// Once the work is stashed, fetch returns it to its pin too; the
	// branch-less HEAD's commit is still reachable from the reflog.
	gitIn(t, oe, "stash", "-q")
	code, out, errs = runCLI(t, "--config", cfg, "layers", "fetch")
	if code != 0 || !strings.Contains(out, "All layers of the project are on disk.") {
		t.Fatalf("second fetch: exit %d\n%s\n%s", code, out, errs)
	}
	if got := gitIn(t, oe, "rev-parse", "HEAD"); got != pins["meta-openembedded"] {
		t.Errorf("meta-openembedded at %s, want %s", got, pins["meta-openembedded"])
	}
	_, out, _ = runCLI(t, "--config", cfg, "layers")
	if strings.Contains(out, "moved") || strings.Contains(out, "missing") || strings.Count(out, " at ") < 3 {
		t.Errorf("after fetch, every checkout should be at its pin:\n%s", out)
	}
}

// TestFetchHelperProcess is `fleetbake layers fetch` as a process of its
// own, for the interruption test to kill.
func TestFetchHelperProcess(t *testing.T) {
	if os.Getenv("FLEETBAKE_FETCH_HELPER") != "1" {
		t.Skip("run by TestLayersFetchResumesAfterKill")
	}
	os.Exit(Run([]string{"--config", os.Getenv("FLEETBAKE_CONFIG"), "layers", "fetch"}, strings.NewReader(""), os.Stdout, os.Stderr))
}

// A fetch interrupted half-way (Ctrl-C, a hang-up, or kill -9 of fleetbake alone)
// leaves no folder a later run would take as fetched; the next run removes
// what was left and fetches everything.
func TestLayersFetchResumesAfterKill(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGKILL, syscall.SIGINT, syscall.SIGHUP} {
		t.Run(sig.String(), func(t *testing.T) {
			fetchMirror(t)
			dir := t.TempDir()
			cfg := filepath.Join(dir, "fleetbake.toml")
			if code, _, errs := runCLI(t, "--config", cfg, "init", "--release", "scarthgap"); code != 0 {
				t.Fatal(errs)
			}
			slow := layertree.NewSlowServer(t, -1) // holds every clone until released
			cmd := exec.Command(os.Args[0], "-test.run=^TestFetchHelperProcess$")
			cmd.Env = append(os.Environ(), "FLEETBAKE_FETCH_HELPER=1", "FLEETBAKE_CONFIG="+cfg, "GIT_CONFIG_GLOBAL="+slow.Config)
			var out strings.Builder
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(60 * time.Second)
			for slow.Started() < 3 {
				if time.Now().After(deadline) {
					cmd.Process.Kill()
					cmd.Wait()
					t.Fatalf("the three clones never reached the server:\n%s", out.String())
				}
				time.Sleep(50 * time.Millisecond)
			}
			temps, _ := filepath.Glob(filepath.Join(dir, "sources", ".*.clone-*"))
			if len(temps) != 3 {
				t.Fatalf("want 3 clones under way, found %v", temps)
			}
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			err := cmd.Wait()
			ee, _ := err.(*exec.ExitError)
			switch sig {
			case syscall.SIGINT, syscall.SIGHUP: // Ctrl-C, a dropped SSH session
				if ee == nil || ee.ExitCode() != 130 || !strings.Contains(out.String(), "run `fleetbake layers fetch` again to resume") {
					t.Fatalf("after %v: %v\n%s", sig, err, out.String())
				}
				// Both clean up at once.
				if left, _ := filepath.Glob(filepath.Join(dir, "sources", ".*.clone-*")); len(left) != 0 {
					t.Fatalf("%v left %v", sig, left)
				}
			case syscall.SIGKILL:
				if ee == nil || ee.ProcessState.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
					t.Fatalf("not killed: %v", err)
				}
			}
			// No git of the dead run goes on writing into its clones.
			for end := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
				pids := processesNaming(filepath.Join(dir, "sources"))
				if len(pids) == 0 {
					break
				}
				if time.Now().After(end) {
					t.Fatalf("git processes of the interrupted run still running: %v", pids)
				}
			}
			for _, repo := range []string{"poky", "meta-openembedded", "meta-aws"} {
				if _, err := os.Stat(filepath.Join(dir, "sources", repo)); !os.IsNotExist(err) {
					t.Fatalf("%s exists after the interruption: a half clone would be trusted", repo)
				}
			}
			slow.Release()
			t.Setenv("GIT_CONFIG_GLOBAL", "/dev/null")
			code, stdout, errs := runCLI(t, "--config", cfg, "layers", "fetch")
			if code != 0 || !strings.Contains(stdout, "All layers of the project are on disk.") {
				t.Fatalf("fetch after the interruption: exit %d\n%s\n%s", code, stdout, errs)
			}
			if sig == syscall.SIGKILL && strings.Count(stdout, "removed the unfinished clone of an interrupted fetch") != 3 {
				t.Errorf("the leftovers of the killed run were not named:\n%s", stdout)
			}
			if left, _ := filepath.Glob(filepath.Join(dir, "sources", ".*.clone-*")); len(left) != 0 {
				t.Errorf("temporary clones left: %v", left)
			}
			for _, repo := range []string{"poky", "meta-openembedded", "meta-aws"} {
				gitIn(t, filepath.Join(dir, "sources", repo), "fsck", "--no-progress")
			}
		})
	}
}

// processesNaming lists the processes whose command line names path.
func processesNaming(path string) []string {
	var out []string
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && strings.Contains(string(cmdline), path) {
			out = append(out, e.Name()+" "+strings.ReplaceAll(string(cmdline), "\x00", " "))
		}
	}
	return out
}

// The fetch printer: plain lines with a repository's progress at most
// every 10 s when the output is no terminal; on a terminal one line per
// repository, redrawn in place, notes kept above.
func TestFetchPrinter(t *testing.T) {
	evs := []model.FetchEvent{
		{Repo: "poky", Stage: model.FetchStarted, Text: "cloning x (branch scarthgap) into y"},
		{Repo: "meta-aws", Stage: model.FetchStarted, Text: "cloning z (branch scarthgap) into w"},
		{Repo: "poky", Stage: model.FetchProgress, Phase: "Receiving objects", Percent: 10, Objects: 10, Total: 100, Bytes: 3 << 20},
		{Repo: "poky", Stage: model.FetchProgress, Phase: "Receiving objects", Percent: 20, Objects: 20, Total: 100, Bytes: 6 << 20},
		{Repo: "meta-aws", Stage: model.FetchNote, Text: "removed the unfinished clone of an interrupted fetch"},
		{Repo: "poky", Stage: model.FetchDone, Text: "fetched at branch scarthgap"},
		{Repo: "meta-aws", Stage: model.FetchDone, Text: "fetched at branch scarthgap"},
	}
	var plain strings.Builder
	pr := newFetchPrinter(&plain, false)
	for _, e := range evs {
		pr.event(e)
	}
	pr.finish()
	want := strings.Join([]string{
		"poky: cloning x (branch scarthgap) into y",
		"meta-aws: cloning z (branch scarthgap) into w",
		"poky: receiving objects 10% (10/100), 3.00 MiB",
		"meta-aws: removed the unfinished clone of an interrupted fetch",
		"poky: fetched at branch scarthgap",
		"meta-aws: fetched at branch scarthgap",
	}, "\n") + "\n"
	if plain.String() != want {
		t.Errorf("plain output:\n%s\nwant:\n%s", plain.String(), want)
	}

	var tty strings.Builder
	pr = newFetchPrinter(&tty, true)
	for _, e := range evs {
		pr.event(e)
	}
	pr.finish()
	out := tty.String()
	// The last screen: the note above, then one line per repository.
	last := out[strings.LastIndex(out, "\x1b[J")+len("\x1b[J"):]
	if last != "poky: fetched at branch scarthgap\nmeta-aws: fetched at branch scarthgap\n" {
		t.Errorf("last frame %q", last)
	}
	if !strings.Contains(out, "\x1b[2A\x1b[Jmeta-aws: removed the unfinished clone of an interrupted fetch\npoky: ") {
		t.Errorf("the note is not kept above the block:\n%q", out)
	}
	if strings.Count(out, "receiving objects 20%") > 1 {
		t.Errorf("progress redrawn faster than ten times a second:\n%q", out)
	}
}
