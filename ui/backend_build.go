package ui

import (
	"context"
	"errors"
	"os"
	"path/filepath"

	"fleetbake/engine"
	"fleetbake/model"
)

// This file wires the build (package engine) into Services: start BitBake
// detached from this terminal, find a build already running, follow either.

func buildServices(s *Services, o RealOptions) {
	s.StartBuild = func(p *model.Project) (Build, error) {
		opts := engine.StartOptions{BuildDir: p.Abs(p.BuildDir), Target: p.Image, Command: o.BuildCommand}
		if len(o.BuildCommand) == 0 {
			// The host checks of `fleetbake build`: every failure at once,
			// each with its fix, rather than BitBake's first complaint an
			// hour into the build. (The conf files were written one step
			// before, by Apply.)
			if _, err := engine.Preflight(p); err != nil {
				return nil, err
			}
			if err := opts.Locate(p.SourceRoots()); err != nil {
				return nil, err
			}
		}
		st, err := engine.Start(opts)
		if err != nil {
			return nil, err
		}
		return followBuild(st), nil
	}
	s.AttachBuild = func(p *model.Project) (Build, error) {
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
}

// engineBuild follows one engine build; it implements Build.
type engineBuild struct {
	st     *engine.State
	cancel context.CancelFunc
	out    chan BuildStatus
}

func followBuild(st *engine.State) *engineBuild {
	ctx, cancel := context.WithCancel(context.Background())
	b := &engineBuild{st: st, cancel: cancel, out: make(chan BuildStatus, 1)}
	in := engine.Follow(ctx, st)
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
	for _, f := range pr.Failures {
		task := f.Task
		if f.Recipe != "" {
			task = f.Recipe + ": " + filepath.Base(f.Task)
		}
		s.Failures = append(s.Failures, BuildFailure{Task: task, Log: f.LogFile})
	}
	if pr.ExitCode != nil {
		s.Finished, s.ExitCode = true, *pr.ExitCode
	} else if pr.Stale {
		s.Finished, s.ExitCode = true, -1
		s.Phase = "ended without recording an exit code (the build's supervisor was killed)"
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
