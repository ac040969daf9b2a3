package generator

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"fleetbake/model"
)

// kasData feeds templates/kas/kas.yml.tmpl.
type kasData struct {
	Source    string
	FileName  string
	Machine   string
	Distro    string
	Target    string
	Repos     []kasRepo
	LocalConf string
}

// kasRepo is one entry of kas's repos: a git repository and the layers in
// it, or a plain folder (Path, no URL) used as one layer.
type kasRepo struct {
	ID     string
	URL    string
	Branch string
	Commit string
	Path   string
	Layers []string // folders relative to the repository; nil: the repository is the layer
	// Disabled: cloned but not a layer (bitbake next to openembedded-core).
	Disabled bool

	order       int
	rootIsLayer bool
}

// exportKas renders the kas project file equivalent to what plan writes.
func exportKas(in *input, fileName string) ([]byte, error) {
	p := in.p
	if len(in.layers) == 0 {
		return nil, fmt.Errorf("no layers to export: the layer set is empty")
	}
	ld := in.localData()
	if ld.Greengrass != nil {
		// The SRC_URI line makes BitBake refuse to parse when a claim file
		// is missing, and a kas file is shared with machines (kas CI) that
		// do not have this host's claim folder: there the recipe's own
		// warning about missing claim files is the better failure.
		ld.Greengrass.ClaimFilesExist = false
	}
	block, err := render("local.conf.block.tmpl", ld)
	if err != nil {
		return nil, err
	}
	d := kasData{
		Source:    source(p),
		FileName:  fileName,
		Machine:   p.Machine,
		Distro:    p.Distro,
		Target:    p.Image,
		LocalConf: strings.TrimRight(block, "\n") + "\n",
	}
	repos := map[string]*kasRepo{}
	for i, l := range in.layers {
		root, sub, url := repoOf(l)
		if l.GitURL == "" {
			// A layer found on disk: the catalog's URL when the catalog
			// knows its repository, not the checkout's origin, which may
			// be a mirror folder of this machine.
			if cr, ok := catalogRepoAt(l, root, sub); ok {
				c := *l
				c.Repo, c.GitURL = cr.Name, cr.GitURL
				l = &c
				url = cr.GitURL
			}
		}
		id := l.Repo
		if id == "" {
			id = filepath.Base(root)
		}
		r := repos[root]
		if r == nil {
			r = &kasRepo{ID: id, order: i}
			if url != "" {
				r.URL = url
				if commit, branch := gitHead(root); commit != "" {
					r.Commit, r.Branch = commit, branch
				}
				// The pin from `layers lock` wins over what is checked out.
				if pin := p.Pins[model.PinKey(p, root)]; pin != "" {
					r.Commit = pin
				} else if cr, ok := model.CatalogRepoNamed(l.Repo); ok {
					r.Branch, _ = cr.Branch(in.release)
				} else {
					r.Branch = in.release
				}
			} else {
				r.Path = root
			}
			repos[root] = r
		}
		if sub == "" {
			r.rootIsLayer = true
		} else {
			r.Layers = append(r.Layers, filepath.ToSlash(sub))
		}
	}
	if in.useClaimLayer() {
		cl := in.claimLayerPath()
		if repos[cl] == nil {
			repos[cl] = &kasRepo{ID: filepath.Base(cl), Path: cl, order: len(in.layers)}
		}
	}
	// Repositories the catalog says come along without being layers
	// (openembedded-core needs bitbake): cloned, added as no layer.
	ids := map[string]bool{}
	for _, r := range repos {
		ids[r.ID] = true
	}
	var required []*kasRepo
	for _, r := range repos {
		cr, ok := model.CatalogRepoNamed(r.ID)
		if !ok {
			continue
		}
		for _, need := range cr.Requires {
			nr, ok := model.CatalogRepoNamed(need)
			if ids[need] || !ok {
				continue
			}
			ids[need] = true
			branch, _ := nr.Branch(in.release)
			required = append(required, &kasRepo{ID: need, URL: nr.GitURL, Branch: branch, Disabled: true, order: r.order})
		}
	}
	for _, r := range required {
		repos["required:"+r.ID] = r
	}
	for _, r := range repos {
		// Without a layers list kas adds the repository itself; with one,
		// the repository as a layer must be listed as ".".
		if len(r.Layers) > 0 && r.rootIsLayer {
			r.Layers = append([]string{"."}, r.Layers...)
		}
		d.Repos = append(d.Repos, *r)
	}
	sort.Slice(d.Repos, func(i, j int) bool {
		a, b := d.Repos[i], d.Repos[j]
		if a.order != b.order {
			return a.order < b.order
		}
		if a.Disabled != b.Disabled {
			return a.Disabled // bitbake before openembedded-core
		}
		return a.ID < b.ID
	})
	uniqueIDs(d.Repos)
	out, err := render("kas.yml.tmpl", d)
	if err != nil {
		return nil, err
	}
	// A YAML file ends with a newline like any text file; the template's
	// own last newline is lost to the block scalar's trimming.
	return []byte(strings.TrimRight(out, "\n") + "\n"), nil
}

