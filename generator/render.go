package generator

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"text/template"

	"fleetbake/model"
	"fleetbake/templates"
)

// ClaimLayerDir is where the project's own claim layer goes, relative to the
// project folder, for a meta-aws tree of the old generation.
const ClaimLayerDir = "layers/meta-fleetbake-claim"

// claimLayerCollection is the claim layer's BBFILE_COLLECTIONS name.
const claimLayerCollection = "fleetbake-claim"

// claimBBAppend is the claim layer's bbappend, relative to the layer.
const claimBBAppend = "recipes-iot/aws-iot-greengrass/greengrass-bin_%.bbappend"

// input is everything the generator needs: the project and the resolved
// layer set (order, release, meta-aws generation).
type input struct {
	p          *model.Project
	release    string
	generation model.Generation
	layers     []*model.Layer
	// resNotes are the resolution's notes (a MACHINE that may be in a
	// layer not fetched yet), passed on with the plan's.
	resNotes []string
}

// localData feeds templates/bitbake/local.conf.block.tmpl.
type localData struct {
	Source  string
	Machine string
	Distro  string
	Image   string // the nucleus is installed into this image only
	Shared  model.Shared
	// RemoveFragments are built-in fragments the build folder's
	// conf/toolcfg.conf enables (machine/..., distro/...), which BitBake
	// refuses beside MACHINE and DISTRO here (model.BuiltinFragments).
	RemoveFragments string
	Greengrass      *greengrassData // nil when Greengrass is off
	Extras          []extra
}

type greengrassData struct {
	Nucleus      string           // greengrass-bin or greengrass-lite
	Generation   model.Generation // old or new
	Region       string
	DataEndpoint string
	CredEndpoint string
	RoleAlias    string
	Template     string
	ThingName    string // old generation: GGV2_THING_NAME (the device appends _<MAC>)
	ThingGroup   string // old generation: GGV2_THING_GROUP
	ClaimCert    string // absolute paths on the build host
	ClaimKey     string
	RootCA       string
	ClaimLayer   string // old generation: the claim layer's folder
	// ClaimDirRef, for the exports (kas, bitbake-setup): the claim folder
	// as a reference to the environment variable ClaimEnv. The old
	// generation searches it through FILESEXTRAPATHS instead of the claim
	// layer; the new one lists the three files in SRC_URI under it, so a
	// parse without them stops naming the missing file (exportClaimURIs).
	ClaimDirRef string
	ClaimEnv    string
	// ClaimFilesExist: all three claim files are on disk, so they can be
	// SRC_URI entries of the recipe that installs them from CLAIM_*_PATH
	// (see claimSrcURI); a missing file:// entry would stop BitBake's parse.
	ClaimFilesExist bool
}

type extra struct{ Var, Value string }

type layersData struct {
	Source string
	Layers []string // absolute layer folders, dependency order
	Pins   []string // "<checkout> <commit>" of fleetbake.toml [pins], sorted
}

// pinLines lists the project's pins for the bblayers.conf header.
func pinLines(p *model.Project) []string {
	var out []string
	for k, c := range p.Pins {
		out = append(out, k+" "+c)
	}
	sort.Strings(out)
	return out
}

type claimLayerData struct {
	Source     string
	Collection string
	Release    string
	ClaimDir   string
}

// templateGroups are the template files, parsed one group at a time on
// first use: `generate` needs only the bitbake group, and parsing the
// others too cost it about a third more of the parse, a cost paid on
// every run (text/template parsing is most of what render costs in a
// fresh process; issue 12).
var templateGroups = [...]string{"bitbake/*.tmpl", "bitbake/claim-layer/*.tmpl", "kas/*.tmpl"}

var templateSets [len(templateGroups)]struct {
	once sync.Once
	t    *template.Template
	err  error
}

// loadTemplates parses, once, the group of templates that holds the file
// name (a base name such as local.conf.block.tmpl). missingkey=error turns
// a misspelt field into an error rather than "<no value>" in a conf file.
func loadTemplates(name string) (*template.Template, error) {
	for i, g := range templateGroups {
		files, err := fs.Glob(templates.FS, g)
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			if path.Base(f) != name {
				continue
			}
			set := &templateSets[i]
			set.once.Do(func() { set.t, set.err = newTemplate().ParseFS(templates.FS, g) })
			return set.t, set.err
		}
	}
	return nil, fmt.Errorf("no template file %s", name)
}

