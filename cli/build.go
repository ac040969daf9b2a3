package cli

// Subcommands of the build engine: `build`, `build attach`, `build stop`,
// `build status`.

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/charmbracelet/x/term"

	"fleetbake/app"
)

// bitbakeCmdEnv replaces bitbake with another program (tests only: a script
// that prints BitBake's output, or a wrapper around a plain BitBake checkout).
const bitbakeCmdEnv = "FLEETBAKE_BITBAKE_CMD"

// buildDirOf parses the flags of a build subcommand that acts on the build
// already started (attach, stop, status), then loads and validates the
// project and returns its build folder.
func buildDirOf(env *cliEnv, flags *flag.FlagSet, args []string) (string, error) {
	if err := flags.Parse(args); err != nil {
		return "", err
	}
	p, err := app.Open(env.configPath)
	if err != nil {
		return "", err
	}
	return p.Abs(p.BuildDir), nil
}

func runBuild(env *cliEnv, args []string) error {
	flags := newFlags(env, "build")
	target := flags.String("target", "", "image or recipe to build (default: image in fleetbake.toml)")
	detach := flags.Bool("detach", false, "start the build and return; follow it later with `fleetbake build attach`")
	noChecks := flags.Bool("no-checks", false, "start even when host checks fail (OE's own sanity checks still run)")
	if err := flags.Parse(args); err != nil {
		return err
	}
	if flags.NArg() > 0 {
		return fmt.Errorf("build: unexpected argument %q; give the image with --target", flags.Arg(0))
	}
	p, err := app.Open(env.configPath)
	if err != nil {
		return err
	}
	if st, err := app.FindBuild(p.Abs(p.BuildDir)); err == nil && st.Running() {
		return fmt.Errorf("%w: %s; follow it with `fleetbake build attach` or stop it with `fleetbake build stop`", app.ErrBuildRunning, st.Describe())
	}
	if !*noChecks {
		checks, err := app.StartChecks(p)
		printChecks(env.stdout, checks, false)
		if err != nil {
			// The checks above say what failed and the fix: the error only
			// counts them (its own text repeats them, for the screens).
			return &exitError{code: 1, err: fmt.Errorf("the build cannot start: %d of the checks above failed; fix them, or pass --no-checks to start anyway", failedChecks(checks))}
		}
	}
	opts := app.BuildOptions{Target: *target}
	if testCmd := os.Getenv(bitbakeCmdEnv); testCmd != "" {
		opts.Command = []string{testCmd}
	}
	st, err := app.StartBuild(p, opts)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "started bitbake %s (pid %d) in %s\nlog: %s\n", st.Target, st.PID, st.BuildDir, st.LogPath)
	fmt.Fprintln(env.stdout, "The build runs on if this terminal or SSH session goes away: `fleetbake build attach` follows it again, `fleetbake build stop` stops it.")
	if *detach {
		return nil
	}
	return followBuild(env, st)
}

// startOneHint adds what to do to "no build in this folder", the same for
// attach, stop and status.
func startOneHint(err error) error {
	if errors.Is(err, app.ErrNoBuild) {
		return fmt.Errorf("%w; start one with `fleetbake build`", err)
	}
	return err
}

func runBuildAttach(env *cliEnv, args []string) error {
	buildDir, err := buildDirOf(env, newFlags(env, "build attach"), args)
	if err != nil {
		return err
	}
	st, err := app.FindBuild(buildDir)
	if err != nil {
		return startOneHint(err)
	}
	if !st.Running() {
		fmt.Fprintln(env.stdout, st.Describe())
	}
	return followBuild(env, st)
}

// followBuild prints the build's progress until it ends or the user
// detaches (Ctrl-C, hang-up), and returns BitBake's exit code.
func followBuild(env *cliEnv, st *app.BuildState) error {
	ctx, stop := sessionContext()
	defer stop()
	pr := newProgressPrinter(env.stdout, outputIsTerminal(env.stdout))
	if st.ExitCode != nil {
		pr.endedAt = st.EndTime
	}
	var last app.BuildProgress
	for p := range app.FollowBuild(ctx, st) {
		pr.update(p)
		last = p
	}
	pr.clear()
	if ctx.Err() != nil && !last.Ended() {
		fmt.Fprintln(env.stdout, "\ndetached: the build goes on. `fleetbake build attach` follows it again; `fleetbake build stop` stops it.")
		return &exitError{code: 130}
	}
	pr.final(last)
	switch {
	case last.Stale:
		return &exitError{code: 1, err: errors.New("bitbake is gone and no exit code was recorded (killed, or the machine rebooted); see " + st.LogPath)}
	case last.ExitCode != nil && *last.ExitCode != 0:
		return &exitError{code: *last.ExitCode}
	}
	return nil
}

