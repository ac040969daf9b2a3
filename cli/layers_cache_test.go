package cli

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"fleetbake/internal/layertree"
)

// runBinary runs the real fleetbake with env added and returns its exit
// code, stdout and stderr apart.
func runBinary(t *testing.T, env []string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(fleetbakeBinary(t), args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		if _, ok := err.(*exec.ExitError); !ok {
			t.Fatal(err)
		}
	}
	return cmd.ProcessState.ExitCode(), out.String(), errb.String()
}

// The discovery cache as an engineer meets it: `layers --json` prints the
// same with the cache, from it, and without it; a cache folder that cannot
// be made costs nothing but the walk and prints nothing.
func TestLayersJSONSameWithAndWithoutDiscoveryCache(t *testing.T) {
	dir := t.TempDir()
	layertree.Write(t, filepath.Join(dir, "sources"), layertree.Standard("scarthgap", true))
	cfg := filepath.Join(dir, "fleetbake.toml")
	cache := t.TempDir()
	blocked := filepath.Join(cache, "file")
	if err := os.WriteFile(blocked, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // past the cache's racy window
	run := func(env ...string) string {
		t.Helper()
		code, out, errs := runBinary(t, env, "--config", cfg, "layers", "--json")
		if code != 0 || errs != "" {
			t.Fatalf("%v: exit %d, stderr %q", env, code, errs)
		}
		return out
	}
	want := run("FLEETBAKE_NO_CACHE=1", "XDG_CACHE_HOME="+cache)
	if m, _ := filepath.Glob(filepath.Join(cache, "fleetbake", "discovery-*")); len(m) != 0 {
		t.Fatalf("FLEETBAKE_NO_CACHE=1 wrote %v", m)
	}
	for i := range 2 { // writes the cache, then reads it
		if got := run("XDG_CACHE_HOME=" + cache); got != want {
			t.Fatalf("run %d with the cache:\n%s\nwant:\n%s", i, got, want)
		}
	}
	if m, _ := filepath.Glob(filepath.Join(cache, "fleetbake", "discovery-*")); len(m) != 1 {
		t.Fatalf("cache files %v, want one", m)
	}
	if got := run("XDG_CACHE_HOME=" + blocked); got != want {
		t.Fatalf("with an unusable cache folder:\n%s\nwant:\n%s", got, want)
	}
}
