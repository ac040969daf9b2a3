package model

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"fleetbake/internal/lazyre"
)

// This file knows the layout bitbake-setup makes, the tool that replaces the
// poky checkout from Yocto 5.3 (whinlatter) on. Read in bitbake's
// bin/bitbake-setup, branches 2.16 and 2.18 (init_config, checkout_layers,
// setup_bitbake_build, write_sources_fixed_revisions), a setup folder holds:
//
//	config/  a git repository: config-upstream.json (the configuration it was
//	         made from) and sources-fixed-revisions.json (each source's commit)
//	layers/  one checkout per source (bitbake, openembedded-core, meta-yocto,
//	         ...), .oe-layers.json, and the links setup-build, oe-scripts and
//	         oe-init-build-env-dir into openembedded-core
//	build/   the BitBake build folder: conf/bblayers.conf (BBLAYERS ?= ...),
//	         conf/local.conf, conf/toolcfg.conf (OE_FRAGMENTS += ...),
//	         conf/site.conf -> ../../../site.conf, init-build-env
//
// Discovery walks such a folder as any other (build/ is skipped, layers/ is a
// default source root); this file adds what only the layout says.

// BBSetup is a setup folder made by bitbake-setup.
type BBSetup struct {
	Dir    string // the setup folder
	Layers string // Dir/layers
	Build  string // Dir/build
	Config string // Dir/config
	// Sources are the configuration's sources by name (the folder under
	// layers/): sources-fixed-revisions.json when present, else the
	// sources of config-upstream.json.
	Sources map[string]BBSetupSource
}

// BBSetupSource is one git source of a bitbake-setup configuration
// (bitbake's setup-schema/layers.schema.json, "git-remote").
type BBSetupSource struct {
	URI    string // "uri", else the first of "remotes"
	Branch string
	Rev    string
}

// FindBBSetup reports whether dir, or a folder above it, is a setup folder
// made by bitbake-setup: config/config-upstream.json beside layers/.
func FindBBSetup(dir string) (*BBSetup, bool) {
	if d, ok := findBBSetupDir(dir); ok {
		return readBBSetup(d), true
	}
	return nil, false
}

// findBBSetupDir is the setup folder FindBBSetup finds, without reading its
// configuration.
func findBBSetupDir(dir string) (string, bool) {
	a, err := filepath.Abs(dir)
	if err != nil {
		return "", false
	}
	for d := a; ; d = filepath.Dir(d) {
		if isBBSetupDir(d) {
			return d, true
		}
		if filepath.Dir(d) == d {
			return "", false
		}
	}
}

func isBBSetupDir(d string) bool {
	if fi, err := os.Stat(filepath.Join(d, "config", "config-upstream.json")); err != nil || !fi.Mode().IsRegular() {
		return false
	}
	fi, err := os.Stat(filepath.Join(d, "layers"))
	return err == nil && fi.IsDir()
}

func readBBSetup(d string) *BBSetup {
	s := &BBSetup{Dir: d, Layers: filepath.Join(d, "layers"), Build: filepath.Join(d, "build"), Config: filepath.Join(d, "config")}
	// write_sources_fixed_revisions: {"sources": {name: {"git-remote": ...}}}.
	var fixed struct {
		Sources map[string]rawBBSource `json:"sources"`
	}
	if data, err := ReadRegularFile(filepath.Join(s.Config, "sources-fixed-revisions.json"), MaxConfFileSize); err == nil && json.Unmarshal(data, &fixed) == nil && len(fixed.Sources) > 0 {
		s.Sources = sourcesOf(fixed.Sources)
		return s
	}
	// write_upstream_config dumps obtain_config's dict: the file is under "data".
	var up struct {
		Data struct {
			Sources map[string]rawBBSource `json:"sources"`
		} `json:"data"`
	}
	if data, err := ReadRegularFile(filepath.Join(s.Config, "config-upstream.json"), MaxConfFileSize); err == nil && json.Unmarshal(data, &up) == nil {
		s.Sources = sourcesOf(up.Data.Sources)
	}
	return s
}

