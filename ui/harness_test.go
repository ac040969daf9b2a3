package ui

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"fleetbake/model"
)

// updating reports -update, the flag x/exp/golden (pulled in by teatest)
// defines: it rewrites testdata/*.golden from the current views.
func updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// fixedNow is the clock of every test: views never show real time.
var fixedNow = time.Date(2026, 11, 25, 14, 0, 0, 0, time.UTC)

// sizes are the terminal sizes every screen is checked at.
var sizes = [][2]int{{80, 24}, {120, 40}}

// newTestModel builds a root model on svc with a fixed clock and no color.
func newTestModel(t *testing.T, svc *Services, p *model.Project, existing bool) *Model {
	t.Helper()
	m := New(Options{Services: svc, Project: p, Existing: existing, Now: func() time.Time { return fixedNow }, NoColor: true, Dark: true})
	t.Cleanup(m.cancel)
	return m
}

// drive feeds msgs to the model and runs the commands they return, feeding
// their messages back, until nothing is left. A command that does not answer
// within a short time (a timer, a wait on a channel that stays empty) is
// dropped; spinner and build ticks are dropped too, so views never depend on
// timing.
func drive(t *testing.T, m *Model, msgs ...tea.Msg) {
	t.Helper()
	queue := append([]tea.Msg(nil), msgs...)
	var cmds []tea.Cmd
	for steps := 0; len(queue) > 0 || len(cmds) > 0; steps++ {
		if steps > 10000 {
			t.Fatal("drive: the model keeps producing messages")
		}
		if len(queue) == 0 {
			cmd := cmds[0]
			cmds = cmds[1:]
			queue = append(queue, runCmd(cmd)...)
			continue
		}
		msg := queue[0]
		queue = queue[1:]
		switch msg := msg.(type) {
		case nil, spinner.TickMsg, buildTickMsg:
			continue
		case tea.Cmd:
			cmds = append(cmds, msg)
			continue
		case tea.BatchMsg:
			cmds = append(cmds, msg...)
			continue
		}
		if reflect.TypeOf(msg).PkgPath() == "charm.land/bubbletea/v2" {
			if _, ok := msg.(tea.QuitMsg); !ok {
				if _, ok := msg.(tea.WindowSizeMsg); !ok {
					if _, ok := msg.(tea.KeyPressMsg); !ok {
						continue // terminal requests (background color) have no terminal here
					}
				}
			}
		}
		_, cmd := m.Update(msg)
		if cmd != nil {
			cmds = append(cmds, cmd)
		}
	}
}

func runCmd(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	ch := make(chan tea.Msg, 1)
	go func() { ch <- cmd() }()
	select {
	case msg := <-ch:
		if msg == nil {
			return nil
		}
		return []tea.Msg{msg}
	case <-time.After(300 * time.Millisecond):
		return nil
	}
}

// press turns "down down enter" and words like "type:abc" into key presses.
func press(spec string) []tea.Msg {
	var out []tea.Msg
	for _, k := range strings.Fields(spec) {
		if text, ok := strings.CutPrefix(k, "type:"); ok {
			for _, r := range text {
				out = append(out, tea.KeyPressMsg{Code: r, Text: string(r)})
			}
			continue
		}
		out = append(out, keyMsg(k))
	}
	return out
}

func keyMsg(k string) tea.KeyPressMsg {
	switch k {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "shift+tab":
		return tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "left":
		return tea.KeyPressMsg{Code: tea.KeyLeft}
	case "right":
		return tea.KeyPressMsg{Code: tea.KeyRight}
	case "space":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	case "ctrl+u":
		return tea.KeyPressMsg{Code: 'u', Mod: tea.ModCtrl}
	}
	r := []rune(k)
	if len(r) != 1 {
		panic("unknown key " + k)
	}
	return tea.KeyPressMsg{Code: r[0], Text: k}
}

// resize sends a window size.
func resize(t *testing.T, m *Model, w, h int) {
	drive(t, m, tea.WindowSizeMsg{Width: w, Height: h})
}

// frame is the current view without ANSI sequences, checked for size.
func frame(t *testing.T, m *Model) string {
	t.Helper()
	out := ansi.Strip(m.Render())
	lines := strings.Split(out, "\n")
	w, h := m.ctx.Width, m.ctx.Height
	if len(lines) != h {
		t.Errorf("frame has %d lines, terminal has %d", len(lines), h)
	}
	for i, l := range lines {
		if lw := ansi.StringWidth(l); lw > w {
			t.Errorf("line %d is %d wide, terminal is %d: %q", i+1, lw, w, l)
		}
	}
	return out
}

// golden renders the model at every size and compares with
// testdata/<name>_<w>x<h>.golden; -update rewrites the files.
func golden(t *testing.T, name string, m *Model) {
	t.Helper()
	for _, sz := range sizes {
		resize(t, m, sz[0], sz[1])
		// The project lives in a temporary folder: a "saved <path>" status
		// line names it, so it is written as <project> in golden files.
		got := strings.ReplaceAll(frame(t, m), filepath.Dir(m.ctx.Project.Path()), "<project>")
		path := filepath.Join("testdata", fmt.Sprintf("%s_%dx%d.golden", name, sz[0], sz[1]))
		if updating() {
			if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test ./ui -update to create it)", err)
		}
		if got != string(want) {
			t.Errorf("%s differs from the golden file (go test ./ui -run %s -update rewrites it)\n--- got\n%s\n--- want\n%s", path, t.Name(), got, want)
		}
	}
}

var _ = context.Background

// statusOf is a snapshot of the build the Build screen of m follows, as its
// pending wait would bring it.
func statusOf(m *Model, st BuildStatus) buildStatusMsg {
	return buildStatusMsg{status: st, ok: true, gen: m.screens[StepBuild].(*buildScreen).gen}
}
