package cli

// Subcommands of the layer area: `layers` and `init` (`layers lock` is in
// lock.go, `layers fetch` in fetch.go).

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"fleetbake/app"
	"fleetbake/model"
)

// layersReport is the --json form of `fleetbake layers`.
type layersReport struct {
	Project    string        `json:"project,omitempty"` // project file, "" when none
	Roots      []string      `json:"roots"`
	Release    string        `json:"release"`
	Generation string        `json:"generation"`
	Layers     []jsonLayer   `json:"layers"`
	Problems   []string      `json:"problems"`
	Catalog    []jsonLayer   `json:"catalog,omitempty"` // only when nothing is on disk
	Resolution *jsonResolved `json:"resolution,omitempty"`
}

type jsonLayer struct {
	Name         string   `json:"name"`
	Collection   string   `json:"collection"`
	Priority     int      `json:"priority"`
	Version      string   `json:"version,omitempty"`
	Path         string   `json:"path,omitempty"`
	OnDisk       bool     `json:"on_disk"`
	Depends      []string `json:"depends"`
	Recommends   []string `json:"recommends,omitempty"`
	SeriesCompat []string `json:"series_compat"`
	Machines     []string `json:"machines,omitempty"`
	Distros      []string `json:"distros,omitempty"`
	Images       []string `json:"images,omitempty"`
	GitURL       string   `json:"git_url,omitempty"`
	Subdir       string   `json:"subdir,omitempty"`
	AddedBy      string   `json:"added_by,omitempty"`
}

type jsonResolved struct {
	Release      string      `json:"release"`
	Generation   string      `json:"generation"`
	Layers       []jsonLayer `json:"layers"`
	NotOnDisk    []string    `json:"not_on_disk"`
	Missing      []string    `json:"missing"`
	Incompatible []string    `json:"incompatible"`
	Pins         []jsonPin   `json:"pins"` // each layer checkout against fleetbake.toml [pins]
	Notes        []string    `json:"notes,omitempty"`
	Error        string      `json:"error,omitempty"`
}

func toJSONLayer(l *model.Layer) jsonLayer {
	j := jsonLayer{Name: l.Name, Collection: l.Collection, Priority: l.Priority, Version: l.Version, Path: l.Path,
		OnDisk: l.OnDisk, SeriesCompat: l.SeriesCompat, Distros: l.Distros, Images: l.Images, GitURL: l.GitURL, Subdir: l.Subdir,
		Depends: []string{}}
	if j.SeriesCompat == nil {
		j.SeriesCompat = []string{}
	}
	for _, d := range l.Depends {
		j.Depends = append(j.Depends, depString(d))
	}
	for _, d := range l.Recommends {
		j.Recommends = append(j.Recommends, depString(d))
	}
	for _, m := range l.Machines {
		j.Machines = append(j.Machines, m.Name)
	}
	return j
}

func depString(d model.Dependency) string {
	if d.Constraint == "" {
		return d.Collection
	}
	return d.Collection + " (" + d.Constraint + ")"
}

func runLayers(env *cliEnv, args []string) error {
	flags := newFlags(env, "layers")
	asJSON := flags.Bool("json", false, "print a JSON report for scripts")
	if err := flags.Parse(args); err != nil {
		return err
	}
	if flags.NArg() > 0 {
		return fmt.Errorf("layers: unexpected argument %q (did you mean `fleetbake layers fetch`?)", flags.Arg(0))
	}
	p, haveProject, err := app.OpenOrDefault(env.configPath)
	if err != nil {
		return err
	}
	w, err := model.Discover(p.SourceRoots()...)
	if err != nil {
		return err
	}
	rep := layersReport{Roots: w.Roots, Release: w.Release, Generation: string(w.Generation), Layers: []jsonLayer{}, Problems: []string{}}
	if haveProject {
		rep.Project = p.Path()
	}
	for _, l := range w.Layers {
		rep.Layers = append(rep.Layers, toJSONLayer(l))
	}
	for _, e := range w.Problems {
		rep.Problems = append(rep.Problems, e.Error())
	}
	if len(w.Layers) == 0 {
		for _, l := range model.Catalog() {
			rep.Catalog = append(rep.Catalog, toJSONLayer(l))
		}
	}
	if haveProject {
		// The pin report runs git rev-parse and git status in every layer
		// checkout (git status reads each tracked file's metadata: poky's
		// 5,000), more than the rest of the command: only when it is shown,
		// in JSON or with pins set (printPins prints nothing without).
		rep.Resolution = resolveReport(p, w, *asJSON || len(p.Pins) > 0)
	}
	if *asJSON {
		// encoding/json leaves DEL and C1 controls raw; a layer.conf may
		// hold them, and a terminal acts on them (CSI U+009B).
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
		env.stdout.Write(model.PrintableJSON(buf.Bytes()))
	} else {
		// Names, paths and problems come from layer.conf files and folders
		// fleetbake did not write: escape what a terminal would act on.
		var b strings.Builder
		printLayers(&b, p, haveProject, w, rep)
		io.WriteString(env.stdout, model.PrintableLines(b.String()))
	}
	// A layer set that cannot build is a failure scripts must see: a layer
	// missing everywhere, a series mismatch, or no resolution at all.
	if r := rep.Resolution; r != nil && (len(r.Missing) > 0 || len(r.Incompatible) > 0 || r.Error != "") {
		return &exitError{code: 1}
	}
	return nil
}

