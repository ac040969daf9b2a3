package cli

// `layers fetch` and its progress printer.

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/charmbracelet/x/term"

	"fleetbake/app"
	"fleetbake/model"
)

func runLayersFetch(env *cliEnv, args []string) error {
	flags := newFlags(env, "layers fetch")
	history := flags.Bool("history", false, "clone whole histories, and deepen the shallow checkouts already there (default: shallow, only the pinned or branch-head commit)")
	jobs := flags.Int("jobs", model.DefaultFetchJobs, "repositories fetched at once")
	if err := flags.Parse(args); err != nil {
		return err
	}
	if flags.NArg() > 0 {
		return &exitError{code: 2, err: fmt.Errorf("layers fetch: unexpected argument %q", flags.Arg(0))}
	}
	if *jobs < 1 {
		return &exitError{code: 2, err: fmt.Errorf("--jobs %d: expected 1 or more (repositories fetched at once)", *jobs)}
	}
	if _, err := os.Stat(env.configPath); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("no project file at %s: run `fleetbake init` first (it records the release to fetch), or pass --config", env.configPath)
	}
	p, err := app.Open(env.configPath)
	if err != nil {
		return err
	}
	// SIGHUP too: a dropped SSH session then cleans up as Ctrl-C does,
	// instead of leaving the unfinished clones for the next run to remove.
	ctx, stop := sessionContext()
	defer stop()
	pr := newFetchPrinter(env.stdout, outputIsTerminal(env.stdout))
	res, err := app.FetchProject(ctx, p, app.FetchOptions{History: *history, Jobs: *jobs, Events: pr.event},
		func(w string) { fmt.Fprintln(env.stderr, "fleetbake: "+model.PrintableLines(w)) })
	pr.finish()
	if ctx.Err() != nil {
		fmt.Fprintln(env.stderr, "fleetbake: fetch interrupted; nothing half-made was kept: run `fleetbake layers fetch` again to resume")
		return &exitError{code: 130}
	}
	if err != nil {
		return err
	}
	if res.Cloned+res.Restored+res.Deepened == 0 && res.Unresolved == nil {
		fmt.Fprintln(env.stdout, "Every layer is already on disk; nothing to fetch.")
	}
	if res.Unresolved != nil {
		return res.Unresolved
	}
	fmt.Fprintln(env.stdout, "All layers of the project are on disk.")
	return nil
}

// fetchPrinter shows a fetch: on a terminal one line per repository,
// redrawn in place (at most ten times a second); otherwise plain lines,
// with a repository's progress at most every 10 s so a CI log stays short.
type fetchPrinter struct {
	w       io.Writer
	tty     bool
	width   int
	order   []string          // repositories in the order they appeared
	state   map[string]string // repository -> its line
	drawn   int               // lines of the block on screen
	last    map[string]time.Time
	drawnAt time.Time
}

func newFetchPrinter(w io.Writer, tty bool) *fetchPrinter {
	pr := &fetchPrinter{w: w, tty: tty, width: 100, state: map[string]string{}, last: map[string]time.Time{}}
	if f, ok := w.(*os.File); ok && tty {
		if cols, _, err := term.GetSize(f.Fd()); err == nil && cols > 20 {
			pr.width = cols
		}
	}
	return pr
}

// event takes one fetch event (model.Fetch calls it one at a time).
func (pr *fetchPrinter) event(e app.FetchEvent) {
	line := model.Printable(e.String())
	if !pr.tty {
		if e.Stage == model.FetchProgress {
			if time.Since(pr.last[e.Repo]) < 10*time.Second {
				return
			}
			pr.last[e.Repo] = time.Now()
		}
		fmt.Fprintln(pr.w, line)
		return
	}
	if _, ok := pr.state[e.Repo]; !ok {
		pr.order = append(pr.order, e.Repo)
	}
	switch e.Stage {
	case model.FetchProgress:
		pr.state[e.Repo] = line
		if time.Since(pr.drawnAt) < 100*time.Millisecond {
			return
		}
	case model.FetchNote, model.FetchFailed:
		// Kept above the block: a note or an error must stay readable.
		pr.clear()
		fmt.Fprintln(pr.w, line)
		if e.Stage == model.FetchFailed {
			pr.state[e.Repo] = e.Repo + ": failed"
		}
	default:
		pr.state[e.Repo] = line
	}
	pr.draw()
}

// clear moves the cursor to the first line of the block and erases it.
func (pr *fetchPrinter) clear() {
	if pr.drawn > 0 {
		fmt.Fprintf(pr.w, "\x1b[%dA\x1b[J", pr.drawn)
		pr.drawn = 0
	}
}

func (pr *fetchPrinter) draw() {
	pr.clear()
	var b strings.Builder
	for _, repo := range pr.order {
		line := pr.state[repo]
		// A wrapped line would break the count of lines to move up.
		if r := []rune(line); len(r) > pr.width-1 {
			line = string(r[:pr.width-2]) + "…"
		}
		b.WriteString(line + "\n")
	}
	io.WriteString(pr.w, b.String())
	pr.drawn = len(pr.order)
	pr.drawnAt = time.Now()
}

// finish leaves the last state of every line on screen.
func (pr *fetchPrinter) finish() {
	if pr.tty && len(pr.order) > 0 {
		pr.draw()
	}
}
