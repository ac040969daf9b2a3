package model

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"fleetbake/internal/layertree"
)

func TestParseGitProgress(t *testing.T) {
	// Lines as git 2.39 writes them with --progress (progress.c).
	for _, c := range []struct {
		line string
		ok   bool
		want gitProgress
	}{
		{"remote: Counting objects:  33% (1/3)        ", true, gitProgress{phase: "Counting objects", percent: 33, objects: 1, total: 3, bytes: -1}},
		{"Receiving objects:  45% (450/1000), 1.20 MiB | 2.40 MiB/s", true, gitProgress{phase: "Receiving objects", percent: 45, objects: 450, total: 1000, bytes: 1258291}},
		{"Receiving objects: 100% (1000/1000), 512.00 KiB | 1.00 MiB/s, done.", true, gitProgress{phase: "Receiving objects", percent: 100, objects: 1000, total: 1000, bytes: 524288}},
		{"Receiving objects: 100% (5/5), 980 bytes, done.", true, gitProgress{phase: "Receiving objects", percent: 100, objects: 5, total: 5, bytes: 980}},
		{"Resolving deltas: 100% (3/3), done.", true, gitProgress{phase: "Resolving deltas", percent: 100, objects: 3, total: 3, bytes: -1}},
		{"Cloning into '/tmp/x'...", false, gitProgress{}},
		{"fatal: repository 'file:///nope' does not exist", false, gitProgress{}},
	} {
		got, ok := parseGitProgress(c.line)
		if ok != c.ok || got != c.want {
			t.Errorf("%q: got %+v %v, want %+v %v", c.line, got, ok, c.want, c.ok)
		}
	}
}

// events collects fetch events from any goroutine.
type events struct {
	mu  sync.Mutex
	all []FetchEvent
}

func (e *events) add(ev FetchEvent) { e.mu.Lock(); e.all = append(e.all, ev); e.mu.Unlock() }

func (e *events) of(repo string, stage FetchStage) []FetchEvent {
	var out []FetchEvent
	for _, ev := range e.all {
		if ev.Repo == repo && ev.Stage == stage {
			out = append(out, ev)
		}
	}
	return out
}

func headOf(t *testing.T, dir string) string {
	t.Helper()
	return revOf(t, dir, "HEAD")
}

func revOf(t *testing.T, dir, rev string) string {
	t.Helper()
	out, err := exec.Command("git", "-C", dir, "rev-parse", "--verify", rev).Output()
	if err != nil {
		t.Fatalf("%s: %v", dir, err)
	}
	return strings.TrimSpace(string(out))
}