func newTemplate() *template.Template {
	return template.New("fleetbake").Option("missingkey=error").Funcs(template.FuncMap{
		"assign":        assign,
		"layerpath":     func(p string) (string, error) { return p, checkPathWord("BBLAYERS", p, "") },
		"claimdir":      func(p string) (string, error) { return p, checkPathWord("FILESEXTRAPATHS", p, ":") },
		"claimuris":     claimSrcURI,
		"envclaimuris":  exportClaimURIs,
		"claimdirunset": func() string { return ClaimDirUnset },
		"yaml":          yamlString,
		"indent":        indent,
		"comment":       commentText,
	})
}

// assign renders one `NAME = "value"` line, refusing a name or value that
// BitBake would read differently.
func assign(name, value string) (string, error) {
	if err := checkVarName(name); err != nil {
		return "", err
	}
	q, err := quote(name, value)
	if err != nil {
		return "", err
	}
	return name + " = " + q, nil
}

func render(name string, data any) (string, error) {
	t, err := loadTemplates(name)
	if err != nil {
		return "", fmt.Errorf("templates: %w", err)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, name, data); err != nil {
		// Surface our own error (unsafe value) without the template plumbing.
		var uv *UnsafeValueError
		if errors.As(err, &uv) {
			return "", uv
		}
		var ne *nameError
		if errors.As(err, &ne) {
			return "", ne
		}
		var te *TextError
		if errors.As(err, &te) {
			return "", te
		}
		return "", fmt.Errorf("rendering %s: %w", name, err)
	}
	return buf.String(), nil
}

// wrapBlock puts the markers around rendered block content.
func wrapBlock(content string) string {
	content = strings.TrimRight(content, "\n")
	return BeginMarker + "\n" + content + "\n" + EndMarker + "\n"
}

// source names the project file in generated comments.
func source(p *model.Project) string {
	if p.Path() == "" {
		return "fleetbake.toml"
	}
	return p.Path()
}

// useClaimLayer reports whether this project needs its own claim layer:
// greengrass-bin on a meta-aws tree of the old generation.
func (in *input) useClaimLayer() bool {
	g := in.p.Greengrass
	return g.Enabled && nucleus(g) == model.NucleusBin && in.generation == model.GenerationOld
}

func nucleus(g model.Greengrass) string {
	if g.Nucleus == "" {
		return model.NucleusBin
	}
	return g.Nucleus
}

func (in *input) claimLayerPath() string {
	return absPath(in.p.Abs(filepath.FromSlash(ClaimLayerDir)))
}

func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

func (in *input) localData() localData {
	p := in.p
	d := localData{Source: source(p), Machine: p.Machine, Distro: p.Distro, Image: p.Image, Shared: p.Shared}
	d.Shared.DLDir = absIfSet(p, p.Shared.DLDir)
	d.Shared.SstateDir = absIfSet(p, p.Shared.SstateDir)
	// A hash equivalence server is only asked when the signature handler
	// is OEEquivHash; poky sets it, other distros may not.
	if d.Shared.HashServe != "" && d.Shared.SignatureHandler == "" {
		d.Shared.SignatureHandler = "OEEquivHash"
	}
	if p.Greengrass.Enabled {
		g := p.Greengrass
		names := g.Names()
		cert, key, root := p.ClaimFiles()
		gd := &greengrassData{
			Nucleus:      nucleus(g),
			Generation:   in.generation,
			Region:       g.Region,
			DataEndpoint: g.DataEndpoint,
			CredEndpoint: g.CredentialEndpoint,
			RoleAlias:    names.RoleAlias,
			Template:     names.ProvisioningTemplate,
			ThingName:    names.ThingNamePrefix,
			ThingGroup:   names.ThingGroup,
			ClaimCert:    cert,
			ClaimKey:     key,
			RootCA:       root,

			ClaimFilesExist: len(missingFiles(cert, key, root)) == 0,
		}
		if gd.Generation != model.GenerationOld {
			gd.Generation = model.GenerationNew
		}
		if in.useClaimLayer() {
			gd.ClaimLayer = in.claimLayerPath()
		}
		d.Greengrass = gd
	}
	keys := make([]string, 0, len(p.LocalConf))
	for k := range p.LocalConf {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		d.Extras = append(d.Extras, extra{Var: k, Value: p.LocalConf[k]})
	}
	return d
}

