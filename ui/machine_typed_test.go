package ui

import (
	"strings"
	"testing"
)

// A MACHINE that is not in the list can be typed in the filter and taken,
// after a second Enter and a note that it is found nowhere; one Enter alone
// changes nothing.
func TestMachineNotInTheListIsTakenWithANote(t *testing.T) {
	m := at(t, StepMachine, nil)
	before := m.ctx.Project.Machine
	drive(t, m, press("/ type:my-custom-board")...)
	if f := frame(t, m); !strings.Contains(f, "Enter: use my-custom-board as MACHINE.") {
		t.Fatalf("no hint for a typed machine:\n%s", f)
	}
	drive(t, m, press("enter")...)
	if m.Step() != StepMachine || m.ctx.Project.Machine != before {
		t.Fatalf("one Enter took the machine: step %v, machine %q", m.Step(), m.ctx.Project.Machine)
	}
	f := frame(t, m)
	if !strings.Contains(strings.Join(strings.Fields(f), " "), "my-custom-board is not found on disk or in the catalog") {
		t.Fatalf("no note after the first Enter:\n%s", f)
	}
	drive(t, m, press("enter")...)
	if m.ctx.Project.Machine != "my-custom-board" || m.Step() == StepMachine {
		t.Fatalf("second Enter: step %v, machine %q", m.Step(), m.ctx.Project.Machine)
	}
}

// A typed name that is not a valid MACHINE is refused with why, never taken.
func TestMachineTypedInvalidIsRefused(t *testing.T) {
	m := at(t, StepMachine, nil)
	before := m.ctx.Project.Machine
	drive(t, m, press("/ type:my/board enter enter")...)
	if m.Step() != StepMachine || m.ctx.Project.Machine != before {
		t.Fatalf("step %v, machine %q", m.Step(), m.ctx.Project.Machine)
	}
	if f := frame(t, m); !strings.Contains(f, "✗") {
		t.Fatalf("no error shown:\n%s", f)
	}
}
