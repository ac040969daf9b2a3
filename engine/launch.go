package engine

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// StartOptions says what to build and with which BitBake.
type StartOptions struct {
	// BuildDir is the BitBake build folder (created when missing).
	BuildDir string
	// Target is the image or recipe (several may be given separated by spaces).
	Target string
	// OEInit is the folder holding oe-init-build-env (poky or openembedded-core).
	OEInit string
	// BitBake is a plain BitBake checkout (holding bin/bitbake), used when
	// OEInit is empty: bitbake runs in BuildDir with BBPATH=BuildDir.
	BitBake string
	// Command, when set, replaces the bitbake command line entirely (the
	// target is appended). For tests that stand in a script for bitbake.
	Command []string
	// Env is extra environment for bitbake, KEY=VALUE.
	Env []string
	// Supervisor is the command that runs this package's supervisor (see
	// SuperviseEnv). Default: this executable, which must call
	// RunSupervisorIfRequested early.
	Supervisor []string
}

// Locate finds BitBake in the source folders (FindBitBake) and sets how
// Start runs it: through oe-init-build-env when OE is there, else a
// bitbake on PATH as a plain checkout (the folder holding bin/bitbake).
func (o *StartOptions) Locate(roots []string) error {
	loc, err := FindBitBake(roots)
	if err != nil {
		return err
	}
	o.OEInit = loc.OEInit
	if loc.OEInit == "" {
		o.BitBake = filepath.Dir(filepath.Dir(loc.BitBake))
	}
	return nil
}

// ErrBuildRunning is returned (wrapped, with the running build described)
// when a build folder already has a running build.
var ErrBuildRunning = errors.New("a build is already running in this build folder")

// SuperviseEnv names the environment variable that turns a fleetbake process
// into the supervisor of the build in the folder it names.
const SuperviseEnv = "FLEETBAKE_SUPERVISE"

// Start launches bitbake for opts.Target in its own session, with its output
// in LogPath(BuildDir) and its state in StatePath(BuildDir), and returns once
// bitbake is running. The build does not depend on the calling process: a
// supervisor process in the new session waits for bitbake and records its
// exit code, so closing fleetbake, SIGHUP or a dropped SSH session does not
// stop it.
func Start(opts StartOptions) (*State, error) {
	if err := validTarget(opts.Target); err != nil {
		return nil, err
	}
	buildDir, err := filepath.Abs(opts.BuildDir)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(buildDir, 0o755); err != nil {
		return nil, fmt.Errorf("cannot create build folder: %w", err)
	}
	command, err := bitbakeCommand(opts, buildDir)
	if err != nil {
		return nil, err
	}
	super := opts.Supervisor
	if len(super) == 0 {
		self, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("cannot find the fleetbake executable to supervise the build: %w", err)
		}
		super = []string{self}
	}

	unlock, err := lockPreviousEnded(buildDir)
	if err != nil {
		return nil, err
	}
	locked := true
	defer func() {
		if locked {
			unlock()
		}
	}()

	logPath := LogPath(buildDir)
	if _, err := os.Stat(logPath); err == nil {
		if err := os.Rename(logPath, logPath+".1"); err != nil {
			return nil, fmt.Errorf("cannot keep the previous build log: %w", err)
		}
	}
	// BitBake appends to an event log: start each build with a new one.
	if err := os.Rename(EventLogPath(buildDir), EventLogPath(buildDir)+".1"); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("cannot keep the previous event log: %w", err)
	}
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer logf.Close()

	st := &State{
		StartTime: time.Now().UTC().Truncate(time.Millisecond),
		Target:    opts.Target,
		BuildDir:  buildDir,
		LogPath:   logPath,
		Command:   command,
		Env:       opts.Env,
	}
	if err := writeState(buildDir, st); err != nil {
		return nil, err
	}

	ready, readyW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer ready.Close()
	cmd := exec.Command(super[0], super[1:]...)
	cmd.Dir = buildDir
	cmd.Env = append(withoutEnv(os.Environ(), SuperviseEnv), SuperviseEnv+"="+buildDir)
	cmd.Stdin = nil // /dev/null
	cmd.Stdout = logf
	cmd.Stderr = logf
	cmd.ExtraFiles = []*os.File{readyW}
	// A new session: no controlling terminal, so a hang-up of the user's
	// terminal or SSH connection never reaches the build.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		readyW.Close()
		return nil, fmt.Errorf("cannot start the build supervisor %s: %w", super[0], err)
	}
	readyW.Close()
	// Reap the supervisor if this process outlives it (the UI does).
	go cmd.Wait()

	st.SupervisorPID = cmd.Process.Pid
	st.SuperStart, _ = procStartTime(cmd.Process.Pid)
	if err := writeState(buildDir, st); err != nil {
		return nil, err
	}
	unlock()
	locked = false

	// The supervisor writes one line once bitbake runs, or closes the pipe
	// when it could not start it.
	lineCh := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(ready).ReadString('\n')
		lineCh <- line
	}()
	select {
	case line := <-lineCh:
		if !strings.HasPrefix(line, "ok") {
			s, _ := FindBuild(buildDir)
			if s != nil && s.Error != "" {
				return s, fmt.Errorf("bitbake did not start: %s (see %s)", s.Error, logPath)
			}
			return s, fmt.Errorf("bitbake did not start; see %s", logPath)
		}
	case <-time.After(30 * time.Second):
		return nil, fmt.Errorf("the build supervisor did not report within 30 s; see %s", logPath)
	}
	return FindBuild(buildDir)
}

