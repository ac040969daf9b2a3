package ui

// What the questions of questions.go offer and propose: choices from the
// workspace, the proposal from an existing build folder, the note on a
// MACHINE found nowhere.

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"fleetbake/model"
)

// oneOfChoices refuses an answer that is not one of q's fixed choices (the
// region, whose list is only what the picker offers, takes any region
// ValidateField takes).
func oneOfChoices(q *question) func(string) error {
	if q.Key == "greengrass.region" {
		return nil
	}
	choices := q.Choices(nil)
	return func(v string) error {
		if slices.Contains(choices, v) {
			return nil
		}
		return fmt.Errorf("answer one of: %s", strings.Join(choiceNames(q, choices), ", "))
	}
}

// choiceNames are how the choices are shown: their labels when they have them.
func choiceNames(q *question, choices []string) []string {
	if q.Labels != nil {
		return q.Labels
	}
	return choices
}

// regionChoices are the regions offered, with the current answer first
// when the list lacks it.
func regionChoices(a *answers) []string {
	rs := a.regions
	cur := cmp.Or(a.p.Greengrass.Region, defaults.Greengrass.Region)
	if len(rs) == 0 {
		return []string{cur}
	}
	if slices.Contains(rs, cur) {
		return rs
	}
	return append([]string{cur}, rs...)
}

func machineNames(ws *Workspace) []string {
	if ws == nil {
		return nil
	}
	out := make([]string, len(ws.Machines))
	for i, m := range ws.Machines {
		out[i] = m.Name
	}
	return out
}

func layerNames(ws *Workspace) []string {
	if ws == nil {
		return nil
	}
	var out []string
	for _, l := range ws.Layers {
		if !slices.Contains(out, l.Name) {
			out = append(out, l.Name)
		}
	}
	return out
}

func wsList(ws *Workspace, list func(*Workspace) []string) []string {
	if ws == nil {
		return nil
	}
	return list(ws)
}

// proposedLayers are the layers to offer: the answer, else the layers of an
// existing bblayers.conf that the workspace has, else the default.
func proposedLayers(a *answers) []string {
	if len(a.p.Layers) > 0 {
		return slices.Clone(a.p.Layers)
	}
	if a.guess != nil && len(a.guess.Layers) > 0 && a.ws != nil {
		have := layerNames(a.ws)
		var out []string
		for _, name := range a.guess.Layers {
			if slices.Contains(have, name) {
				out = append(out, name)
			}
		}
		if len(out) > 0 {
			return out
		}
	}
	return slices.Clone(defaults.Layers)
}

func guessMachine(g *ConfGuess) string {
	if g == nil {
		return ""
	}
	return g.Machine
}

func guessDistro(g *ConfGuess) string {
	if g == nil {
		return ""
	}
	return g.Distro
}

// unknownMachine is the note for a MACHINE typed that no layer on disk and
// no catalog entry has, with the closest names; "" when it is known. Such a
// MACHINE is taken only when given twice: the catalog lists only some
// machines of each BSP layer, and whether a layer has it is checked when
// the layers are resolved (model.Resolve).
func unknownMachine(ws *Workspace, name string) string {
	names := machineNames(ws)
	if ws == nil || slices.Contains(names, name) {
		return ""
	}
	note := name + " is not found on disk or in the catalog"
	if close := model.Closest(name, names, 3); len(close) > 0 {
		note += " (did you mean " + strings.Join(close, ", ") + "?)"
	}
	return note
}
