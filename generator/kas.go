package generator

import (
	"cmp"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"fleetbake/model"
)

// The kas project file is written at header version 6, the oldest format
// with everything it uses: `env` (added in version 6), `refspec` for a
// repository's commit or branch (version 1; `commit`/`branch` only came with
// version 14, which the kas of Debian 12, 3.1, refuses: it reads up to 12),
// layers set to "disabled" and local_conf_header. Source: siemens/kas
// docs/format-changelog.rst and kas/__version__.py at tags 3.1 and 5.4.
//
// The oldest kas that builds it is 3.0: the first to hand `env` to BitBake
// 2.0 and later through BB_ENV_PASSTHROUGH_ADDITIONS (siemens/kas commit
// 3d35fe2, "libkas: Update BB_ENV_PASSTHROUGH_ADDITIONS with env_vars",
// first in tag 3.0); older kas sets BB_ENV_EXTRAWHITE, which BitBake 2.0
// refuses. The lock file uses `overrides` (version 14), read automatically
// beside the kas file from kas 3.3 on (kas/includehandler.py at tag 3.3).
const (
	KasFormatVersion  = 6
	KasMinVersion     = "3.0"
	KasLockVersion    = 14
	KasLockMinVersion = "3.3"
)

// ClaimDirEnv names the environment variable that holds the claim folder
// on the host that runs kas. The exported files never name a folder of this
// machine: kas lists it under `env`, so it reaches BitBake's datastore
// through BB_ENV_PASSTHROUGH_ADDITIONS, and local_conf_header refers to it.
const ClaimDirEnv = "FLEETBAKE_CLAIM_DIR"

// KasDigestComment starts the kas file's header line that records the
// SHA-256 of the project file it was exported from. The CI gate compares it
// with the committed project file using sha256sum alone, so the pipeline
// needs no fleetbake binary (ci.go says why it cannot install one).
const KasDigestComment = "# project file sha256: "

// kasData feeds templates/kas/kas.yml.tmpl.
type kasData struct {
	Source     string
	Digest     string // SHA-256 of the project file, hex; "" when it is not on disk
	FileName   string
	LockName   string
	Version    int
	MinKas     string
	MinLockKas string
	ClaimEnv   string // "" when the image holds no claim files
	Machine    string
	Distro     string
	Target     string
	Env        []kasEnv
	Repos      []kasRepo
	LocalConf  string
}

// kasEnv is one entry of kas's env: a variable passed to BitBake, with the
// value used when the environment does not set it.
type kasEnv struct{ Name, Default string }

// kasRepo is one entry of kas's repos: a git repository and the layers in
// it. A layer in no repository is refused (kasRepos), never written as a
// `path:` of this machine.
type kasRepo struct {
	ID     string
	URL    string
	Branch string   // the release's branch, in a comment
	Commit string   // the pin, else the checked-out commit; "" for a floating branch
	Pinned bool     // Commit comes from fleetbake.toml [pins]
	Layers []string // folders relative to the repository; nil: the repository is the layer
	// Disabled: cloned but not a layer (bitbake next to openembedded-core).
	Disabled bool

	order       int
	rootIsLayer bool
}

// Refspec is what kas checks out: the commit when there is one.
func (r kasRepo) Refspec() string {
	if r.Commit != "" {
		return r.Commit
	}
	return r.Branch
}

// KasLockName is the lock file kas reads beside fileName:
// <stem>.lock<ext> (siemens/kas kas/includehandler.py, get_lock_filename).
func KasLockName(fileName string) string {
	ext := filepath.Ext(fileName)
	return strings.TrimSuffix(fileName, ext) + ".lock" + ext
}

