package cli

import (
	"strings"
	"testing"
)

// A bad --jobs is a usage error, exit 2 like every other bad flag (it was 1,
// the exit code of a failed fetch).
func TestFetchBadJobsIsUsageError(t *testing.T) {
	t.Chdir(t.TempDir())
	code, _, errs := runCLI(t, "layers", "fetch", "--jobs", "0")
	if code != 2 || !strings.Contains(errs, "--jobs 0: expected 1 or more") {
		t.Errorf("exit %d, stderr %q", code, errs)
	}
}