type rawBBSource struct {
	GitRemote *struct {
		URI     string `json:"uri"`
		Branch  string `json:"branch"`
		Rev     string `json:"rev"`
		Remotes map[string]struct {
			URI string `json:"uri"`
		} `json:"remotes"`
	} `json:"git-remote"`
}

func sourcesOf(raw map[string]rawBBSource) map[string]BBSetupSource {
	out := map[string]BBSetupSource{}
	for name, r := range raw {
		if r.GitRemote == nil {
			continue // a "local" source: a symlink, no branch to read
		}
		src := BBSetupSource{URI: r.GitRemote.URI, Branch: r.GitRemote.Branch, Rev: r.GitRemote.Rev}
		if src.URI == "" {
			names := make([]string, 0, len(r.GitRemote.Remotes))
			for n := range r.GitRemote.Remotes {
				names = append(names, n)
			}
			sort.Strings(names)
			if len(names) > 0 {
				src.URI = r.GitRemote.Remotes[names[0]].URI
			}
		}
		out[name] = src
	}
	return out
}

// Release is the Yocto release the configuration names: the branch of its
// openembedded-core source (the default registry's poky-wrynose and
// oe-nodistro-whinlatter configurations name the release branch there).
// "" when it names none that fleetbake knows.
func (s *BBSetup) Release() string {
	if s == nil {
		return ""
	}
	src, ok := s.Sources["openembedded-core"]
	if !ok {
		return ""
	}
	for _, r := range []string{src.Branch, src.Rev} {
		if releaseIndex(r) < len(KnownReleases) || r == "master" {
			return r
		}
	}
	return ""
}

// bbSetupRelease is the release of the first root inside a bitbake-setup
// setup folder, for a workspace whose oe-core is not on disk yet.
func bbSetupRelease(roots []string) string {
	for _, r := range roots {
		if s, ok := FindBBSetup(r); ok {
			if rel := s.Release(); rel != "" && rel != "master" {
				return rel
			}
		}
	}
	return ""
}

// BuiltinFragments are the built-in fragments (machine/<name>,
// distro/<name>) that buildDir/conf/toolcfg.conf enables, in file order.
// bitbake-setup writes them there through `bitbake-config-build
// enable-fragment` (oe-core meta/lib/bbconfigbuild/configfragments.py:
// OE_FRAGMENTS += "..."), and BitBake stops when such a fragment meets a
// MACHINE or DISTRO assigned in local.conf (bitbake 2.16/2.18
// lib/bb/parse/ast.py AddFragmentsNode: "A builtin fragment ... is used
// while MACHINE has already got an assignment"). The prefixes are oe-core's
// OE_FRAGMENTS_BUILTIN ?= "machine:MACHINE distro:DISTRO" (meta/conf/
// bitbake.conf, whinlatter and wrynose).
func BuiltinFragments(buildDir string) []string {
	data, err := ReadRegularFile(filepath.Join(buildDir, "conf", "toolcfg.conf"), MaxConfFileSize)
	if err != nil {
		return nil
	}
	var out []string
	for _, m := range oeFragmentsRE().FindAllStringSubmatch(string(data), -1) {
		for _, f := range strings.Fields(m[1]) {
			if (strings.HasPrefix(f, "machine/") || strings.HasPrefix(f, "distro/")) && !containsString(out, f) {
				out = append(out, f)
			}
		}
	}
	return out
}

// oeFragmentsRE matches the assignments configfragments.py writes (one
// line, double-quoted: OE_FRAGMENTS += "a b").
var oeFragmentsRE = lazyre.MustCompile(`(?m)^[ \t]*OE_FRAGMENTS[ \t]*(?:\+=|=|\?=|\?\?=|\.=|=\+|:append[ \t]*=)[ \t]*"([^"\n]*)"`)
