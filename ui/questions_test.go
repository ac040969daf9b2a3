package ui

import (
	"io"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	tea "charm.land/bubbletea/v2"

	"fleetbake/app"
	"fleetbake/model"
)

// badAnswers are answers each front end must refuse, one per question
// that has a rule, with the problem both must give.
var badAnswers = map[string]string{
	"build_dir":                        "my build",
	"release":                          "nosuch",
	"machine":                          "qemuarm46",
	"shared.bb_number_threads":         "0",
	"shared.dl_dir":                    `/tmp/dl"x`,
	"shared.hashserve":                 "nohost",
	"greengrass.prefix":                "bad.prefix",
	"greengrass.provisioning_template": "x/y",
	"greengrass.claim_dir":             "certs:1",
}

// The screens and the plain prompts are built from one list of questions
// (questions.go): driven alike, the real UI through teatest and the prompts
// through their reader and writer ask the same questions in the same order,
// the list's, and refuse the same bad answers with the same words.
func TestScreensAndPromptsAskTheSameQuestions(t *testing.T) {
	var want []string
	for _, q := range questions {
		want = append(want, q.Key)
	}
	promptOrder, promptErrs := promptsAsked(t)
	screenOrder, screenErrs := screensAsked(t)
	// Each ran in a folder of its own: a full path names it.
	for _, errs := range []map[string]string{promptErrs, screenErrs} {
		for k, v := range errs {
			errs[k] = tempDir.ReplaceAllString(v, "<project>/")
		}
	}
	if !slices.Equal(promptOrder, want) {
		t.Errorf("the prompts ask\n  %v\nthe list is\n  %v", promptOrder, want)
	}
	if !slices.Equal(screenOrder, want) {
		t.Errorf("the screens ask\n  %v\nthe list is\n  %v", screenOrder, want)
	}
	for key, bad := range badAnswers {
		p, s := promptErrs[key], screenErrs[key]
		if p == "" || s == "" {
			t.Errorf("%s = %q: refused by the prompts with %q, by the screens with %q", key, bad, p, s)
			continue
		}
		if key == "machine" {
			// The screen notes it under the list, the prompt refuses it once:
			// both with the same note.
			note := unknownMachine(&Workspace{Machines: []model.Machine{{Name: "qemuarm64"}, {Name: "qemux86-64"}}}, bad)
			if !strings.Contains(p, "did you mean qemuarm64") || !strings.Contains(s, "did you mean qemuarm64") {
				t.Errorf("machine %q: the prompt says %q, the screen %q; want both to say %q", bad, p, s, note)
			}
			continue
		}
		if p != s {
			t.Errorf("%s = %q: the prompts say\n  %s\nthe screens\n  %s", key, bad, p, s)
		}
	}
}

var tempDir = regexp.MustCompile(`\S*/Test[A-Za-z]+[0-9]+/[0-9]+/`)

// feeder gives the prompts one answer per read and notes, at each read,
// what was written since the last: the answer's outcome, then the prompt
// now waiting.
type feeder struct {
	answers []string
	out     *lockedBuilder
	last    int
	chunks  []string
}

func (f *feeder) Read(b []byte) (int, error) {
	o := f.out.String()
	f.chunks = append(f.chunks, o[f.last:])
	f.last = len(o)
	if len(f.answers) == 0 {
		return 0, io.EOF
	}
	n := copy(b, f.answers[0]+"\n")
	f.answers = f.answers[1:]
	return n, nil
}

type lockedBuilder struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuilder) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuilder) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// promptQuestion is the key of the question a prompt asks, by its label
// (the longest that starts it), or "".
func promptQuestion(prompt string) string {
	best := ""
	bestLen := 0
	for _, q := range questions {
		rest, ok := strings.CutPrefix(prompt, q.Label)
		if ok && rest != "" && strings.ContainsRune(" (:[,", rune(rest[0])) && len(q.Label) > bestLen {
			best, bestLen = q.Key, len(q.Label)
		}
	}
	return best
}