func runBuildStop(env *cliEnv, args []string) error {
	flags := newFlags(env, "build stop")
	force := flags.Bool("force", false, "kill running tasks now (BitBake's second Ctrl-C)")
	timeout := flags.Duration("timeout", 10*time.Minute, "wait this long for running tasks to finish, then escalate (0: do not wait)")
	buildDir, err := buildDirOf(env, flags, args)
	if err != nil {
		return err
	}
	res, err := app.StopBuild(buildDir, *force)
	if err != nil {
		return startOneHint(err)
	}
	printStopLevel(env.stdout, res)
	if *timeout == 0 {
		return nil
	}
	ctx, cancel := sessionContext()
	defer cancel()
	// Wait for the build to end; on timeout climb one level, and give a
	// forced stop a minute before terminating.
	wait := *timeout
	for {
		wctx, wcancel := context.WithTimeout(ctx, wait)
		st, err := app.WaitBuild(wctx, buildDir)
		wcancel()
		if err == nil {
			fmt.Fprintln(env.stdout, st.Describe())
			return nil
		}
		if ctx.Err() != nil {
			fmt.Fprintln(env.stdout, "stopped waiting; the stop request stands (`fleetbake build status` shows where it is)")
			return &exitError{code: 130}
		}
		if !errors.Is(err, context.DeadlineExceeded) || res.Level >= app.StopTerminate {
			return fmt.Errorf("the build has not ended yet: %w", err)
		}
		fmt.Fprintf(env.stdout, "still running after %v: escalating\n", wait)
		if res, err = app.StopBuild(buildDir, true); err != nil {
			if errors.Is(err, app.ErrNotRunning) {
				continue
			}
			return err
		}
		printStopLevel(env.stdout, res)
		wait = time.Minute
	}
}

func printStopLevel(w io.Writer, res app.StopResult) {
	switch res.Level {
	case app.StopGentle:
		fmt.Fprintln(w, "sent SIGINT to bitbake: no new tasks start, running tasks finish (run `fleetbake build stop` again to kill them)")
	case app.StopForce:
		fmt.Fprintln(w, "sent bitbake a second SIGINT: it kills the running tasks and exits")
	default:
		fmt.Fprintln(w, "sent SIGTERM to bitbake's process group and the bitbake server")
	}
}

func runBuildStatus(env *cliEnv, args []string) error {
	buildDir, err := buildDirOf(env, newFlags(env, "build status"), args)
	if err != nil {
		return err
	}
	st, err := app.FindBuild(buildDir)
	if err != nil {
		return startOneHint(err)
	}
	p, err := app.BuildSnapshot(st)
	if err != nil {
		return fmt.Errorf("cannot read the build log: %w", err)
	}
	w := env.stdout
	state := "running"
	switch {
	case p.Stale:
		state = "failed: bitbake is gone and no exit code was recorded"
	case p.ExitCode != nil && *p.ExitCode == 0:
		state = p.Outcome()
	case p.ExitCode != nil:
		state = fmt.Sprintf("%s (exit code %d)", p.Outcome(), *p.ExitCode)
	}
	fmt.Fprintf(w, "build:    bitbake %s, %s\n", st.Target, state)
	fmt.Fprintf(w, "phase:    %s\n", phaseText(p))
	fmt.Fprintf(w, "started:  %s (elapsed %s)\n", st.StartTime.Local().Format(time.DateTime), fmtDuration(p.Elapsed))
	if p.ETA > 0 {
		fmt.Fprintf(w, "eta:      ~%s\n", fmtDuration(p.ETA))
	}
	if len(p.Running) > 0 {
		fmt.Fprintf(w, "running:  %s\n", strings.Join(p.Running, ", "))
	}
	if p.Warnings+p.Errors > 0 {
		fmt.Fprintf(w, "messages: %d warnings, %d errors\n", p.Warnings, p.Errors)
	}
	if len(p.ErrorMessages) > 0 {
		fmt.Fprintln(w)
		for _, m := range p.ErrorMessages {
			printErrorMessage(w, m)
		}
		fmt.Fprintln(w)
	}
	for _, f := range p.Failures {
		fmt.Fprintln(w, "failed:")
		printFailure(w, "  ", f)
	}
	fmt.Fprintf(w, "log:      %s\n", st.LogPath)
	switch {
	case p.Stale:
		return &exitError{code: 1}
	case p.ExitCode != nil:
		return &exitError{code: *p.ExitCode}
	}
	return nil
}