// repoOf finds the repository a layer lives in. The catalog's sub-folder
// says where the repository starts; otherwise the nearest folder holding
// .git does. The URL is the catalog's (portable, unlike a local mirror a
// checkout may have been cloned from), else the checkout's origin. A layer
// in no repository is its own root with no URL.
func repoOf(l *model.Layer) (root, sub, url string) {
	path := absPath(l.Path)
	root = path
	if l.Subdir != "" {
		sub = filepath.FromSlash(strings.Trim(l.Subdir, "/"))
		if trimmed, ok := strings.CutSuffix(path, string(filepath.Separator)+sub); ok {
			root = trimmed
		} else {
			sub = ""
		}
	} else if l.GitURL == "" {
		for d := path; ; d = filepath.Dir(d) {
			if _, err := os.Stat(filepath.Join(d, ".git")); err == nil {
				root = d
				sub, _ = filepath.Rel(d, path)
				if sub == "." {
					sub = ""
				}
				break
			}
			if filepath.Dir(d) == d {
				break
			}
		}
	}
	url = l.GitURL
	if url == "" {
		url = gitOrigin(root)
	}
	return root, sub, url
}

// catalogRepoAt finds the catalog repository a checkout at root is a clone
// of, from the layer it holds at sub: the repositories whose catalog layer
// of that collection lives at sub; when several do (core is meta/ in poky
// and in openembedded-core), the one named like the checkout's origin or
// folder, else the one whose every layer folder is in the checkout (poky has
// meta-poky, openembedded-core does not).
func catalogRepoAt(l *model.Layer, root, sub string) (model.CatalogRepo, bool) {
	var cands []model.CatalogRepo
	for _, c := range model.Catalog() {
		if c.Collection != l.Collection || filepath.FromSlash(strings.Trim(c.Subdir, "/")) != sub {
			continue
		}
		if cr, ok := model.CatalogRepoNamed(c.Repo); ok && !slices.ContainsFunc(cands, func(x model.CatalogRepo) bool { return x.Name == cr.Name }) {
			cands = append(cands, cr)
		}
	}
	if len(cands) <= 1 {
		return firstRepo(cands)
	}
	names := []string{filepath.Base(root)}
	if o := gitOrigin(root); o != "" {
		names = append([]string{strings.TrimSuffix(path.Base(strings.TrimRight(filepath.ToSlash(o), "/")), ".git")}, names...)
	}
	for _, n := range names {
		for _, cr := range cands {
			if cr.Name == n {
				return cr, true
			}
		}
	}
	for _, cr := range cands {
		whole := true
		for _, c := range model.Catalog() {
			if c.Repo == cr.Name {
				if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(c.Subdir), "conf", "layer.conf")); err != nil {
					whole = false
					break
				}
			}
		}
		if whole {
			return cr, true
		}
	}
	return firstRepo(cands)
}

func firstRepo(rs []model.CatalogRepo) (model.CatalogRepo, bool) {
	if len(rs) == 0 {
		return model.CatalogRepo{}, false
	}
	return rs[0], true
}

// gitOrigin reads remote.origin.url from .git/config without running git.
func gitOrigin(repo string) string {
	f, err := os.Open(filepath.Join(repo, ".git", "config"))
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	inOrigin := false
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "[") {
			inOrigin = line == `[remote "origin"]`
			continue
		}
		if k, v, ok := strings.Cut(line, "="); ok && inOrigin && strings.TrimSpace(k) == "url" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// gitHead returns the checked-out commit and branch of repo, reading .git
// directly (HEAD, the loose ref, then packed-refs).
func gitHead(repo string) (commit, branch string) {
	gitDir := filepath.Join(repo, ".git")
	head, err := os.ReadFile(filepath.Join(gitDir, "HEAD"))
	if err != nil {
		return "", ""
	}
	h := strings.TrimSpace(string(head))
	ref, ok := strings.CutPrefix(h, "ref: ")
	if !ok {
		return h, "" // detached
	}
	branch = strings.TrimPrefix(ref, "refs/heads/")
	if data, err := os.ReadFile(filepath.Join(gitDir, filepath.FromSlash(ref))); err == nil {
		return strings.TrimSpace(string(data)), branch
	}
	if data, err := os.ReadFile(filepath.Join(gitDir, "packed-refs")); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if sha, name, ok := strings.Cut(strings.TrimSpace(line), " "); ok && name == ref {
				return sha, branch
			}
		}
	}
	return "", branch
}

// uniqueIDs makes repo keys unique (two checkouts named poky).
func uniqueIDs(repos []kasRepo) {
	seen := map[string]int{}
	for i := range repos {
		id := repos[i].ID
		seen[id]++
		if n := seen[id]; n > 1 {
			repos[i].ID = fmt.Sprintf("%s-%d", id, n)
		}
	}
}

// yamlString renders s as a double-quoted YAML scalar. JSON's string syntax
// is a subset of YAML's double-quoted style, so json.Marshal escapes it.
func yamlString(s string) (string, error) {
	b, err := json.Marshal(s)
	return string(b), err
}

// indent prefixes every non-empty line of s with n spaces (for a YAML
// literal block); s ends with a newline, which is dropped.
func indent(n int, s string) string {
	pad := strings.Repeat(" ", n)
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = pad + l
		}
	}
	return strings.Join(lines, "\n")
}
