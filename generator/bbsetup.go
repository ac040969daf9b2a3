package generator

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"fleetbake/model"
)

// `fleetbake export bitbake-setup` writes a configuration for bitbake-setup
// (bitbake's bin/bitbake-setup, branches 2.16 and 2.18; format:
// setup-schema/bitbake-setup.schema.json and layers.schema.json, version
// "1.0"). bitbake-setup has no setting for local.conf lines: a configuration
// names layers and enables fragments (`bitbake-config-build
// enable-fragment`), a fragment being conf/fragments/<name>.conf of a layer.
// So the export is a folder: the configuration, and beside it a small layer
// holding fleetbake's local.conf block as one fragment, reached through
// "bb-layers-file-relative" (relative to the configuration file, which
// bitbake-setup accepts for a configuration given by its path). MACHINE and
// DISTRO are the built-in fragments machine/<name> and distro/<name>
// (oe-core meta/conf/bitbake.conf: OE_FRAGMENTS_BUILTIN, whinlatter on).

// BBSetupConfigFile is the configuration's file name: bitbake-setup refuses
// a configuration whose name does not end in .conf.json (get_config_name)
// and names the configuration after it.
const BBSetupConfigFile = "fleetbake.conf.json"

// BBSetupLayerDir is the fragment layer's folder beside the configuration.
const BBSetupLayerDir = "meta-fleetbake"

// bbsetupCollection is the layer's BBFILE_COLLECTIONS name; a fragment is
// named <collection>/<path under conf/fragments> (bitbake lib/bb/parse/
// ast.py AddFragmentsNode: find_fragment matches the file's layer).
const bbsetupCollection = "fleetbake-config"

// BBSetupFragment is the fragment holding fleetbake's local.conf block.
const BBSetupFragment = bbsetupCollection + "/fleetbake"

// ClaimDirEnv (kas.go) is also the variable this export reads the claim
// folder from: bitbake-setup passes it to BitBake
// ("bb-env-passthrough-additions", added to BB_ENV_PASSTHROUGH_ADDITIONS in
// build/init-build-env).

// BBSetupExport is the exported folder: files by slash-separated path
// relative to it, and notes for the engineer (sources not pinned).
type BBSetupExport struct {
	Files map[string][]byte
	Notes []string
}

// bbsetup* mirror the JSON of bitbake-setup.schema.json; field order is the
// order of the default registry's files.
type bbsetupConfig struct {
	Description string                    `json:"description"`
	Sources     map[string]bbsetupSource  `json:"sources"`
	BitbakeSet  bbsetupConfigurationsList `json:"bitbake-setup"`
	Version     string                    `json:"version"`
}

type bbsetupSource struct {
	GitRemote bbsetupGitRemote `json:"git-remote"`
}

// bbsetupGitRemote writes the remote as "remotes": {"origin": {"uri": ...}}:
// bitbake-setup 2.16 (whinlatter) reads only that form (checkout_layers:
// r_remote['remotes']); 2.18 reads it too, beside the shorter "uri".
type bbsetupGitRemote struct {
	Remotes map[string]bbsetupRemote `json:"remotes"`
	Branch  string                   `json:"branch,omitempty"`
	Rev     string                   `json:"rev"`
}

type bbsetupRemote struct {
	URI string `json:"uri"`
}

func gitRemote(uri, branch, rev string) bbsetupGitRemote {
	return bbsetupGitRemote{Remotes: map[string]bbsetupRemote{"origin": {URI: uri}}, Branch: branch, Rev: rev}
}

type bbsetupConfigurationsList struct {
	Configurations []bbsetupConfiguration `json:"configurations"`
}

type bbsetupConfiguration struct {
	Name             string   `json:"name"`
	Description      string   `json:"description"`
	BBLayers         []string `json:"bb-layers"`
	BBLayersFileRel  []string `json:"bb-layers-file-relative"`
	OEFragments      []string `json:"oe-fragments"`
	EnvPassthrough   []string `json:"bb-env-passthrough-additions,omitempty"`
	SetupDirNameHint string   `json:"setup-dir-name"`
}

