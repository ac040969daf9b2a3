package ui

import (
	"slices"
	"testing"

	"fleetbake/model"
)

// TestFlowLayerToggleIsSaved: a layer toggled on the Layers step is saved
// at once, so leaving the step with esc keeps it, in the file and when the
// step is shown again (found trying fleetbake as a new user: the toggle was
// lost although the footer said "saved").
func TestFlowLayerToggleIsSaved(t *testing.T) {
	dir, fake := newWorkspace(t)
	f := startFlow(t, dir, fake)
	f.throughWorkspace()
	f.chooseMachine("qemuarm64")
	f.waitStep(StepLayers)
	f.waitText("6 layers in bblayers.conf")  // the proposal, resolved, not yet an answer
	f.keys("down down down down down space") // meta-poky: chosen
	var toggled []string
	f.waitFor("the toggled set saved to fleetbake.toml", func(_ *Model, _ string) bool {
		p, err := model.Load(f.path)
		if err != nil || len(p.Layers) == 0 { // a new project: no layers until answered
			return false
		}
		toggled = p.Layers
		return true
	})
	f.keys("esc")
	f.waitStep(StepMachine)
	f.keys("enter")
	f.waitStep(StepLayers)
	f.waitFor("the toggled set shown again", func(m *Model, _ string) bool {
		return slices.Equal(m.Context().Project.Layers, toggled)
	})
	p, err := model.Load(f.path)
	if err != nil || !slices.Equal(p.Layers, toggled) {
		t.Fatalf("layers in the file %v (%v), want %v", p.Layers, err, toggled)
	}
}
