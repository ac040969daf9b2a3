package app

import (
	"context"

	"fleetbake/engine"
	"fleetbake/generator"
	"fleetbake/model"
	"fleetbake/provision"
)

// The results the command line prints, under app's names, so that a front
// end depends on app (and model) only: what the build, the host checks, the
// generator and provisioning report is theirs, app hands it on unchanged.

// Build follows and stops (package engine).
type (
	BuildState        = engine.State
	BuildProgress     = engine.Progress
	BuildPhase        = engine.Phase
	BuildErrorMessage = engine.ErrorMessage
	TaskFailure       = engine.Failure
	StopResult        = engine.StopResult
)

// The phases of a build.
const (
	PhaseSetscene = engine.PhaseSetscene
	PhaseRunning  = engine.PhaseRunning
	PhaseDone     = engine.PhaseDone
)

// The stop levels, in the order repeated stops climb them.
const (
	StopGentle    = engine.StopGentle
	StopForce     = engine.StopForce
	StopTerminate = engine.StopTerminate
)

// Errors of the build engine, for errors.Is.
var (
	ErrBuildRunning = engine.ErrBuildRunning
	ErrNotRunning   = engine.ErrNotRunning
	ErrNoBuild      = engine.ErrNoBuild
)

// FindBuild reads the state of the build in buildDir (running or ended).
func FindBuild(buildDir string) (*BuildState, error) { return engine.FindBuild(buildDir) }

// FollowBuild delivers the build's progress until it ends or ctx ends.
func FollowBuild(ctx context.Context, st *BuildState) <-chan BuildProgress {
	return engine.Follow(ctx, st)
}

// BuildSnapshot is the build's progress as its log says now.
func BuildSnapshot(st *BuildState) (BuildProgress, error) { return engine.Snapshot(st) }

// StopBuild asks the build in buildDir to stop, one level further than the
// last stop (force: to the second level at once).
func StopBuild(buildDir string, force bool) (StopResult, error) { return engine.Stop(buildDir, force) }

// WaitBuild waits until the build in buildDir has ended.
func WaitBuild(ctx context.Context, buildDir string) (*BuildState, error) {
	return engine.Wait(ctx, buildDir)
}

// Host checks (`fleetbake doctor`, the checks before a build).
type (
	HostCheck     = engine.Check
	DoctorOptions = engine.DoctorOptions
)

// The outcomes of a host check.
const (
	HostPass = engine.Pass
	HostFail = engine.Fail
)

// Doctor runs the host checks a BitBake build needs.
func Doctor(o DoctorOptions) []HostCheck { return engine.Doctor(o) }

// ConfChanges are the conf files generate would write (package generator).
type ConfChanges = generator.Changes

// PlanGenerate renders the conf files of p for the resolved layers res
// without writing them.
func PlanGenerate(p *model.Project, res *model.Resolution) (*ConfChanges, error) {
	return generator.Plan(p, res)
}

// ApplyGenerate writes the planned conf files.
func ApplyGenerate(c *ConfChanges) error { return generator.Apply(c) }

// The AWS side (package provision).
type (
	AWSProvisioner  = provision.Provisioner
	ProvisionPlan   = provision.Plan
	ProvisionEvent  = provision.Event
	ProvisionResult = provision.Result
)

// ProvisionRetrying: an event of a call waiting for IAM to propagate.
const ProvisionRetrying = provision.StatusRetrying

// What an engineer must know after apply and after a claim rotation.
const (
	ClaimKeyWarning    = provision.ClaimKeyWarning
	RebuildAfterRotate = provision.RebuildAfterRotate
)

// ErrConflict: a name is taken by a resource fleetbake did not create.
var ErrConflict = provision.ErrConflict
