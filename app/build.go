package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"fleetbake/engine"
	"fleetbake/model"
)

// This file is the build (package engine): start BitBake detached from this
// terminal after the host and conf checks, find a build already running,
// follow either.

// BuildOptions say how to start a build.
type BuildOptions struct {
	// Target is the image or recipe; empty means the project's image.
	Target string
	// Command, when set, stands in for bitbake (tests): see
	// engine.StartOptions.Command. The host checks are then skipped.
	Command []string
	// NoChecks starts even when host checks fail.
	NoChecks bool
}

// StartChecks runs the host checks of a build and the conf check (the
// conf files are there and match the project), every failure at once, each
// with its fix, rather than BitBake's first complaint an hour into the
// build. The error says what failed.
func StartChecks(p *model.Project) ([]engine.Check, error) {
	return engine.Preflight(p, ConfCheck(p))
}

// StartBuild launches BitBake for p in its own session, after the checks
// (unless o.NoChecks or a test command), and returns the engine's state.
// A build already running in the build folder is refused.
func StartBuild(p *model.Project, o BuildOptions) (*engine.State, error) {
	buildDir := p.Abs(p.BuildDir)
	if st, err := engine.FindBuild(buildDir); err == nil && st.Running() {
		return nil, fmt.Errorf("%w: %s; follow it with `fleetbake build attach` or stop it with `fleetbake build stop`", engine.ErrBuildRunning, st.Describe())
	}
	opts := engine.StartOptions{BuildDir: buildDir, Target: cmp.Or(o.Target, p.Image), Command: o.Command}
	if len(o.Command) == 0 {
		if err := opts.Locate(p.SourceRoots()); err != nil {
			return nil, fmt.Errorf("%v; run `fleetbake doctor`", err)
		}
	}
	return engine.Start(opts)
}

// FollowBuild starts a build (checks first) and follows it: what the
// screens use.
func FollowNewBuild(p *model.Project, o BuildOptions) (Build, error) {
	if len(o.Command) == 0 && !o.NoChecks {
		if _, err := StartChecks(p); err != nil {
			return nil, err
		}
	}
	st, err := StartBuild(p, o)
	if err != nil {
		return nil, err
	}
	return followBuild(st), nil
}

// AttachBuild returns the build running for p, followed, or nil when none is.
func AttachBuild(p *model.Project) (Build, error) {
	st, err := engine.FindBuild(p.Abs(p.BuildDir))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) || errors.Is(err, engine.ErrNoBuild) {
			return nil, nil
		}
		return nil, err
	}
	if st.Ended() {
		return nil, nil
	}
	return followBuild(st), nil
}

// BuildUpdateInterval is how often a followed Build (FollowNewBuild,
// AttachBuild) reads the log and sends a snapshot: a screen shows the
// current tasks and counts a few times a second (STYLE.md: a fast log never
// makes the UI redraw more than a few dozen times a second), and each read
// is a wake-up of the whole process (engine.FollowEvery).
const BuildUpdateInterval = 250 * time.Millisecond

// engineBuild follows one engine build; it implements Build.
type engineBuild struct {
	st     *engine.State
	cancel context.CancelFunc
	out    chan BuildStatus
}

func followBuild(st *engine.State) *engineBuild {
	ctx, cancel := context.WithCancel(context.Background())
	b := &engineBuild{st: st, cancel: cancel, out: make(chan BuildStatus, 1)}
	in := engine.FollowEvery(ctx, st, BuildUpdateInterval)
	go func() {
		defer close(b.out)
		for pr := range in {
			s := buildStatus(st, pr)
			// Latest wins: a slow screen skips snapshots, never falls behind.
			select {
			case b.out <- s:
			default:
				select {
				case <-b.out:
				default:
				}
				b.out <- s
			}
		}
	}()
	return b
}

func buildStatus(st *engine.State, pr engine.Progress) BuildStatus {
	s := BuildStatus{
		Phase: pr.Phase.String(), Done: pr.Done, Total: pr.Total, Running: pr.Running,
		Started: st.StartTime, Elapsed: pr.Elapsed, ETA: pr.ETA, Log: pr.LogPath,
	}
	if s.Log == "" {
		s.Log = st.LogPath
	}
	if pr.Step != "" && pr.Total == 0 {
		s.Phase = pr.Step
	}
	for _, m := range pr.ErrorMessages {
		// BitBake's messages and task logs carry what recipes print (colour
		// codes, title or clear-screen sequences): made printable here,
		// once, for every screen that shows them.
		ctx := make([]string, len(m.Context))
		for i, l := range m.Context {
			ctx[i] = model.Printable(l)
		}
		s.Errors = append(s.Errors, BuildError{Text: model.Printable(m.Text), Context: ctx})
	}
	s.ParsePercent = pr.StepPercent()
	for _, f := range pr.Failures {
		task := f.Task
		if f.Recipe != "" {
			task = f.Recipe + ": " + filepath.Base(f.Task)
		}
		s.Failures = append(s.Failures, BuildFailure{Task: model.Printable(task), Log: model.Printable(f.LogFile)})
	}
	if pr.ExitCode != nil {
		s.Finished, s.ExitCode = true, *pr.ExitCode
		s.Phase = pr.Outcome()
	} else if pr.Stale {
		s.Finished, s.ExitCode = true, -1
		s.Phase = "ended without recording an exit code (the build's supervisor was killed)"
	} else if pr.Phase == engine.PhaseDone {
		// BitBake printed its Tasks Summary but has not exited: done,
		// failed or stopped is known only from its exit code.
		s.Phase = "finishing"
	}
	return s
}

func (b *engineBuild) Updates() <-chan BuildStatus { return b.out }

// Cancel asks BitBake to stop: running tasks finish first.
func (b *engineBuild) Cancel() error {
	_, err := engine.Stop(b.st.BuildDir, false)
	return err
}

// Detach stops following; the build goes on in its own session.
func (b *engineBuild) Detach() { b.cancel() }

func (b *engineBuild) ReattachHint() string {
	return "run fleetbake again in this folder to follow it"
}
