package cli

import (
	"strings"
	"testing"
)

// verify --no-aws runs the checks that need no AWS account, makes no AWS
// call at all, and names the checks it did not run and why.
func TestVerifyNoAWSMakesNoCall(t *testing.T) {
	s := fakeAWS(t)
	_, cfg := verifyProject(t, s)
	s.ResetCalls()
	code, out := runVerifyCLI(t, cfg, s.URL, "--no-aws")
	if code != 0 {
		t.Fatalf("verify --no-aws after apply and generate: exit %d\n%s", code, out)
	}
	if calls := s.Calls(); len(calls) != 0 {
		t.Errorf("verify --no-aws called AWS: %v", calls)
	}
	for _, want := range []string{"no AWS account (--no-aws)", "PASS  local.conf: ", "endpoints and names as the project records them",
		"PASS  claim key", "PASS  root CA", "PASS  time sync", "PASS  claim files in image", "(the template's parameters were not compared: no AWS)",
		"SKIP  claim policy: not run: it needs the AWS account",
		"The 6 checks that need no AWS account passed. Not run, because they need the AWS account and the AWS step was skipped: data endpoint, credential endpoint, provisioning template, provisioning role, role alias, thing group, claim certificate, claim policy, core policy."} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if code, out := runVerifyCLI(t, cfg, s.URL, "--no-aws", "--register"); code != 2 || !strings.Contains(out, "cannot run with --no-aws") {
		t.Errorf("--no-aws --register: exit %d\n%s", code, out)
	}
}

// verify --bitbake says why BitBake cannot run, with exit 2: here there is
// no oe-init-build-env in the project's sources, and what to do: fetch poky
// (as root, OE's refusal would come after).
func TestVerifyBitBakeCannotRun(t *testing.T) {
	s := fakeAWS(t)
	_, cfg := verifyProject(t, s)
	code, out := runVerifyCLI(t, cfg, s.URL, "--bitbake", "--no-aws")
	if code != 2 || !strings.Contains(out, "verify could not run: --bitbake: ") || !strings.Contains(out, "oe-init-build-env") ||
		!strings.Contains(out, "run `fleetbake layers fetch`") {
		t.Errorf("verify --bitbake without BitBake: exit %d\n%s", code, out)
	}
	// The query never started: no "this takes minutes" before the refusal.
	if strings.Contains(out, "Reading the image's first-boot facts") {
		t.Errorf("verify --bitbake printed the parse notice before refusing:\n%s", out)
	}
}