// ExportBBSetup renders the bitbake-setup configuration folder for the
// project's build.
func ExportBBSetup(p *model.Project, res *model.Resolution) (*BBSetupExport, error) {
	in, err := newInput(p, res)
	if err != nil {
		return nil, err
	}
	return exportBBSetup(in)
}

func exportBBSetup(in *input) (*BBSetupExport, error) {
	p := in.p
	if len(in.layers) == 0 {
		return nil, fmt.Errorf("no layers to export: the layer set is empty")
	}
	if i := slices.Index(model.KnownReleases, in.release); i >= 0 && i < slices.Index(model.KnownReleases, "whinlatter") {
		return nil, fmt.Errorf("export bitbake-setup: release %s has no built-in machine/ and distro/ fragments (oe-core has OE_FRAGMENTS_BUILTIN from whinlatter on), which a bitbake-setup configuration sets MACHINE and DISTRO with; use `fleetbake export kas` for %s", in.release, in.release)
	}
	if in.useClaimLayer() {
		return nil, fmt.Errorf("export bitbake-setup: meta-aws of this tree reads the old GGV2_* variables and takes the claim files from fleetbake's claim layer; update meta-aws to a branch with greengrass-plugin-fleetprovisioning")
	}
	out := &BBSetupExport{Files: map[string][]byte{}}
	sources, layers, notes, err := bbsetupSources(in)
	if err != nil {
		return nil, err
	}
	out.Notes = notes
	fragment, err := bbsetupFragment(in)
	if err != nil {
		return nil, err
	}
	layerConf, err := bbsetupLayerConf(in.release)
	if err != nil {
		return nil, err
	}
	out.Files[BBSetupLayerDir+"/conf/layer.conf"] = []byte(layerConf)
	out.Files[BBSetupLayerDir+"/conf/fragments/fleetbake.conf"] = []byte(fragment)

	pinned := "every source pinned by `fleetbake layers lock`"
	if len(notes) > 0 {
		pinned = fmt.Sprintf("%d of %d sources at their branch's newest commit (not pinned)", len(notes), len(sources))
	}
	c := bbsetupConfiguration{
		Name:             "fleetbake",
		Description:      fmt.Sprintf("%s for MACHINE %s, DISTRO %s", p.Image, p.Machine, p.Distro),
		BBLayers:         layers,
		BBLayersFileRel:  []string{BBSetupLayerDir},
		OEFragments:      []string{"machine/" + p.Machine, "distro/" + p.Distro, BBSetupFragment},
		SetupDirNameHint: "fleetbake-" + in.release,
	}
	if p.Greengrass.Enabled {
		c.EnvPassthrough = []string{ClaimDirEnv}
	}
	cfg := bbsetupConfig{
		Description: fmt.Sprintf("fleetbake: %s, release %s, %s", p.Image, in.release, pinned),
		Sources:     sources,
		BitbakeSet:  bbsetupConfigurationsList{Configurations: []bbsetupConfiguration{c}},
		Version:     "1.0",
	}
	data, err := json.MarshalIndent(cfg, "", "    ")
	if err != nil {
		return nil, err
	}
	out.Files[BBSetupConfigFile] = append(data, '\n')
	return out, nil
}

