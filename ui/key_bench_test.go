package ui

import (
	"testing"

	"fleetbake/ui/styles"
)

// BenchmarkMachineListKey is the UI's own part of a key in the machine list
// (Update and the frame's Render; Bubble Tea's diff and write not
// included), moving down and up through the list: the part of bench/ui.sh's
// CPU/key figure that fleetbake's code decides.
func BenchmarkMachineListKey(b *testing.B) {
	t := &testing.T{}
	m := at(t, StepMachine, nil)
	m.ctx.Styles = styles.New(true, false) // in color, as on a terminal
	m.ctx.StylesGen++
	down, up := keyMsg("down"), keyMsg("up")
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		k := down
		if i/20%2 == 1 {
			k = up
		}
		m.Update(k)
		_ = m.Render()
	}
}
