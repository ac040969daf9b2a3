package layertree

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// AddCommit adds a commit (one new file) on branch of the bare repository
// and returns its id: the branch head moves past what was there.
func AddCommit(t testing.TB, bare, branch string) string {
	t.Helper()
	work := t.TempDir()
	git(t, "", "clone", "--quiet", "--branch", branch, "file://"+bare, work)
	n, _ := os.ReadDir(work)
	if err := os.WriteFile(filepath.Join(work, fmt.Sprintf("change-%d", len(n))), []byte("x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	git(t, work, "add", "-A")
	git(t, work, "commit", "--quiet", "-m", "move on")
	git(t, work, "push", "--quiet", "origin", branch)
	out, err := exec.Command("git", "-C", work, "rev-parse", "HEAD").Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(out))
}

// SlowServer is a git server side that holds every fetch served from a
// file:// URL until Release, and logs when each starts and ends: set
// GIT_CONFIG_GLOBAL to Config. It uses uploadpack.packObjectsHook, which
// git reads only from the global or system config (git-config(1)).
type SlowServer struct {
	Config string // a global git config file naming the hook
	dir    string
}

// NewSlowServer writes the hook; holdSeconds < 0 holds until Release, else
// that long. The hook lets go at the end of the test.
func NewSlowServer(t testing.TB, holdSeconds float64) *SlowServer {
	t.Helper()
	s := &SlowServer{dir: t.TempDir()}
	wait := fmt.Sprintf("sleep %g", holdSeconds)
	if holdSeconds < 0 {
		// Gone with the test's folder: stop, never wait forever.
		wait = fmt.Sprintf("while [ ! -e %q ]; do [ -d %q ] || exit 1; sleep 0.05; done", filepath.Join(s.dir, "release"), s.dir)
	}
	hook := filepath.Join(s.dir, "hook.sh")
	script := fmt.Sprintf(`#!/bin/sh
log=%q
echo "start $$ $(date +%%s%%N)" >> "$log"
%s
"$@"
rc=$?
echo "end $$ $(date +%%s%%N)" >> "$log"
exit $rc
`, filepath.Join(s.dir, "log"), wait)
	if err := os.WriteFile(hook, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	s.Config = filepath.Join(s.dir, "gitconfig")
	if err := os.WriteFile(s.Config, []byte("[uploadpack]\n\tpackObjectsHook = "+hook+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Release)
	return s
}

// Release lets every held fetch go on.
func (s *SlowServer) Release() {
	os.WriteFile(filepath.Join(s.dir, "release"), nil, 0o644)
}

// Started is how many fetches reached the server.
func (s *SlowServer) Started() int {
	data, _ := os.ReadFile(filepath.Join(s.dir, "log"))
	return strings.Count(string(data), "start ")
}

// MaxOverlap is the most fetches the server served at the same time.
func (s *SlowServer) MaxOverlap() int {
	data, _ := os.ReadFile(filepath.Join(s.dir, "log"))
	type ev struct {
		at    int64
		delta int
	}
	var evs []ev
	for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		f := strings.Fields(l)
		if len(f) != 3 {
			continue
		}
		at, _ := strconv.ParseInt(f[2], 10, 64)
		d := 1
		if f[0] == "end" {
			d = -1
		}
		evs = append(evs, ev{at, d})
	}
	sort.Slice(evs, func(i, j int) bool {
		if evs[i].at != evs[j].at {
			return evs[i].at < evs[j].at
		}
		return evs[i].delta < evs[j].delta // an end before a start at the same instant
	})
	cur, max := 0, 0
	for _, e := range evs {
		cur += e.delta
		if cur > max {
			max = cur
		}
	}
	return max
}