func fmtDuration(d time.Duration) string {
	d = d.Round(time.Second)
	h, m, s := int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60
	switch {
	case h > 0:
		return fmt.Sprintf("%dh%02dm", h, m)
	case m > 0:
		return fmt.Sprintf("%dm%02ds", m, s)
	}
	return fmt.Sprintf("%ds", s)
}

func outputIsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(f.Fd())
}

// progressPrinter prints a build's progress as text: one line per phase
// change and per failure, and a status line (redrawn in place on a
// terminal, every 30 s otherwise, so logs of a CI job stay short).
type progressPrinter struct {
	w          io.Writer
	tty        bool
	phase      app.BuildPhase
	step       string
	failures   int
	errors     int // ERROR messages printed
	lastStatus time.Time
	drawn      bool
	// endedAt is when the build ended, for a build that had ended before
	// it was attached: its lines are then stamped with that time, not the
	// time of the attach (knotty's lines carry no time of their own).
	endedAt *time.Time
}

func newProgressPrinter(w io.Writer, tty bool) *progressPrinter {
	return &progressPrinter{w: w, tty: tty, phase: -1}
}

func (pr *progressPrinter) update(p app.BuildProgress) {
	// The line of the last phase waits for bitbake's exit, which says
	// whether it is done, failed or stopped.
	if (p.Phase != pr.phase || (p.Step != pr.step && p.Step != "")) && (p.Phase != app.PhaseDone || p.Ended()) {
		pr.clear()
		at := time.Now()
		if pr.endedAt != nil {
			at = pr.endedAt.Local()
		}
		fmt.Fprintf(pr.w, "[%s] %s\n", at.Format("15:04:05"), phaseText(p))
		pr.phase, pr.step = p.Phase, p.Step
	}
	// An ERROR message is printed once the next one exists (its context
	// lines are then complete); the last one with the final lines.
	for ; pr.errors < len(p.ErrorMessages)-1; pr.errors++ {
		pr.clear()
		printErrorMessage(pr.w, p.ErrorMessages[pr.errors])
	}
	for ; pr.failures < len(p.Failures); pr.failures++ {
		f := p.Failures[pr.failures]
		pr.clear()
		if f.ExitCode >= 0 { // -1: known only from BitBake's summary
			fmt.Fprintf(pr.w, "FAILED (exit code %d) ", f.ExitCode)
		} else {
			fmt.Fprint(pr.w, "FAILED ")
		}
		printFailure(pr.w, "", f)
	}
	every := 30 * time.Second
	if pr.tty {
		every = 250 * time.Millisecond
	}
	if p.Ended() || time.Since(pr.lastStatus) < every {
		return
	}
	pr.lastStatus = time.Now()
	line := phaseText(p) + ", " + fmtDuration(p.Elapsed)
	if p.ETA > 0 {
		line += ", ETA ~" + fmtDuration(p.ETA)
	}
	if len(p.Running) > 0 {
		line += ": " + strings.Join(p.Running, ", ")
	}
	if pr.tty {
		if len(line) > 150 {
			line = line[:147] + "..."
		}
		fmt.Fprintf(pr.w, "\r\033[K%s", line)
		pr.drawn = true
	} else {
		fmt.Fprintln(pr.w, line)
	}
}

func (pr *progressPrinter) clear() {
	if pr.drawn {
		fmt.Fprint(pr.w, "\r\033[K")
		pr.drawn = false
	}
}

func (pr *progressPrinter) final(p app.BuildProgress) {
	for ; pr.errors < len(p.ErrorMessages); pr.errors++ {
		printErrorMessage(pr.w, p.ErrorMessages[pr.errors])
	}
	if p.Summary != "" {
		fmt.Fprintln(pr.w, p.Summary)
	}
	if p.Warnings+p.Errors > 0 {
		fmt.Fprintf(pr.w, "%d warnings, %d errors\n", p.Warnings, p.Errors)
	}
	if p.LogError != "" {
		fmt.Fprintf(pr.w, "fleetbake: %s\n", p.LogError)
	}
	if p.ExitCode != nil {
		fmt.Fprintf(pr.w, "%s: bitbake exited with code %d after %s; log: %s\n", p.Outcome(), *p.ExitCode, fmtDuration(p.Elapsed), p.LogPath)
	}
}
