package layertree

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// BareRepo builds spec in a fresh work tree, commits it on branch and pushes
// it to the bare repository <mirror>/<name>.git (created when missing), the
// layout FLEETBAKE_GIT_MIRROR points `fleetbake layers fetch` at. Calling it
// again with another branch adds that branch.
func BareRepo(t testing.TB, mirror, name, branch string, spec Spec) string {
	t.Helper()
	bare := filepath.Join(mirror, name+".git")
	if _, err := os.Stat(bare); err != nil {
		git(t, "", "init", "--quiet", "--bare", bare)
	}
	work := t.TempDir()
	if err := Build(work, spec); err != nil {
		t.Fatal(err)
	}
	git(t, work, "init", "--quiet", "-b", branch)
	git(t, work, "add", "-A")
	git(t, work, "commit", "--quiet", "-m", "fixture "+name+" "+branch)
	git(t, work, "push", "--quiet", bare, branch)
	return bare
}

func git(t testing.TB, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"GIT_AUTHOR_NAME=fleetbake test", "GIT_AUTHOR_EMAIL=test@example.com",
		"GIT_COMMITTER_NAME=fleetbake test", "GIT_COMMITTER_EMAIL=test@example.com",
		"GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_SYSTEM=/dev/null")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

// Rebase returns the layers with Dir made relative to a repository root:
// "poky/meta" -> "meta" for prefix "poky".
func Rebase(prefix string, layers []Layer) []Layer {
	out := make([]Layer, len(layers))
	for i, l := range layers {
		rel, err := filepath.Rel(prefix, l.Dir)
		if err != nil {
			rel = l.Dir
		}
		l.Dir = rel
		out[i] = l
	}
	return out
}
