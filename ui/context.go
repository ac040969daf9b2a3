package ui

import (
	"context"
	"maps"
	"slices"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"

	"fleetbake/app"
	"fleetbake/model"
	"fleetbake/ui/keys"
	"fleetbake/ui/styles"
)

// Context is shared by the root model and every screen: size, styles,
// keys, the services and the answers given so far.
type Context struct {
	Width, Height int
	Styles        styles.Styles
	// StylesGen counts changes of Styles, so that views keeping rendered
	// text know when to render it again.
	StylesGen int
	Keys      keys.KeyMap
	Svc       *Services
	// Now is the clock; tests inject a fixed one so views are reproducible.
	Now func() time.Time
	// Ctx is cancelled when the UI quits; long calls take it.
	Ctx context.Context

	Project    *model.Project
	Workspace  *Workspace
	Resolution *Resolution
	Guess      *ConfGuess // answers read from an existing build folder, if any

	Identity    *Identity
	IdentityErr error
	FilePlan    *FilePlan

	// Busy is set while AWS calls are under way: quitting asks first.
	Busy bool
	// SkipAWS: the review chose to write the conf files without the AWS
	// step (no credentials yet); Apply then says what the files lack.
	SkipAWS bool

	saver   *saver
	saveSeq int
}

// SaveProject returns a command that writes a snapshot of the project.
// Snapshots are numbered so an older one never overwrites a newer one even
// though the commands run concurrently.
func (c *Context) SaveProject() tea.Cmd {
	if c.Svc.Save == nil || c.Project == nil {
		return nil
	}
	c.saveSeq++
	seq, snap, s := c.saveSeq, cloneProject(c.Project), c.saver
	s.queue(seq, snap)
	return func() tea.Msg { return savedMsg{err: s.save(seq, snap), path: displayPath(snap.Path())} }
}

// answers are the project and what discovery found, as the questions
// (questions.go) read and write them.
func (c *Context) answers() *answers {
	return &answers{p: c.Project, ws: c.Workspace, guess: c.Guess, regions: c.Svc.Regions}
}

// Validate checks one answer with the model's rules.
func (c *Context) Validate(field, value string) error {
	if c.Svc.ValidateField == nil {
		return nil
	}
	return c.Svc.ValidateField(field, value)
}

// saver writes project snapshots in order. It remembers the newest snapshot
// handed out, so that Flush can write it when the program ended before the
// command saving it ran.
type saver struct {
	mu         sync.Mutex
	last       int // newest snapshot written
	pendingSeq int // newest snapshot handed out
	pending    *model.Project
	fn         func(*model.Project) error
}

func (s *saver) queue(seq int, p *model.Project) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if seq > s.pendingSeq {
		s.pendingSeq, s.pending = seq, p
	}
}

func (s *saver) save(seq int, p *model.Project) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if seq <= s.last {
		return nil // this or a newer answer was already written
	}
	s.last = seq
	return s.fn(p)
}

// Flush writes the newest snapshot if no save has written it yet, after any
// save under way. Saves that start later find nothing newer and do nothing.
func (s *saver) Flush() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pendingSeq <= s.last {
		return nil
	}
	s.last = s.pendingSeq
	return s.fn(s.pending)
}

// savedMsg reports the outcome of a save, with the file's path as shown.
type savedMsg struct {
	err  error
	path string
}

func cloneProject(p *model.Project) *model.Project {
	c := *p
	c.Sources = slices.Clone(p.Sources)
	c.Layers = slices.Clone(p.Layers)
	c.LocalConf = maps.Clone(p.LocalConf)
	c.Pins = maps.Clone(p.Pins)
	return &c
}

var errUnavailable = app.ErrUnavailable
