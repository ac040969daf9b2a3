package cli

import (
	"bytes"
	"errors"
	"fmt"
	"log"
	"os"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/term"

	"fleetbake/app"
	"fleetbake/ui"
)

// runUI opens the wizard; with --accessible or TERM=dumb it asks the same
// questions as plain prompts. It refuses to draw a UI when stdout (or, for
// the full UI, stdin) is not a terminal and names the subcommands to use
// instead. Once the UI has ended it writes the last answer if its save had
// not run yet.
func runUI(env *cliEnv, args []string) error {
	fs := newFlags(env, "ui")
	accessible := fs.Bool("accessible", false, "ask the questions as plain prompts, one per line (also with TERM=dumb or ACCESSIBLE=1)")
	endpoint := fs.String("endpoint-url", "", "send every AWS call to this endpoint (LocalStack, tests); AWS_ENDPOINT_URL works too")
	profile := fs.String("profile", "", "AWS shared-config profile (default: the usual credential chain)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	plain := *accessible || os.Getenv("TERM") == "dumb" || os.Getenv("ACCESSIBLE") != ""
	if !*accessible && (!isTerminal(env.stdout) || !plain && !isTerminal(env.stdin)) {
		what := "output"
		if isTerminal(env.stdout) {
			what = "input"
		}
		fmt.Fprintf(env.stderr, "fleetbake: standard %s is not a terminal, so the UI does not start.\n", what)
		fmt.Fprintln(env.stderr, "Run one step at a time instead:")
		for _, c := range subcommands(env) {
			fmt.Fprintf(env.stderr, "  fleetbake %-24s %s\n", c.name, c.summary)
		}
		fmt.Fprintln(env.stderr, "or `fleetbake ui --accessible` for plain prompts.")
		return &exitError{code: 2}
	}

	p, existing, err := app.OpenOrNew(env.configPath)
	if err != nil {
		return err
	}
	ro := ui.RealOptions{AWS: app.AWSOptions{EndpointURL: *endpoint, Profile: *profile}}
	if testCmd := os.Getenv(bitbakeCmdEnv); testCmd != "" {
		ro.BuildCommand = []string{testCmd} // as `fleetbake build` does (test/e2e-tmux.sh)
	}
	svc := ui.Real(ro)
	if plain {
		return ui.RunAccessible(ui.AccessibleOptions{In: env.stdin, Out: env.stdout, Services: svc, Project: p, Existing: existing})
	}

	m := ui.New(ui.Options{Services: svc, Project: p, Existing: existing, NoColor: os.Getenv("NO_COLOR") != "", Dark: true})
	prog := tea.NewProgram(m, tea.WithInput(env.stdin), tea.WithOutput(env.stdout))
	release := holdStderr()
	_, err = prog.Run()
	if held := release(); len(held) > 0 {
		env.stderr.Write(held)
	}
	if cerr := m.Close(); cerr != nil {
		fmt.Fprintln(env.stderr, "fleetbake: could not save your last answer:", cerr)
	}
	if err != nil && !errors.Is(err, tea.ErrInterrupted) {
		return err
	}
	if f := m.Farewell(); f != "" {
		fmt.Fprintln(env.stdout, f)
	}
	if code := m.ExitCode(); code != 0 {
		return &exitError{code: code}
	}
	return nil
}

// holdStderr keeps what the process writes to os.Stderr (and through the
// log package) while the UI owns the terminal: a library's warning there
// would land in the middle of the screen and scroll it. (The AWS SDK's own
// log, its IMDS fallback warning, is discarded at the source: see
// provision.New.) The returned function
// puts stderr back and returns what was held, to be printed once the UI has
// closed. It keeps the first 64 KiB.
func holdStderr() (release func() []byte) {
	orig := os.Stderr
	r, w, err := os.Pipe()
	if err != nil {
		return func() []byte { return nil }
	}
	os.Stderr = w
	log.SetOutput(w)
	var held bytes.Buffer
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 4096)
		for {
			n, err := r.Read(buf)
			if room := 64<<10 - held.Len(); room > 0 {
				held.Write(buf[:min(n, room)])
			}
			if err != nil {
				return
			}
		}
	}()
	return func() []byte {
		os.Stderr = orig
		log.SetOutput(orig)
		w.Close()
		<-done
		r.Close()
		return held.Bytes()
	}
}

func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(f.Fd())
}

// subcommands are the commands that do one step, in the table's order.
func subcommands(env *cliEnv) []command {
	var out []command
	for _, c := range env.commands {
		if c.name != "ui" && c.name != "version" {
			out = append(out, c)
		}
	}
	return out
}