// exportKas renders the kas project file equivalent to what plan writes;
// fileName is the kas file's slash-separated path as the build hint names
// it (the lock file goes beside it, under its base name).
func exportKas(in *input, fileName string) ([]byte, error) {
	p := in.p
	if len(in.layers) == 0 {
		return nil, fmt.Errorf("no layers to export: the layer set is empty")
	}
	if _, err := commentText("the kas file name", fileName); err != nil {
		return nil, err
	}
	ld, env := kasLocalData(in)
	block, err := render("local.conf.block.tmpl", ld)
	if err != nil {
		return nil, err
	}
	repos, err := kasRepos(in)
	if err != nil {
		return nil, err
	}
	d := kasData{
		Source:     filepath.Base(source(p)),
		Digest:     projectDigest(p),
		FileName:   fileName,
		LockName:   KasLockName(path.Base(fileName)),
		Version:    KasFormatVersion,
		MinKas:     KasMinVersion,
		MinLockKas: KasLockMinVersion,
		Machine:    p.Machine,
		Distro:     p.Distro,
		Target:     p.Image,
		Env:        env,
		Repos:      repos,
		LocalConf:  strings.TrimRight(block, "\n") + "\n",
	}
	if p.Greengrass.Enabled {
		d.ClaimEnv = ClaimDirEnv
	}
	if err := guardConf("local_conf_header", d.LocalConf); err != nil {
		return nil, err
	}
	out, err := render("kas.yml.tmpl", d)
	if err != nil {
		return nil, err
	}
	return finishYAML(out)
}

// projectDigest is the SHA-256 of the project file as saved, "" when it
// has no file (a project not saved yet).
func projectDigest(p *model.Project) string {
	if p.Path() == "" {
		return ""
	}
	data, err := model.ReadRegularFile(p.Path(), model.MaxConfFileSize)
	if err != nil {
		return ""
	}
	return fmt.Sprintf("%x", sha256.Sum256(data))
}

// exportKasLock renders the lock file: every repository's commit as an
// override, the format `kas lock` writes. nil when no repository has one.
func exportKasLock(in *input, fileName string) ([]byte, error) {
	repos, err := kasRepos(in)
	if err != nil {
		return nil, err
	}
	var locked []kasRepo
	for _, r := range repos {
		if r.Commit != "" && r.URL != "" {
			locked = append(locked, r)
		}
	}
	if len(locked) == 0 {
		return nil, nil
	}
	out, err := render("kas.lock.yml.tmpl", map[string]any{
		"Source": filepath.Base(source(in.p)), "FileName": path.Base(fileName),
		"Version": KasLockVersion, "MinKas": KasLockMinVersion, "Repos": locked,
	})
	if err != nil {
		return nil, err
	}
	return finishYAML(out)
}

// finishYAML checks a rendered YAML file and ends it with one newline (the
// template's own is lost to block scalar trimming).
func finishYAML(out string) ([]byte, error) {
	if err := guardKas(out); err != nil {
		return nil, err
	}
	return []byte(strings.TrimRight(out, "\n") + "\n"), nil
}

// kasLocalData is fleetbake's local.conf block as another host runs it:
//   - the claim files are read from the folder in $FLEETBAKE_CLAIM_DIR, and
//     the old generation finds them through FILESEXTRAPATHS instead of the
//     claim layer, a folder of this machine;
//   - the new generation lists them in SRC_URI under the variable, so a
//     host without them stops at parse time naming the missing file
//     (ClaimDirUnset says how), not late in do_install;
//   - DL_DIR and SSTATE_DIR (folders of this machine) are left to the
//     environment, which kas passes to BitBake (kas/libkas.py,
//     get_build_environ: SSTATE_DIR, DL_DIR, and SSTATE_MIRRORS from kas 4);
//   - the sstate mirror, hash equivalence and PR servers become `env`
//     entries defaulting to fleetbake.toml's values, so a CI job points
//     them elsewhere by setting the variable. BitBake imports a passed-through
//     variable into its datastore, and nothing in the block sets it again.
func kasLocalData(in *input) (localData, []kasEnv) {
	ld := in.localData()
	ld.Source = filepath.Base(ld.Source) // a folder of this machine means nothing elsewhere
	var env []kasEnv
	if g := ld.Greengrass; g != nil {
		// Default: a folder that does not exist, so that BitBake's parse
		// names it (ClaimDirUnset); an empty default would make the paths
		// /claim.cert.pem.
		env = append(env, kasEnv{Name: ClaimDirEnv, Default: ClaimDirUnset})
		dir := "${" + ClaimDirEnv + "}"
		g.ClaimCert = dir + "/" + model.ClaimCertFile
		g.ClaimKey = dir + "/" + model.ClaimKeyFile
		g.RootCA = dir + "/" + model.ClaimRootFile
		g.ClaimFilesExist = false
		g.ClaimLayer = ""
		g.ClaimDirRef, g.ClaimEnv = dir, ClaimDirEnv
	}
	s := &ld.Shared
	s.DLDir, s.SstateDir = "", ""
	for _, v := range []struct {
		name string
		val  *string
	}{
		{"SSTATE_MIRRORS", &s.SstateMirrors},
		{"BB_HASHSERVE", &s.HashServe},
		{"BB_HASHSERVE_UPSTREAM", &s.HashServeUpstream},
		{"PRSERV_HOST", &s.PRServHost},
	} {
		if *v.val != "" {
			env = append(env, kasEnv{Name: v.name, Default: *v.val})
			*v.val = ""
		}
	}
	return ld, env
}