// recordGrace is how long Start waits for the supervisor of a build whose
// bitbake has just exited to record its exit code (a variable for tests).
var recordGrace = 5 * time.Second

// lockPreviousEnded takes the build folder lock once the previous build (if
// any) has ended: refused while it runs, and waited for (briefly, with the
// lock released, since the supervisor needs it) while its supervisor is
// recording the exit code, so that supervisor never writes into the state of
// the new build.
func lockPreviousEnded(buildDir string) (unlock func(), err error) {
	deadline := time.Now().Add(recordGrace)
	for {
		unlock, err := lockBuildDir(buildDir)
		if err != nil {
			return nil, err
		}
		old, err := FindBuild(buildDir)
		switch {
		case errors.Is(err, ErrNoBuild):
			return unlock, nil
		case err != nil:
			unlock()
			return nil, err
		case old.Running() || (!old.Ended() && time.Now().After(deadline)):
			unlock()
			return nil, fmt.Errorf("%w: %s; follow it with `fleetbake build attach` or stop it with `fleetbake build stop`", ErrBuildRunning, old.Describe())
		case old.Ended():
			return unlock, nil
		}
		unlock()
		time.Sleep(50 * time.Millisecond)
	}
}

// validTarget refuses targets that could be read as bitbake options or that
// hold characters no recipe name has.
func validTarget(target string) error {
	fields := strings.Fields(target)
	if len(fields) == 0 {
		return errors.New("no build target: pass --target IMAGE or set image in fleetbake.toml")
	}
	for _, f := range fields {
		if f[0] == '-' {
			return fmt.Errorf("target %q starts with '-': give an image or recipe name such as core-image-minimal", f)
		}
		for _, c := range f {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("-_.+:", c)) {
				return fmt.Errorf("target %q has %q: recipe and image names use letters, digits and - _ . + :", f, c)
			}
		}
	}
	return nil
}

// bitbakeCommand builds the command the supervisor runs. Paths travel as
// positional parameters, never spliced into the script, so no path can
// inject shell syntax.
func bitbakeCommand(opts StartOptions, buildDir string) ([]string, error) {
	targets := strings.Fields(opts.Target)
	if len(opts.Command) > 0 {
		return append(append([]string(nil), opts.Command...), targets...), nil
	}
	// The event log carries the parse progress a non-terminal never sees
	// (eventlog.go). With -w, BitBake writes it there instead of OE's
	// BB_DEFAULT_EVENTLOG (tmp/log/eventlog/; setupEventLog in lib/bb/cooker.py).
	targets = append([]string{"-w", EventLogPath(buildDir)}, targets...)
	switch {
	case opts.OEInit != "":
		if _, err := os.Stat(filepath.Join(opts.OEInit, "oe-init-build-env")); err != nil {
			return nil, fmt.Errorf("no oe-init-build-env in %s: point sources at your poky or openembedded-core checkout", opts.OEInit)
		}
		script := `cd "$1" && source ./oe-init-build-env "$2" >/dev/null && shift 2 && exec bitbake "$@"`
		return append([]string{"bash", "-c", script, "fleetbake-bitbake", opts.OEInit, buildDir}, targets...), nil
	case opts.BitBake != "":
		if _, err := os.Stat(filepath.Join(opts.BitBake, "bin", "bitbake")); err != nil {
			return nil, fmt.Errorf("no bin/bitbake in %s: give a BitBake checkout", opts.BitBake)
		}
		// BBSERVER in the engineer's shell would make this bitbake a client
		// of another build's server (--remote-server defaults to it, bitbake
		// lib/bb/main.py); oe-init-build-env unsets it, and so does this.
		script := `cd "$2" && unset BBSERVER && export BBPATH="$2" PATH="$1/bin:$PATH" && shift 2 && exec bitbake "$@"`
		return append([]string{"bash", "-c", script, "fleetbake-bitbake", opts.BitBake, buildDir}, targets...), nil
	}
	return nil, errors.New("no BitBake to run: no oe-init-build-env found in the project's sources and no BitBake checkout given; run `fleetbake doctor`")
}

func withoutEnv(env []string, key string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if !strings.HasPrefix(kv, key+"=") {
			out = append(out, kv)
		}
	}
	return out
}
