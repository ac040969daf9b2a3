package ui

import "fleetbake/model"

// ResumeStep is where a wizard resumes for a project loaded from
// fleetbake.toml: the first step whose answer is missing. The step is
// derived from the answers rather than stored, so a hand-edited file resumes
// sensibly too.
func ResumeStep(p *model.Project) Step {
	switch {
	case p.Machine == "":
		return StepMachine
	case len(p.Layers) == 0:
		return StepLayers
	case p.Image == "" || p.Distro == "":
		return StepImage
	case !greengrassAnswered(p):
		if p.Shared == (model.Shared{}) {
			return StepSettings
		}
		return StepGreengrass
	}
	return StepReview
}

// greengrassAnswered: the Greengrass step always saves a region and a
// prefix, on or off, so their absence means it was never answered.
func greengrassAnswered(p *model.Project) bool {
	return p.Greengrass.Region != "" || p.Greengrass.Prefix != ""
}
