package app

import (
	"fmt"
	"strings"
)

// The report's summary, shared by the command line, the Verify screen and
// the plain prompts.

// NotRunWithoutAWS is the detail of a check that needs the AWS account
// when verify runs without it.
const NotRunWithoutAWS = "not run: it needs the AWS account, and the AWS step was skipped; run `fleetbake provision apply` with AWS credentials, then `fleetbake verify`"

// NotRun are the names of the checks left out because they need the AWS
// account (VerifyOptions.NoAWS).
func (r *VerifyReport) NotRun() []string {
	var names []string
	for _, c := range r.Checks {
		if c.Status == Skip && c.Detail == NotRunWithoutAWS {
			names = append(names, c.Name)
		}
	}
	return names
}

// Failed counts the checks that failed.
func (r *VerifyReport) Failed() int {
	n := 0
	for _, c := range r.Checks {
		if c.Status == Fail {
			n++
		}
	}
	return n
}

// Summary is the report's last line: how many checks failed, passed, or
// were not run and why.
func (r *VerifyReport) Summary() string {
	notRun := r.NotRun()
	ran := len(r.Checks) - len(notRun)
	var s string
	switch f := r.Failed(); {
	case f > 0:
		s = fmt.Sprintf("%d of %d checks failed.", f, ran)
	case len(notRun) > 0:
		s = fmt.Sprintf("The %d checks that need no AWS account passed.", ran)
	default:
		s = fmt.Sprintf("All %d checks passed.", ran)
	}
	if len(notRun) > 0 {
		s += fmt.Sprintf(" Not run, because they need the AWS account and the AWS step was skipped: %s.", strings.Join(notRun, ", "))
	}
	return s
}

// Replace puts the checks of other (a run of some of the checks, such as
// the first-boot ones with BitBake) in place of this report's checks of the
// same name, and says again whether every check passed.
func (r *VerifyReport) Replace(other *VerifyReport) {
	for _, c := range other.Checks {
		for i := range r.Checks {
			if r.Checks[i].Name == c.Name {
				r.Checks[i] = c
			}
		}
	}
	r.Passed = r.Failed() == 0
}
