package ui

import (
	"context"
	"time"

	tea "charm.land/bubbletea/v2"

	"fleetbake/app"
	"fleetbake/model"
)

// The Layers step's fetch, streamed: a command runs the fetch and feeds its
// events to a buffered channel; another reads them in batches (one message
// per 100 ms at most, so git's progress never redraws the screen more than
// ten times a second) and is re-armed from Update until the channel closes.

// fetchEventsMsg carries the events of one batch.
type fetchEventsMsg struct{ events []app.FetchEvent }

// fetchedMsg ends a fetch: its error (nil when every repository was
// fetched).
type fetchedMsg struct {
	err error
}

// fetchRun is one fetch under way.
type fetchRun struct {
	events chan app.FetchEvent
	done   chan error
	// started is closed when the fetch command begins, ended when the
	// fetch has returned (its unfinished clones removed): Close waits for
	// a fetch that began, so quitting mid-fetch leaves no clone behind.
	started, ended chan struct{}
}

// fetchEndWait bounds how long Close waits for a cancelled fetch: git is
// killed at once, the removal of its unfinished clones takes a moment.
const fetchEndWait = 10 * time.Second

// waitEnded waits until a fetch that began has returned (its context is
// cancelled by then), for at most fetchEndWait.
func (r *fetchRun) waitEnded() {
	select {
	case <-r.started:
	default:
		return // never began: nothing on disk
	}
	select {
	case <-r.ended:
	case <-time.After(fetchEndWait):
	}
}

// startFetch runs fetch in a command and returns the run to read from.
func startFetch(ctx context.Context, fetch func(context.Context, func(app.FetchEvent)) error) (*fetchRun, tea.Cmd) {
	r := &fetchRun{events: make(chan app.FetchEvent, 256), done: make(chan error, 1),
		started: make(chan struct{}), ended: make(chan struct{})}
	return r, func() tea.Msg {
		close(r.started)
		defer close(r.ended)
		err := fetch(ctx, func(e app.FetchEvent) {
			select {
			case r.events <- e:
			case <-ctx.Done(): // the program ended: nobody reads any more
			}
		})
		close(r.events)
		r.done <- err
		return nil
	}
}

// wait returns the next batch of events, or fetchedMsg once the fetch ended.
func (r *fetchRun) wait() tea.Cmd {
	return func() tea.Msg {
		e, ok := <-r.events
		if !ok {
			return fetchedMsg{err: <-r.done}
		}
		batch := []app.FetchEvent{e}
		timer := time.NewTimer(100 * time.Millisecond)
		defer timer.Stop()
		for {
			select {
			case e, ok := <-r.events:
				if !ok {
					return fetchEventsMsg{batch} // the next wait reports the end
				}
				batch = append(batch, e)
			case <-timer.C:
				return fetchEventsMsg{batch}
			}
		}
	}
}

// fetchLines keeps one line per repository: its latest event.
type fetchLines struct {
	order []string
	line  map[string]app.FetchEvent
}

func (f *fetchLines) add(events []app.FetchEvent) {
	if f.line == nil {
		f.line = map[string]app.FetchEvent{}
	}
	for _, e := range events {
		if _, ok := f.line[e.Repo]; !ok {
			f.order = append(f.order, e.Repo)
		}
		// A note is kept until the repository's next step replaces it.
		f.line[e.Repo] = e
	}
}

// lines are the rows to show: "repo: phase 45% (450/1000), 1.20 MiB".
func (f *fetchLines) lines() []string {
	out := make([]string, 0, len(f.order))
	for _, r := range f.order {
		out = append(out, model.Printable(f.line[r].String()))
	}
	return out
}

// count is how many repositories reached stage.
func (f *fetchLines) count(stage model.FetchStage) int {
	n := 0
	for _, e := range f.line {
		if e.Stage == stage {
			n++
		}
	}
	return n
}
