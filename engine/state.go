package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"fleetbake/model"
)

// Files fleetbake keeps in the build folder.
const (
	StateFile = "fleetbake-build.json"
	LogFile   = "fleetbake-build.log"
)

// StatePath is the state file of the build folder.
func StatePath(buildDir string) string { return filepath.Join(buildDir, StateFile) }

// LogPath is the log of the current (or last) build in the build folder;
// the one before it is kept as LogPath+".1".
func LogPath(buildDir string) string { return filepath.Join(buildDir, LogFile) }

// State is what fleetbake records about a build so that any later fleetbake,
// in any session, finds it: written atomically, read without locks.
type State struct {
	// PID is bitbake's (the knotty UI) process; PGID its process group, which
	// is the supervisor's session.
	PID  int `json:"pid"`
	PGID int `json:"pgid"`
	// ProcStart is bitbake's start time from /proc/<pid>/stat, to tell a
	// reused pid from our process.
	ProcStart     uint64 `json:"proc_start"`
	SupervisorPID int    `json:"supervisor_pid"`
	SuperStart    uint64 `json:"supervisor_start"`

	StartTime time.Time `json:"start_time"`
	Target    string    `json:"target"`
	BuildDir  string    `json:"build_dir"`
	LogPath   string    `json:"log_path"`
	// Command is what the supervisor runs (bash -c '... exec bitbake ...').
	Command []string `json:"command"`
	Env     []string `json:"env,omitempty"`

	// StopRequests counts `fleetbake build stop` calls; LastStop is the last one.
	StopRequests int        `json:"stop_requests,omitempty"`
	LastStop     *time.Time `json:"last_stop,omitempty"`

	// ExitCode is set by the supervisor when bitbake has ended (BitBake's
	// code; 128+N when killed by signal N).
	ExitCode *int       `json:"exit_code,omitempty"`
	EndTime  *time.Time `json:"end_time,omitempty"`
	// Error is set when bitbake could not be started at all.
	Error string `json:"error,omitempty"`
}

// Running reports whether bitbake is still running: no exit code yet and
// the recorded process is alive (same pid, same start time).
func (s *State) Running() bool {
	if s.ExitCode != nil {
		return false
	}
	if sameProcess(s.PID, s.ProcStart) {
		return true
	}
	// Between launch and the supervisor recording bitbake's pid.
	return s.PID == 0 && sameProcess(s.SupervisorPID, s.SuperStart)
}

// Stale reports a build that never recorded an exit code although neither
// bitbake nor its supervisor is alive (killed, machine rebooted).
//
// s was read before the processes are checked, so a supervisor can have
// recorded the exit code and exited in between: finding both gone says
// nothing until the state file is read again. The supervisor records before
// it exits, so that second read has the final word.
func (s *State) Stale() bool {
	if !s.gone() {
		return false
	}
	if cur, err := s.reread(); err == nil && cur.sameBuild(s) && cur.ExitCode != nil {
		return false
	}
	return true
}

// gone: no exit code in s, and neither bitbake nor the supervisor is alive
// now. Only a re-read of the state file tells stale from just recorded.
func (s *State) gone() bool {
	return s.ExitCode == nil && !s.Running() && !sameProcess(s.SupervisorPID, s.SuperStart)
}

// reread reads the state file s was read from.
func (s *State) reread() (*State, error) {
	if s.BuildDir == "" {
		return nil, ErrNoBuild
	}
	return readState(s.BuildDir)
}

// sameBuild reports whether s and o describe the same build (the test the
// supervisor applies before each of its writes).
func (s *State) sameBuild(o *State) bool {
	return s.StartTime.Equal(o.StartTime) && s.Target == o.Target
}

// Ended reports whether the build is over, with an exit code or stale.
func (s *State) Ended() bool { return s.ExitCode != nil || s.Stale() }

// Describe is one line about the build for messages.
func (s *State) Describe() string {
	switch {
	case s.ExitCode != nil:
		return fmt.Sprintf("build of %s started %s ended with exit code %d (log %s)", s.Target, s.StartTime.Format(time.DateTime), *s.ExitCode, s.LogPath)
	case s.Running():
		return fmt.Sprintf("build of %s is running since %s (bitbake pid %d, log %s)", s.Target, s.StartTime.Format(time.DateTime), s.PID, s.LogPath)
	case !s.Stale():
		return fmt.Sprintf("build of %s started %s has just ended; its exit code is being recorded (log %s)", s.Target, s.StartTime.Format(time.DateTime), s.LogPath)
	default:
		return fmt.Sprintf("build of %s started %s is stale: bitbake (pid %d) is gone and recorded no exit code (log %s)", s.Target, s.StartTime.Format(time.DateTime), s.PID, s.LogPath)
	}
}

// ErrNoBuild is returned (wrapped) when a build folder has no build state.
var ErrNoBuild = errors.New("no fleetbake build has been started in this build folder")

// FindBuild reads the state of the build in buildDir: running, finished or
// stale. It returns an error wrapping ErrNoBuild when there is none.
func FindBuild(buildDir string) (*State, error) {
	s, err := readState(buildDir)
	if err != nil {
		return nil, err
	}
	if s.gone() {
		// Both processes gone, but checked after the read: the supervisor
		// may have recorded the exit code just before it exited. Read again
		// so callers get that exit code rather than a build that looks stale.
		if cur, err := readState(buildDir); err == nil {
			return cur, nil
		}
	}
	return s, nil
}

// readState reads and decodes the state file, nothing more.
func readState(buildDir string) (*State, error) {
	data, err := os.ReadFile(StatePath(buildDir))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%s: %w", buildDir, ErrNoBuild)
		}
		return nil, err
	}
	s := &State{}
	if err := json.Unmarshal(data, s); err != nil {
		return nil, fmt.Errorf("%s is damaged (%v): remove it if no build is running", StatePath(buildDir), err)
	}
	if afterStateRead != nil {
		afterStateRead()
	}
	return s, nil
}

// afterStateRead, when set (by tests only), runs right after the state file
// has been read: the window in which a supervisor can record the exit code
// and exit before the build is judged.
var afterStateRead func()

func writeState(buildDir string, s *State) error {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return model.WriteFileAtomic(StatePath(buildDir), append(data, '\n'), 0o644)
}

// lockBuildDir takes the build folder's lock (model.LockDir, waiting as
// long as another holds it), so that starting, stopping and the
// supervisor's final write never interleave their read-modify-write of the
// state file. The lock is held by an open file, so a crash releases it.
func lockBuildDir(buildDir string) (unlock func(), err error) {
	l, err := model.LockDir(buildDir, model.Forever)
	if err != nil {
		return nil, err
	}
	return l.Unlock, nil
}

// updateState applies change to the state file under the build folder lock.
func updateState(buildDir string, change func(*State) error) (*State, error) {
	// No folder, no build: say so, rather than that its lock file is missing.
	if _, err := os.Stat(buildDir); errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%s: %w", buildDir, ErrNoBuild)
	}
	unlock, err := lockBuildDir(buildDir)
	if err != nil {
		return nil, err
	}
	defer unlock()
	s, err := FindBuild(buildDir)
	if err != nil {
		return nil, err
	}
	if err := change(s); err != nil {
		return s, err
	}
	return s, writeState(buildDir, s)
}