// kasRepos is one kas repo per layer repository, in layer order, with the
// repositories the catalog says come along (bitbake beside
// openembedded-core) as disabled entries.
func kasRepos(in *input) ([]kasRepo, error) {
	p := in.p
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
			if url != "" && isLocalURL(url) {
				// The checkout's origin, the catalog knowing no better: a
				// folder of this machine (a mirror) is nowhere on the host
				// that runs kas. Refused as export bitbake-setup does.
				return nil, fmt.Errorf("export kas: layer %s (%s) is in no git repository with a public URL (origin %q): kas on another machine fetches every repository with git; push it to a git server and set that as its origin", l.Name, l.Path, url)
			}
			if url != "" {
				r.URL = url
				commit, branch := gitHead(root)
				if cr, ok := model.CatalogRepoNamed(l.Repo); ok {
					branch, _ = cr.Branch(in.release)
				}
				r.Branch = cmp.Or(branch, in.release)
				r.Commit = commit
				// The pin from `layers lock` wins over what is checked out.
				if pin := p.Pins[model.PinKey(p, root)]; pin != "" {
					r.Commit, r.Pinned = pin, true
				}
			} else {
				// kas takes a repo with a path and no url as that folder
				// on the building host: a path of this machine is
				// nowhere on a CI runner or a colleague's machine.
				return nil, fmt.Errorf("export kas: layer %s (%s) is in no git repository, and kas on another machine cannot find a folder of this one: put the layer in a git repository with a remote others can clone (git init, commit, push, then set it as origin), run `fleetbake layers lock`, and export again", l.Name, l.Path)
			}
			repos[root] = r
		}
		if sub == "" {
			r.rootIsLayer = true
		} else {
			r.Layers = append(r.Layers, filepath.ToSlash(sub))
		}
	}
	ids := map[string]bool{}
	for _, r := range repos {
		ids[r.ID] = true
	}
	var required []*kasRepo
	for root, r := range repos {
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
			req := &kasRepo{ID: need, URL: nr.GitURL, Branch: branch, Disabled: true, order: r.order}
			// A checkout of it beside the one needing it (layers/bitbake
			// beside layers/openembedded-core in bitbake-setup's layout,
			// sources/bitbake after `layers fetch`): its pin from `layers
			// lock` (model.requiredCheckouts), else its commit, as for a
			// layer repository. BitBake's version is part of the build.
			dir := filepath.Join(filepath.Dir(root), need)
			if commit, _ := gitHead(dir); commit != "" {
				req.Commit = commit
			}
			if pin := p.Pins[model.PinKey(p, dir)]; pin != "" {
				req.Commit, req.Pinned = pin, true
			}
			required = append(required, req)
		}
	}
	for _, r := range required {
		repos["required:"+r.ID] = r
	}
	var out []kasRepo
	for _, r := range repos {
		if r.URL != "" && r.Refspec() == "" {
			return nil, fmt.Errorf("export kas: no branch or commit for the repository %s; run `fleetbake layers lock` to pin it", r.ID)
		}
		// Without a layers list kas adds the repository itself; with one,
		// the repository as a layer must be listed as ".".
		if len(r.Layers) > 0 && r.rootIsLayer {
			r.Layers = append([]string{"."}, r.Layers...)
		}
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.order != b.order {
			return a.order < b.order
		}
		if a.Disabled != b.Disabled {
			return a.Disabled // bitbake before openembedded-core
		}
		return a.ID < b.ID
	})
	uniqueIDs(out)
	return out, nil
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

// ClaimUnset is ClaimDirUnset, for the template.
func (kasData) ClaimUnset() string { return ClaimDirUnset }

// DigestComment is KasDigestComment, for the template.
func (kasData) DigestComment() string { return KasDigestComment }