func resolveIn(t *testing.T, p *Project) *Resolution {
	t.Helper()
	w, err := Discover(p.SourceRoots()...)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Resolve(p, w)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// A pin that is no longer the branch head is fetched exactly, shallow; the
// others follow their branch; git's progress arrives as events, in order.
func TestFetchPinnedCommitShallowWithProgress(t *testing.T) {
	mirror := mirrorFor(t, "scarthgap")
	t.Setenv(GitMirrorEnv, mirror)
	pin := revOf(t, filepath.Join(mirror, "meta-aws.git"), "scarthgap")
	head := layertree.AddCommit(t, filepath.Join(mirror, "meta-aws.git"), "scarthgap")
	dir := t.TempDir()
	p := projectIn(t, dir)
	p.Release = "scarthgap"
	p.Pins = Pins{"sources/meta-aws": pin}
	var ev events
	sum, err := Fetch(context.Background(), p, resolveIn(t, p), FetchOptions{Events: ev.add})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Cloned != 3 {
		t.Fatalf("summary %+v", sum)
	}
	aws := filepath.Join(dir, "sources", "meta-aws")
	if got := headOf(t, aws); got != pin || got == head {
		t.Fatalf("meta-aws at %s, want the pin %s (branch head %s)", got, pin, head)
	}
	shallow, err := os.ReadFile(filepath.Join(aws, ".git", "shallow"))
	if err != nil || strings.TrimSpace(string(shallow)) != pin {
		t.Fatalf("meta-aws is not a depth-1 clone of the pin: %q %v", shallow, err)
	}
	for _, repo := range []string{"poky", "meta-openembedded", "meta-aws"} {
		started, done := ev.of(repo, FetchStarted), ev.of(repo, FetchDone)
		prog := ev.of(repo, FetchProgress)
		if len(started) != 1 || len(done) != 1 || len(prog) == 0 {
			t.Fatalf("%s: %d started, %d progress, %d done: %v", repo, len(started), len(prog), len(done), ev.all)
		}
		// git shows bytes only once a transfer lasts half a second, and a
		// fetch of under 100 objects unpacks them silently (progress.c,
		// fetch.unpackLimit): these small local ones show object counts.
		phases := map[string]bool{}
		for _, e := range prog {
			if e.Total > 0 && e.Percent == 100 && e.Objects == e.Total {
				phases[e.Phase] = true
			}
		}
		if !phases["Counting objects"] || (repo != "meta-aws" && !phases["Receiving objects"]) {
			t.Errorf("%s: phases completed %v: %+v", repo, phases, prog)
		}
	}
	if !strings.Contains(ev.of("meta-aws", FetchDone)[0].Text, "pinned commit "+pin[:12]) {
		t.Errorf("done: %s", ev.of("meta-aws", FetchDone)[0].Text)
	}
}

// A server that refuses a commit that is no branch head (protocol v0
// without uploadpack.allowReachableSHA1InWant) still yields the pin: the
// branch is fetched, deepened, and the fallback is said.
func TestFetchPinFallsBackWhenServerRefusesCommit(t *testing.T) {
	mirror := mirrorFor(t, "scarthgap")
	t.Setenv(GitMirrorEnv, mirror)
	bare := filepath.Join(mirror, "meta-aws.git")
	pin := revOf(t, bare, "scarthgap")
	layertree.AddCommit(t, bare, "scarthgap")
	layertree.AddCommit(t, bare, "scarthgap")
	cfg := filepath.Join(t.TempDir(), "gitconfig")
	if err := os.WriteFile(cfg, []byte("[protocol]\n\tversion = 0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GIT_CONFIG_GLOBAL", cfg)
	dir := t.TempDir()
	p := projectIn(t, dir)
	p.Release = "scarthgap"
	p.Pins = Pins{"sources/meta-aws": pin}
	var ev events
	if _, err := Fetch(context.Background(), p, resolveIn(t, p), FetchOptions{Events: ev.add}); err != nil {
		t.Fatal(err)
	}
	if got := headOf(t, filepath.Join(dir, "sources", "meta-aws")); got != pin {
		t.Fatalf("meta-aws at %s, want %s", got, pin)
	}
	notes := ev.of("meta-aws", FetchNote)
	if len(notes) != 2 || !strings.Contains(notes[0].Text, "would not send commit "+pin[:12]) || !strings.Contains(notes[0].Text, "unadvertised object") ||
		!strings.Contains(notes[1].Text, "fetching its history") {
		t.Fatalf("notes: %+v", notes)
	}
}

// Jobs repositories are fetched at once, seen at the server: with 4, the
// three clones are all held there together; with 1, never two at a time.
func TestFetchRunsJobsAtOnce(t *testing.T) {
	for _, jobs := range []int{4, 1} {
		mirror := mirrorFor(t, "scarthgap")
		t.Setenv(GitMirrorEnv, mirror)
		hold := -1.0 // until released: all three must arrive
		if jobs == 1 {
			hold = 0.3 // one after another: overlap would show
		}
		slow := layertree.NewSlowServer(t, hold)
		t.Setenv("GIT_CONFIG_GLOBAL", slow.Config)
		p := projectIn(t, t.TempDir())
		p.Release = "scarthgap"
		res := resolveIn(t, p)
		done := make(chan error, 1)
		var sum FetchSummary
		go func() {
			var err error
			sum, err = Fetch(context.Background(), p, res, FetchOptions{Jobs: jobs})
			done <- err
		}()
		if jobs > 1 {
			deadline := time.Now().Add(60 * time.Second)
			for slow.Started() < 3 && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
			}
			if n := slow.Started(); n != 3 {
				slow.Release()
				<-done
				t.Fatalf("jobs %d: %d clones reached the server together, want 3", jobs, n)
			}
			slow.Release()
		}
		if err := <-done; err != nil || sum.Cloned != 3 {
			t.Fatalf("jobs %d: %+v %v", jobs, sum, err)
		}
		if jobs == 1 && slow.MaxOverlap() != 1 {
			t.Errorf("jobs 1: %d fetches at once at the server", slow.MaxOverlap())
		}
	}
}

// A pin that is not a full commit id is refused by Validate and by Fetch,
// before git could take it as a branch or an option.
func TestPinsMustBeCommitIDs(t *testing.T) {
	for _, bad := range []string{"HEAD", "scarthgap", "--upload-pack=x", "0123abcd", strings.Repeat("A", 40)} {
		p := projectIn(t, t.TempDir())
		p.Release = "scarthgap"
		p.Pins = Pins{"sources/poky": bad}
		if err := p.Validate(); err == nil || !strings.Contains(err.Error(), "pins.sources/poky") || !strings.Contains(err.Error(), "layers lock") {
			t.Errorf("%q: Validate said %v", bad, err)
		}
		res, _ := Resolve(p, &Workspace{})
		if _, err := Fetch(context.Background(), p, res, FetchOptions{}); err == nil || !strings.Contains(err.Error(), "not a full commit id") {
			t.Errorf("%q: Fetch said %v", bad, err)
		}
	}
	p := projectIn(t, t.TempDir())
	p.Release = "scarthgap"
	p.Pins = Pins{"sources/poky": strings.Repeat("0a", 20)}
	if err := p.Validate(); err != nil {
		t.Errorf("a full id refused: %v", err)
	}
}

// --history clones whole histories, at the pin too.
func TestFetchHistory(t *testing.T) {
	mirror := mirrorFor(t, "scarthgap")
	t.Setenv(GitMirrorEnv, mirror)
	bare := filepath.Join(mirror, "meta-aws.git")
	pin := revOf(t, bare, "scarthgap")
	layertree.AddCommit(t, bare, "scarthgap")
	layertree.AddCommit(t, filepath.Join(mirror, "poky.git"), "scarthgap")
	dir := t.TempDir()
	p := projectIn(t, dir)
	p.Release = "scarthgap"
	p.Pins = Pins{"sources/meta-aws": pin}
	if _, err := Fetch(context.Background(), p, resolveIn(t, p), FetchOptions{History: true}); err != nil {
		t.Fatal(err)
	}
	for repo, commits := range map[string]string{"poky": "2", "meta-aws": "1"} {
		d := filepath.Join(dir, "sources", repo)
		if _, err := os.Stat(filepath.Join(d, ".git", "shallow")); err == nil {
			t.Errorf("%s: shallow despite History", repo)
		}
		if n, err := exec.Command("git", "-C", d, "rev-list", "--count", "HEAD").Output(); err != nil || strings.TrimSpace(string(n)) != commits {
			t.Errorf("%s: %s commits (%v), want %s", repo, n, err, commits)
		}
	}
	if got := headOf(t, filepath.Join(dir, "sources", "meta-aws")); got != pin {
		t.Errorf("meta-aws at %s, want %s", got, pin)
	}
}

// --history on checkouts a shallow fetch made deepens them (pinned at its
// pin, pinned off it, and unpinned), with progress, instead of "nothing
// to fetch"; HEAD stays where the pin (or the clone) put it.
func TestFetchHistoryDeepensShallowCheckouts(t *testing.T) {
	mirror := mirrorFor(t, "scarthgap")
	t.Setenv(GitMirrorEnv, mirror)
	awsBare, pokyBare := filepath.Join(mirror, "meta-aws.git"), filepath.Join(mirror, "poky.git")
	pin := revOf(t, awsBare, "scarthgap")
	layertree.AddCommit(t, awsBare, "scarthgap")
	layertree.AddCommit(t, pokyBare, "scarthgap")
	oePin := revOf(t, filepath.Join(mirror, "meta-openembedded.git"), "scarthgap")
	dir := t.TempDir()
	p := projectIn(t, dir)
	p.Release = "scarthgap"
	p.Pins = Pins{"sources/meta-aws": pin}
	if _, err := Fetch(context.Background(), p, resolveIn(t, p), FetchOptions{}); err != nil {
		t.Fatal(err)
	}
	// meta-openembedded is pinned to a commit its shallow clone lacks,
	// so --history both deepens it and returns it to the pin.
	oeNext := layertree.AddCommit(t, filepath.Join(mirror, "meta-openembedded.git"), "scarthgap")
	oe := filepath.Join(dir, "sources", "meta-openembedded")
	if out, err := exec.Command("git", "-C", oe, "fetch", "-q", "--depth", "1", "origin", "scarthgap").CombinedOutput(); err != nil {
		t.Fatalf("%v %s", err, out)
	}
	if out, err := exec.Command("git", "-C", oe, "checkout", "-q", "--detach", oeNext).CombinedOutput(); err != nil {
		t.Fatalf("%v %s", err, out)
	}
	p.Pins["sources/meta-openembedded"] = oePin
	for _, repo := range []string{"poky", "meta-aws", "meta-openembedded"} {
		if _, err := os.Stat(filepath.Join(dir, "sources", repo, ".git", "shallow")); err != nil {
			t.Fatalf("%s: the first fetch should be shallow", repo)
		}
	}
	pokyHead := headOf(t, filepath.Join(dir, "sources", "poky"))
	var ev events
	var out strings.Builder
	sum, err := Fetch(context.Background(), p, resolveIn(t, p), FetchOptions{History: true, Events: func(e FetchEvent) {
		ev.add(e)
		out.WriteString(e.String() + "\n")
	}})
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if sum.Deepened != 2 || sum.Restored != 1 || sum.Cloned != 0 || sum.Failed != 0 {
		t.Fatalf("summary %+v\n%s", sum, out.String())
	}
	for repo, commits := range map[string]string{"poky": "2", "meta-aws": "1", "meta-openembedded": "1"} {
		d := filepath.Join(dir, "sources", repo)
		if _, err := os.Stat(filepath.Join(d, ".git", "shallow")); err == nil {
			t.Errorf("%s: still shallow after --history", repo)
		}
		if n, err := exec.Command("git", "-C", d, "rev-list", "--count", "HEAD").Output(); err != nil || strings.TrimSpace(string(n)) != commits {
			t.Errorf("%s: %s commits (%v), want %s", repo, n, err, commits)
		}
		if len(ev.of(repo, FetchStarted)) != 1 || len(ev.of(repo, FetchDone)) != 1 {
			t.Errorf("%s: want one start and one done:\n%s", repo, out.String())
		}
	}
	if len(ev.of("poky", FetchProgress)) == 0 {
		t.Errorf("poky: no progress while deepening:\n%s", out.String())
	}
	if got := headOf(t, filepath.Join(dir, "sources", "poky")); got != pokyHead {
		t.Errorf("poky moved from %s to %s", pokyHead, got)
	}
	if got := headOf(t, filepath.Join(dir, "sources", "meta-aws")); got != pin {
		t.Errorf("meta-aws at %s, want its pin %s", got, pin)
	}
	if got := headOf(t, oe); got != oePin {
		t.Errorf("meta-openembedded at %s, want its pin %s", got, oePin)
	}
	// Now whole: a second --history run has nothing to do.
	sum, err = Fetch(context.Background(), p, resolveIn(t, p), FetchOptions{History: true})
	if err != nil || sum.Deepened+sum.Restored+sum.Cloned != 0 {
		t.Fatalf("second run: %+v %v", sum, err)
	}
}
