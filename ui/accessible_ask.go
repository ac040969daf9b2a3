package ui

// The plain prompts of the questions in questions.go: one line each, the
// answer as it stands in brackets, ? for the help and the choices.

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"fleetbake/app"
)

// errHelpShown re-asks after ? printed the help.
var errHelpShown = fmt.Errorf("the help is above")

// promptText is the prompt of q: its label, how it is answered, and what
// empty means when no answer stands in brackets (there, enter keeps it).
func promptText(q *question, choices []string, shown string) string {
	s := q.Label
	switch q.Kind {
	case askPick:
		s += " (? lists them)"
	case askLayers:
		s += ", space separated (dependencies are added; ? lists them)"
	case askChoice:
		s += " (" + strings.Join(choiceNames(q, choices), ", ") + ")"
	}
	if q.Empty != "" && shown == "" {
		s += " (empty: " + q.Empty + ")"
	}
	if q.Clearable {
		s += " (- clears)"
	}
	return s
}

// askQuestion asks q until its answer passes the same checks the screens
// make, and returns it as the project stores it.
func (a *asker) askQuestion(q *question) (string, error) {
	var choices []string
	if q.Choices != nil {
		choices = q.Choices(a.ans)
	}
	cur := q.Get(a.ans)
	shown := cur
	if q.Labels != nil {
		if i := slices.Index(choices, cur); i >= 0 {
			shown = q.Labels[i]
		}
	}
	pending := "" // an unknown MACHINE given once
	v, err := a.ask(promptText(q, choices, shown), shown, func(v string) error {
		if v == "?" {
			a.say("  %s", q.Help)
			if q.Kind != askText {
				a.sayChoices(q, choices)
			}
			return errHelpShown
		}
		v = a.fromLabel(q, choices, v)
		if q.Clearable && v == "-" {
			return nil
		}
		if err := q.check(v); err != nil {
			return err
		}
		if err := q.checkPath(a.p, v); err != nil {
			return err
		}
		if q.Key == "machine" {
			if note := unknownMachine(a.ans.ws, v); note != "" && v != pending {
				pending = v
				return fmt.Errorf("%s. Give it again to use it anyway: its BSP layer must then be in the source folders (checked when the layers are resolved)", note)
			}
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	v = a.fromLabel(q, choices, v)
	if q.Clearable && v == "-" {
		v = ""
	}
	return v, nil
}

// fromLabel turns a choice's label (made here) into its value (false).
func (a *asker) fromLabel(q *question, choices []string, v string) string {
	if i := slices.Index(q.Labels, v); i >= 0 && i < len(choices) {
		return choices[i]
	}
	return v
}

// sayChoices lists what a question can be answered with.
func (a *asker) sayChoices(q *question, choices []string) {
	if q.Key != "machine" || a.ans.ws == nil {
		a.say("  %s", strings.Join(choiceNames(q, choices), " "))
		return
	}
	for _, m := range a.ans.ws.Machines {
		a.say("  %-28s %s (%s)", m.Name, m.Description, m.Layer)
	}
}

// sayIdentity looks up the AWS account before the Greengrass questions.
func (a *asker) sayIdentity(ctx context.Context) {
	if a.svc.Identity == nil {
		return
	}
	id, err := a.svc.Identity(ctx, a.p)
	if err == nil {
		a.id = id
		a.say("AWS account %s (%s)", id.Account, id.ARN)
		return
	}
	if wrong, instead, ok := app.DeviceAdvice(err); ok {
		// Not AWS's doing: another nucleus or release is the way on.
		a.say("%s", capitalize(wrong))
		a.say("Pick instead: %s (the nucleus is asked below; the release was asked above).", instead)
		return
	}
	// What to do first, then going on without AWS, the SDK's text last.
	fix, detail := app.AWSAdvice(err)
	a.say("%s.", capitalize(fix))
	a.say("Or go on without AWS: answer n to creating the AWS resources at the end, then y to write the conf files only; you can build with them.")
	if detail != "" {
		a.say("AWS SDK: %s", detail)
	}
}

// sayResolution says which layers were added to the chosen ones and what
// is missing, after the Layers question.
func (a *asker) sayResolution(ws *Workspace) {
	if a.svc.Resolve == nil || ws == nil {
		return
	}
	res, err := a.svc.Resolve(a.p, ws)
	if err != nil {
		a.say("  layers: %v", err)
		return
	}
	for _, l := range res.Layers {
		switch {
		case l.AddedBy != "" && !slices.Contains(a.p.Layers, l.Name):
			a.say("  + %s (added: %s)", l.Name, l.AddedBy)
		case !l.OnDisk:
			a.say("  %s: not on disk, fetch with `fleetbake layers fetch`", l.Name)
		}
	}
	for _, m := range append(res.Missing, res.Incompatible...) {
		a.say("  ! %s", m)
	}
}