// bbsetupSources lists one git source per layer repository (named as the
// catalog names it, which is also its folder under layers/), the
// repositories the catalog says come along (bitbake beside
// openembedded-core), and the layers as <source>/<sub-folder>. The rev is
// the pin of `fleetbake layers lock`, else the branch, with a note.
func bbsetupSources(in *input) (map[string]bbsetupSource, []string, []string, error) {
	p := in.p
	sources := map[string]bbsetupSource{}
	var layers, notes []string
	roots := map[string]string{} // checkout root -> source name
	for _, l := range in.layers {
		root, sub, url := repoOf(l)
		repo := l.Repo
		if l.GitURL == "" {
			if cr, ok := catalogRepoAt(l, root, sub); ok {
				repo, url = cr.Name, cr.GitURL
			}
		}
		name, seen := roots[root]
		if !seen {
			if url == "" || isLocalURL(url) {
				return nil, nil, nil, fmt.Errorf("export bitbake-setup: layer %s (%s) is in no git repository with a public URL (origin %q): bitbake-setup fetches every source with git; push it to a git server and set that as its origin", l.Name, l.Path, url)
			}
			name = repo
			if name == "" {
				name = filepath.Base(root)
			}
			for _, taken := range roots {
				if taken == name {
					return nil, nil, nil, fmt.Errorf("export bitbake-setup: two checkouts are both named %s (%s); keep one", name, root)
				}
			}
			roots[root] = name
			_, checkoutBranch := gitHead(root)
			branch := checkoutBranch
			if cr, ok := model.CatalogRepoNamed(repo); ok {
				if b, ok := cr.Branch(in.release); ok && (branch == "" || p.Pins[model.PinKey(p, root)] == "") {
					branch = b
				}
			}
			if branch == "" {
				branch = in.release
			}
			rev := p.Pins[model.PinKey(p, root)]
			if rev == "" {
				rev = branch
				notes = append(notes, fmt.Sprintf("%s: not pinned; rev is the branch %s, so bitbake-setup takes its newest commit at init; run `fleetbake layers lock` to pin it", name, branch))
			}
			sources[name] = bbsetupSource{GitRemote: gitRemote(url, branch, rev)}
		}
		if sub == "" {
			layers = append(layers, name)
		} else {
			layers = append(layers, name+"/"+filepath.ToSlash(sub))
		}
	}
	names := make([]string, 0, len(sources))
	for n := range sources {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		cr, ok := model.CatalogRepoNamed(n)
		if !ok {
			continue
		}
		for _, need := range cr.Requires {
			nr, ok := model.CatalogRepoNamed(need)
			if _, have := sources[need]; have || !ok {
				continue
			}
			branch, _ := nr.Branch(in.release)
			rev := branch
			// A checkout of it beside the one needing it (layers/bitbake
			// beside layers/openembedded-core) may be pinned.
			for root, name := range roots {
				if pin := p.Pins[model.PinKey(p, filepath.Join(filepath.Dir(root), need))]; name == n && pin != "" {
					rev = pin
				}
			}
			if rev == branch {
				notes = append(notes, fmt.Sprintf("%s: not pinned; rev is the branch %s, so bitbake-setup takes its newest commit at init; run `fleetbake layers lock` to pin it", need, branch))
			}
			sources[need] = bbsetupSource{GitRemote: gitRemote(nr.GitURL, branch, rev)}
		}
	}
	sort.Strings(notes)
	return sources, layers, notes, nil
}

// isLocalURL tells a checkout origin that is a folder of this machine (a
// path or file:// URL) from one that another machine can clone.
func isLocalURL(u string) bool {
	return strings.HasPrefix(u, "/") || strings.HasPrefix(u, ".") || strings.HasPrefix(u, "~") || strings.HasPrefix(u, "file:") || !strings.Contains(u, ":")
}

// bbsetupLayerConf is the fragment layer's conf/layer.conf. BitBake finds a
// fragment's layer by BBFILE_PATTERN (lib/bb/parse/ast.py find_fragment ->
// lib/bb/utils.py get_file_layer), so the pattern must match the layer's
// folder even though it has no recipes; BBFILE_PATTERN_IGNORE_EMPTY keeps
// BitBake from warning that no recipe matched it (lib/bb/cooker.py). An
// empty pattern made bitbake-config-build stop with "Could not find
// fragment" (checked with bitbake-setup 2.18).
func bbsetupLayerConf(release string) (string, error) {
	compat, err := assign("LAYERSERIES_COMPAT_"+bbsetupCollection, release)
	if err != nil {
		return "", err
	}
	s := "# Written by `fleetbake export bitbake-setup`: a layer with no recipes whose\n" +
		"# conf/fragments/fleetbake.conf holds fleetbake's local.conf settings.\n" +
		"BBPATH .= \":${LAYERDIR}\"\n" +
		"BBFILE_COLLECTIONS += \"" + bbsetupCollection + "\"\n" +
		"BBFILE_PATTERN_" + bbsetupCollection + " = \"^${LAYERDIR}/\"\n" +
		"BBFILE_PATTERN_IGNORE_EMPTY_" + bbsetupCollection + " = \"1\"\n" +
		"BBFILE_PRIORITY_" + bbsetupCollection + " = \"1\"\n" +
		compat + "\n"
	if err := guardConf("conf/layer.conf", s); err != nil {
		return "", err
	}
	return s, nil
}