// promptsAsked runs the plain prompts on the fixture tree, a bad answer
// first where there is one, and returns the questions in the order asked
// and what each bad answer drew.
func promptsAsked(t *testing.T) ([]string, map[string]string) {
	dir, fake := newWorkspace(t)
	var answers []string
	for _, q := range questions {
		if bad, ok := badAnswers[q.Key]; ok {
			answers = append(answers, bad)
		}
		answers = append(answers, "")
	}
	out := &lockedBuilder{}
	in := &feeder{answers: answers, out: out}
	p := app.NewProject(filepath.Join(dir, model.DefaultFile))
	err := RunAccessible(AccessibleOptions{In: in, Out: out, Services: Real(RealOptions{AWS: app.AWSOptions{EndpointURL: fake.URL}}), Project: p})
	if err != nil && !strings.Contains(err.Error(), "input ended") {
		t.Fatalf("%v\n%s", err, out.String())
	}
	var order []string
	errs := map[string]string{}
	prev := ""
	for _, c := range in.chunks {
		// The outcome of the answer to the previous prompt comes first.
		if _, after, ok := strings.Cut(c, "not accepted: "); ok && prev != "" {
			msg, _, _ := strings.Cut(after, "\n")
			errs[prev] = msg
		}
		prompt := c[strings.LastIndex(c, "\n")+1:]
		key := promptQuestion(prompt)
		if key == "" {
			break // past the questions: the review
		}
		if len(order) == 0 || order[len(order)-1] != key {
			order = append(order, key)
		}
		prev = key
	}
	return order, errs
}

// screenQuestion is the key of the question the active screen asks.
func screenQuestion(m *Model) string {
	switch s := m.active().(type) {
	case *workspaceScreen:
		return s.form.Focused().q.Key
	case *settingsScreen:
		return s.form.Focused().q.Key
	case *greengrassScreen:
		return s.form.Focused().q.Key
	case *machineScreen:
		return "machine"
	case *layersScreen:
		return "layers"
	case *imageScreen:
		return []string{"image", "distro"}[s.focus]
	}
	return ""
}

// typing is the key presses that type text (spaces included).
func typing(text string) []tea.Msg {
	var out []tea.Msg
	for _, r := range text {
		if r == ' ' {
			out = append(out, keyMsg("space"))
			continue
		}
		out = append(out, tea.KeyPressMsg{Code: r, Text: string(r)})
	}
	return out
}

func (f *flow) send(msgs []tea.Msg) {
	for _, k := range msgs {
		f.tm.Send(k)
		f.probe(func(*Model) {})
	}
}

// screensAsked goes through the real UI with enter, a bad answer first
// where there is one, and returns the questions in the order asked and the
// problem each bad answer drew.
func screensAsked(t *testing.T) ([]string, map[string]string) {
	dir, fake := newWorkspace(t)
	f := startFlow(t, dir, fake)
	f.waitStep(StepWorkspace)
	f.waitText("release scarthgap")
	var order []string
	errs := map[string]string{}
	for {
		var key string
		var step Step
		f.probe(func(m *Model) { key, step = screenQuestion(m), m.Step() })
		if step == StepReview {
			return order, errs
		}
		if len(order) == 0 || order[len(order)-1] != key {
			order = append(order, key)
		}
		if bad, ok := badAnswers[key]; ok && errs[key] == "" {
			errs[key] = f.refused(key, bad)
		}
		f.keys("enter")
		f.waitFor("the next question after "+key, func(m *Model, _ string) bool {
			return m.Step() != step || screenQuestion(m) != key
		})
	}
}

// refused types bad as the answer of the question key, presses enter and
// returns the problem shown; it then puts the answer back as it was.
func (f *flow) refused(key, bad string) string {
	f.t.Helper()
	if key == "machine" {
		f.waitText("machines")
		f.keys("/")
		f.send(typing(bad))
		f.keys("enter")
		var note string
		f.waitFor("the note on "+bad, func(m *Model, screen string) bool {
			note = strings.Join(strings.Fields(screen), " ")
			return strings.Contains(note, bad+" is not found")
		})
		f.keys("esc") // back to the list, on the current answer
		return note
	}
	var orig string
	form := func(m *Model) *form {
		switch s := m.active().(type) {
		case *workspaceScreen:
			return s.form
		case *settingsScreen:
			return s.form
		case *greengrassScreen:
			return s.form
		}
		f.t.Fatalf("%s is not asked in a form", key)
		return nil
	}
	f.probe(func(m *Model) { orig = form(m).field(key).Value() })
	f.keys("ctrl+u")
	f.send(typing(bad))
	f.keys("enter")
	var problem string
	f.waitFor("the problem with "+key+" = "+bad, func(m *Model, _ string) bool {
		ff := form(m).field(key)
		problem = ff.err
		return problem != "" && form(m).Focused() == ff
	})
	f.keys("ctrl+u")
	f.send(typing(orig))
	return problem
}