func resolveReport(p *model.Project, w *model.Workspace, withPins bool) *jsonResolved {
	res, err := model.Resolve(p, w)
	if res == nil {
		return &jsonResolved{Error: err.Error(), Layers: []jsonLayer{}, NotOnDisk: []string{}, Missing: []string{}, Incompatible: []string{}}
	}
	r := &jsonResolved{Release: res.Release, Generation: string(res.Generation), Layers: []jsonLayer{},
		NotOnDisk: []string{}, Missing: []string{}, Incompatible: []string{}}
	if withPins {
		r.Pins = pinReport(p, res)
	}
	for _, l := range res.Layers {
		j := toJSONLayer(l)
		j.AddedBy = res.AddedBy[l.Name]
		r.Layers = append(r.Layers, j)
	}
	for _, l := range res.NotOnDisk {
		r.NotOnDisk = append(r.NotOnDisk, l.Name)
	}
	for _, m := range res.Missing {
		r.Missing = append(r.Missing, m.String())
	}
	for _, s := range res.Incompatible {
		r.Incompatible = append(r.Incompatible, s.String())
	}
	r.Notes = res.Notes
	if err != nil {
		r.Error = err.Error()
	}
	return r
}

// shortPath shows a path relative to the current folder when that is shorter.
func shortPath(p string) string {
	wd, err := os.Getwd()
	if err != nil {
		return p
	}
	if rel, err := filepath.Rel(wd, p); err == nil && len(rel) < len(p) && !strings.HasPrefix(rel, "../..") {
		return rel
	}
	return p
}

func printLayers(out io.Writer, p *model.Project, haveProject bool, w *model.Workspace, rep layersReport) {
	if len(w.Layers) == 0 {
		fmt.Fprintf(out, "No Yocto layers found under %s.\n", strings.Join(w.Roots, ", "))
		fmt.Fprintf(out, "fleetbake still works from its built-in catalog; `fleetbake layers fetch` clones what the project needs into %s.\n", shortPath(model.FetchDir(p)))
		fmt.Fprintln(out)
		fmt.Fprintln(out, "Built-in catalog:")
		tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "  LAYER\tCOLLECTION\tREPOSITORY\tRELEASES")
		for _, l := range model.Catalog() {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", l.Name, l.Collection, l.GitURL, strings.Join(l.SeriesCompat, " "))
		}
		tw.Flush()
	} else {
		tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "LAYER\tCOLLECTION\tPRIO\tCOMPAT\tPATH")
		for _, l := range w.Layers {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", l.Name, l.Collection, l.Priority, strings.Join(l.SeriesCompat, " "), shortPath(l.Path))
		}
		tw.Flush()
		fmt.Fprintln(out)
		rel := w.Release
		if rel == "" {
			rel = "unknown (no oe-core found)"
		}
		fmt.Fprintf(out, "Release on disk: %s\n", rel)
		gen := string(w.Generation)
		if gen == "" {
			gen = "none (meta-aws not found)"
		}
		fmt.Fprintf(out, "meta-aws fleet provisioning variables: %s\n", gen)
	}
	if len(rep.Problems) > 0 {
		fmt.Fprintln(out)
		fmt.Fprintln(out, "Problems:")
		for _, pr := range rep.Problems {
			fmt.Fprintln(out, "  "+pr)
		}
	}
	if !haveProject {
		fmt.Fprintf(out, "\nNo project file at %s; `fleetbake init` writes one.\n", shortPath(p.Path()))
		return
	}
	r := rep.Resolution
	fmt.Fprintf(out, "\nProject %s:\n", shortPath(p.Path()))
	if r.Release == "" {
		fmt.Fprintln(out, "  "+r.Error)
		return
	}
	fmt.Fprintf(out, "  release %s, fleet provisioning generation %s\n", r.Release, r.Generation)
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	for _, l := range r.Layers {
		where := shortPath(l.Path)
		if !l.OnDisk {
			where += " (not fetched)"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", l.Name, l.AddedBy, where)
	}
	tw.Flush()
	for _, m := range r.Missing {
		fmt.Fprintln(out, "  missing: "+m)
	}
	for _, s := range r.Incompatible {
		fmt.Fprintln(out, "  incompatible: "+s)
	}
	for _, n := range r.Notes {
		fmt.Fprintln(out, "  note: "+n)
	}
	if len(r.NotOnDisk) > 0 {
		fmt.Fprintf(out, "  %d layer(s) not on disk: run `fleetbake layers fetch`\n", len(r.NotOnDisk))
	}
	printPins(out, r.Pins)
}
