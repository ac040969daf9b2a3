package cli

// `layers lock` and the pin report of `layers`.

import (
	"context"
	"fmt"
	"io"

	"fleetbake/model"
)

// jsonPin is one checkout against its pin in `layers --json`.
type jsonPin struct {
	Repo  string `json:"repo"` // the [pins] key
	Pin   string `json:"pin,omitempty"`
	Head  string `json:"head,omitempty"`
	State string `json:"state"`           // ok, moved, dirty, "moved, dirty", missing, unpinned, unreadable
	Error string `json:"error,omitempty"` // unreadable: git's reason
}

func runLayersLock(env *cliEnv, args []string) error {
	flags := newFlags(env, "layers lock")
	if err := flags.Parse(args); err != nil {
		return err
	}
	if flags.NArg() > 0 {
		return fmt.Errorf("layers lock: unexpected argument %q", flags.Arg(0))
	}
	p, err := model.Load(env.configPath)
	if err != nil {
		return err
	}
	w, err := model.Discover(p.SourceRoots()...)
	if err != nil {
		return err
	}
	res, err := model.Resolve(p, w)
	if err != nil {
		// Pinning a layer set that cannot build would record a broken state.
		return fmt.Errorf("the layer set does not resolve, so nothing was pinned:\n%v", err)
	}
	if len(res.NotOnDisk) > 0 {
		return fmt.Errorf("%d layer(s) not on disk (%s first): run `fleetbake layers fetch`, then lock", len(res.NotOnDisk), res.NotOnDisk[0].Name)
	}
	ctx, stop := signalContext()
	defer stop()
	pins, err := model.Lock(ctx, p, res)
	if err != nil {
		return err
	}
	if _, err := p.SaveUpdate(func(q *model.Project) { q.Pins = pins }); err != nil {
		return err
	}
	p.Pins = pins
	for _, s := range model.CheckPins(ctx, p, res) {
		line := fmt.Sprintf("pinned %s at %s", s.Key, s.Pin)
		if s.Dirty {
			line += " (it has uncommitted changes, which the pin does not hold)"
		}
		fmt.Fprintln(env.stdout, line)
	}
	for _, l := range model.LayersOutsideGit(res) {
		fmt.Fprintf(env.stdout, "not pinned: layer %s at %s is in no git checkout; `export kas` and `export bitbake-setup` name its branch, whose newest commit may differ from these files: replace it with a git clone (move it aside, then `fleetbake layers fetch`) to pin it\n",
			model.PrintableLines(l.Name), model.PrintableLines(model.PinKey(p, l.Path)))
	}
	return nil
}

// pinReport compares the project's pins with the checkouts.
func pinReport(p *model.Project, res *model.Resolution) []jsonPin {
	out := []jsonPin{}
	for _, s := range model.CheckPins(context.Background(), p, res) {
		jp := jsonPin{Repo: s.Key, Pin: s.Pin, Head: s.Head, State: s.State()}
		if s.Unreadable != nil {
			jp.Error = s.Unreadable.Error()
		}
		out = append(out, jp)
	}
	return out
}

// printPins writes the pin section of `layers`: nothing when no pin is set.
func printPins(out io.Writer, pins []jsonPin) {
	pinned := 0
	for _, s := range pins {
		if s.Pin != "" {
			pinned++
		}
	}
	if pinned == 0 {
		return
	}
	fmt.Fprintln(out, "  pins (fleetbake.toml [pins]):")
	for _, s := range pins {
		switch s.State {
		case "ok":
			fmt.Fprintf(out, "    %s at %s\n", s.Repo, short(s.Pin))
		case "unreadable":
			fmt.Fprintf(out, "    %s unreadable: %s\n", s.Repo, s.Error)
		case "missing":
			fmt.Fprintf(out, "    %s missing (pinned %s): run `fleetbake layers fetch`\n", s.Repo, short(s.Pin))
		case "unpinned":
			fmt.Fprintf(out, "    %s unpinned (at %s): run `fleetbake layers lock`\n", s.Repo, short(s.Head))
		default:
			fmt.Fprintf(out, "    %s %s: at %s, pinned %s\n", s.Repo, s.State, short(s.Head), short(s.Pin))
		}
	}
}

func short(commit string) string {
	if len(commit) > 12 {
		return commit[:12]
	}
	return commit
}
