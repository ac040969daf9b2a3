package app

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"fleetbake/generator"
	"fleetbake/internal/lazyre"
	"fleetbake/model"
)

// AWSSkipped says what the conf files lack when they were written without
// the AWS step (no credentials yet, or the AWS side left for later): the
// image builds, but its devices cannot provision until both are filled.
type AWSSkipped struct {
	// EmptyVars are the variables fleetbake's block of local.conf sets to
	// "" (the endpoints, which only AWS knows).
	EmptyVars []string
	// MissingFiles are the claim files not on disk yet.
	MissingFiles []string
}

// Advice is what to run to fill what is missing, in one paragraph.
func (a *AWSSkipped) Advice() string {
	var b strings.Builder
	b.WriteString("The AWS step was skipped.")
	if len(a.EmptyVars) > 0 {
		fmt.Fprintf(&b, " Empty in local.conf: %s.", strings.Join(a.EmptyVars, ", "))
	}
	if len(a.MissingFiles) > 0 {
		fmt.Fprintf(&b, " Claim files not made yet: %s.", strings.Join(a.MissingFiles, ", "))
	}
	b.WriteString(" Devices of this image cannot provision until `fleetbake provision apply` (with AWS credentials) then `fleetbake generate` fill them.")
	return b.String()
}

// ApplyWithoutAWS writes the reviewed conf files as Apply does, and not the
// AWS side: for a build before there are AWS credentials. It says what the
// files then lack.
func (s ApplySteps) ApplyWithoutAWS(p *model.Project, ws *Workspace, plan *FilePlan, rerender bool,
	report func(ApplyStep, ResourceEvent)) (*AWSSkipped, error) {
	written, err := s.writeFiles(p, ws, plan, rerender, report)
	if err != nil {
		return nil, err
	}
	skipped := &AWSSkipped{EmptyVars: written.EmptyVars}
	if p.Greengrass.Enabled {
		cert, key, root := p.ClaimFiles()
		for _, f := range []string{cert, key, root} {
			if _, err := os.Stat(f); err != nil {
				skipped.MissingFiles = append(skipped.MissingFiles, displayRel(p, f))
			}
		}
	}
	return skipped, nil
}

// displayRel shows a path relative to the project folder when inside it.
func displayRel(p *model.Project, path string) string {
	if p.Path() == "" {
		return path
	}
	if rel, err := filepath.Rel(p.Dir(), path); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return path
}

// emptyAssignment is a `NAME = ""` line as generator's assign writes it.
var emptyAssignment = lazyre.MustCompile(`^(\S+) = ""$`)

// emptyVars lists the variables fleetbake's block of local.conf leaves
// empty in c (what the AWS step fills).
func emptyVars(c *generator.Changes) []string {
	var out []string
	for _, f := range c.Files {
		if filepath.Base(f.Path) != "local.conf" {
			continue
		}
		in := false
		for _, l := range strings.Split(string(f.New), "\n") {
			switch {
			case strings.HasPrefix(l, generator.BeginMarker):
				in = true
			case strings.HasPrefix(l, generator.EndMarker):
				in = false
			case in:
				if m := emptyAssignment().FindStringSubmatch(l); m != nil {
					out = append(out, m[1])
				}
			}
		}
	}
	return out
}