// missingFiles returns the paths that do not exist (os.Stat fails), as
// BitBake's get_checksum_file_list asks (os.path.exists) before it refuses
// to parse a recipe whose file:// entry is missing.
func missingFiles(paths ...string) []string {
	var missing []string
	for _, p := range paths {
		if _, err := os.Stat(p); err != nil {
			missing = append(missing, p)
		}
	}
	return missing
}

// claimSrcURI is the value of fleetbake's SRC_URI:append:pn-<recipe> for
// the recipes that install the claim files from CLAIM_CERT_PATH,
// CLAIM_KEY_PATH and ROOT_CA_PATH (greengrass-plugin-fleetprovisioning,
// greengrass-lite): " file://<cert> file://<key> file://<root CA>".
//
// Those recipes only put the path strings into their task signatures, so
// after `fleetbake provision rotate-claim` (new content, same paths) BitBake
// would reuse sstate and ship the deactivated claim. As file:// entries the
// fetcher checksums their content into do_fetch's signature (do_fetch's
// file-checksums), and every later task of the recipe follows.
//
// Each path must read back as the same file through BitBake's fetcher and
// its checksum list: one word of SRC_URI (no blank), no ';' (starts URL
// parameters), no '%' (the fetcher percent-decodes the path), no '*' (the
// local fetcher refuses globs), no ':' (file-checksums entries are
// "path:True"), no ${ (expanded).
func claimSrcURI(cert, key, root string) (string, error) {
	const name = "SRC_URI"
	var b strings.Builder
	for _, p := range []string{cert, key, root} {
		if err := checkPathWord(name, p, ""); err != nil {
			return "", err
		}
		if !filepath.IsAbs(p) {
			return "", &UnsafeValueError{Var: name, Value: p, Reason: "the claim file path is not absolute, and BitBake would look for it in the recipe's folders instead"}
		}
		if i := strings.IndexAny(p, ";%*:"); i >= 0 {
			why := "which BitBake's fetcher reads as part of the URL, not of the file name"
			if p[i] == ':' {
				why = "which BitBake's file checksum list reads as the end of the path"
			}
			return "", &UnsafeValueError{Var: name, Value: p, Reason: fmt.Sprintf("the claim file path contains %q, %s; move the project or claim_dir to a folder without it", p[i], why)}
		}
		b.WriteString(" file://")
		b.WriteString(p)
	}
	return b.String(), nil
}

// absIfSet makes a project-relative path absolute: BitBake would read a
// relative DL_DIR against its own working folder, not the project's.
func absIfSet(p *model.Project, path string) string {
	if path == "" {
		return ""
	}
	return absPath(p.Abs(path))
}

func (in *input) layerPaths() []string {
	var paths []string
	seen := map[string]bool{}
	for _, l := range in.layers {
		path := absPath(l.Path)
		if seen[path] {
			continue
		}
		seen[path] = true
		paths = append(paths, path)
	}
	if in.useClaimLayer() {
		if cl := in.claimLayerPath(); !seen[cl] {
			paths = append(paths, cl)
		}
	}
	return paths
}

// ClaimDirUnset is the claim folder the exports fall back to when
// $FLEETBAKE_CLAIM_DIR is not set: a folder that does not exist, named so
// that BitBake's error says what is missing. The claim files are file://
// entries of the recipe's SRC_URI, and oe-core checksums every local entry
// while parsing the recipe (meta/classes-global/base.bbclass:
// do_fetch[file-checksums], read by bitbake lib/bb/cache.py), which stops
// with "Unable to get checksum for <recipe> SRC_URI entry claim.cert.pem:
// file could not be found ... /FLEETBAKE_CLAIM_DIR-is-not-set/claim.cert.pem"
// (bitbake lib/bb/fetch2/__init__.py get_checksum_file_list): at parse time,
// before any task runs, and with no Python in the exported conf.
const ClaimDirUnset = "/" + "FLEETBAKE_CLAIM_DIR-is-not-set"

// exportClaimURIs lists the claim files as file:// entries under the claim
// folder reference dir (${FLEETBAKE_CLAIM_DIR}): absolute once expanded,
// so BitBake looks for them there only (lib/bb/fetch2/local.py,
// localfile_searchpaths).
func exportClaimURIs(dir string) string {
	var b strings.Builder
	for _, f := range []string{model.ClaimCertFile, model.ClaimKeyFile, model.ClaimRootFile} {
		b.WriteString(" file://" + dir + "/" + f)
	}
	return b.String()
}
