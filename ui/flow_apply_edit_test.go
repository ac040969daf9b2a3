package ui

import (
	"context"
	"os"
	"regexp"
	"strings"
	"testing"

	"fleetbake/model"
)

// TestFlowEditDuringApplyIsKept: an engineer edits fleetbake.toml (a
// comment line and the image) while the Apply step runs. Apply merges the endpoints onto
// the file as it is then, and the screen's own save afterwards must not
// undo that edit (found in review: it applied the update to its older copy
// and saved that).
func TestFlowEditDuringApplyIsKept(t *testing.T) {
	dir, fake := newWorkspace(t)
	const note = "# edited by hand while apply ran"
	f := startFlowWith(t, dir, fake, func(s *Services) {
		real := s.ApplyAWS
		s.ApplyAWS = func(ctx context.Context, p *model.Project, ws *Workspace, report func(ResourceEvent)) (func(*model.Project), error) {
			data, err := os.ReadFile(p.Path())
			if err != nil {
				return nil, err
			}
			edited := imageLine.ReplaceAllString(string(data), `image = "core-image-edited"`)
			if edited == string(data) {
				t.Errorf("no image line to edit in:\n%s", data)
			}
			if err := os.WriteFile(p.Path(), []byte(note+"\n"+edited), 0o644); err != nil {
				return nil, err
			}
			return real(ctx, p, ws, report)
		}
	})
	f.throughWorkspace()
	f.chooseMachine("qemuarm64")
	f.waitStep(StepLayers)
	f.keys("enter")
	f.waitStep(StepImage)
	f.keys("enter enter")
	f.waitStep(StepSettings)
	f.keys("enter enter enter enter enter enter enter enter")
	f.waitStep(StepGreengrass)
	f.keys("enter enter enter ctrl+u type:fbe enter enter enter enter enter enter enter")
	f.waitStep(StepReview)
	f.waitText("+++")
	f.keys("enter")
	f.waitText("y/N")
	f.keys("y")
	f.waitStep(StepApply)
	f.waitText("All done")
	f.waitFor("the edit and the endpoints both in fleetbake.toml", func(_ *Model, _ string) bool {
		data, err := os.ReadFile(f.path)
		return err == nil && strings.Contains(string(data), note) && strings.Contains(string(data), "data_endpoint") &&
			strings.Contains(string(data), `image = "core-image-edited"`)
	})
	f.keys("enter")
	f.waitStep(StepVerify)
	data, _ := os.ReadFile(f.path)
	if !strings.Contains(string(data), `image = "core-image-edited"`) {
		t.Fatalf("the image edited during apply was undone:\n%s", data)
	}
}

var imageLine = regexp.MustCompile(`(?m)^image = "[^"]*"`)
