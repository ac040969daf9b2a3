package generator

import (
	"bufio"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"

	"fleetbake/internal/lazyre"
	"fleetbake/model"
)

// srcrevLine matches a SRCREV assignment of a recipe: its name (SRCREV or
// SRCREV_<name>) and value, which may hold variables ("v${PV}" in meta-aws
// wrynose's greengrass_2.16.0.bb).
var srcrevLine = lazyre.MustCompile(`^\s*(SRCREV(?:_[A-Za-z0-9-]+)?)\s*\??=\s*"([^"]*)"`)

var commitID = lazyre.MustCompile(`^[0-9a-f]{40}$`)

// tagSRCREV is one SRCREV of a recipe that names a git tag or branch.
type tagSRCREV struct {
	name, value string
}

// offlineWarnings warns when BB_NO_NETWORK = "1" meets a meta-aws recipe
// that names a git tag in SRCREV (greengrass-lite on scarthgap and later,
// greengrass on wrynose): the git fetcher turns a tag into a commit with
// `git ls-remote` while BitBake parses the recipe, so with the network off
// every build stops at parsing, greengrass-bin builds included, with an
// error about a fetcher that names neither fleetbake's setting nor meta-aws.
// What the project's [local_conf] already does about it silences the
// warning: the recipe masked (BBMASK), each tag SRCREV pinned to a commit
// for that recipe, or BB_SRCREV_POLICY = "cache" (fleetbake's own advice
// for the nucleus: bitbake lib/bb/fetch2/__init__.py keeps the revisions
// resolved by an earlier parse with the network).
func offlineWarnings(in *input) []string {
	lc := in.p.LocalConf
	if strings.TrimSpace(lc["BB_NO_NETWORK"]) != "1" || strings.TrimSpace(lc["BB_SRCREV_POLICY"]) == "cache" {
		return nil
	}
	var warns []string
	for _, l := range in.layers {
		if !l.OnDisk || l.Collection != "meta-aws" {
			continue
		}
		recipes, _ := filepath.Glob(filepath.Join(l.Path, "recipes-iot", "aws-iot-greengrass", "*.bb"))
		for _, r := range recipes {
			file := filepath.Base(r)
			pn, pv, versioned := strings.Cut(strings.TrimSuffix(file, ".bb"), "_")
			if masked(in.p, absPath(r)) {
				continue
			}
			var tags []tagSRCREV
			for _, t := range tagSRCREVs(r) {
				if !pinned(lc, t.name, pn) {
					tags = append(tags, t)
				}
			}
			if len(tags) == 0 {
				continue
			}
			// The mask names the recipe file, not the bare name: BitBake
			// searches BBMASK as a regular expression in every recipe path
			// (lib/bb/cooker.py, collect_bbfiles), so ".../greengrass"
			// would mask greengrass-bin and greengrass-lite too.
			mask := pn + "_"
			if !versioned {
				mask = regexp.QuoteMeta(file)
			}
			rel, err := filepath.Rel(filepath.Dir(l.Path), filepath.Join(filepath.Dir(r), mask))
			if err != nil {
				rel = filepath.Join(l.Name, "recipes-iot", "aws-iot-greengrass", mask)
			}
			fix := fmt.Sprintf("add \"BBMASK:append\" = \" %s\" under [local_conf] in fleetbake.toml (the recipe is not built), or let BitBake use the network", filepath.ToSlash(rel))
			if in.p.Greengrass.Enabled && nucleus(in.p.Greengrass) == pn {
				// Pinning the SRCREV to a commit id is no way out for
				// greengrass-lite: its do_configure greps for the tag in
				// fc_deps.json.
				fix = "this recipe is the nucleus, so it cannot be masked: parse once with the network (remove BB_NO_NETWORK from [local_conf]), then set \"BB_SRCREV_POLICY\" = \"cache\" under [local_conf] so that later offline parses use the cached tag"
			}
			t := tags[0]
			value := t.value
			if versioned && strings.Contains(value, "${PV}") {
				value = fmt.Sprintf("%s (%s)", value, strings.ReplaceAll(value, "${PV}", pv))
			}
			warns = append(warns, fmt.Sprintf("BB_NO_NETWORK = \"1\", but %s sets %s = \"%s\", a git tag BitBake resolves over the network while parsing: every build would stop at parsing; %s", file, t.name, value, fix))
		}
	}
	return warns
}

// tagSRCREVs returns the SRCREVs of a recipe whose value is not a commit id
// (nor AUTOREV, which needs the network too but is never the default of a
// release branch, nor INVALID).
func tagSRCREVs(path string) []tagSRCREV {
	f, err := model.OpenRegularFile(path) // a FIFO recipe must not hang generate
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []tagSRCREV
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		m := srcrevLine().FindStringSubmatch(sc.Text())
		if m == nil || m[2] == "" || commitID().MatchString(m[2]) || m[2] == "INVALID" || strings.Contains(m[2], "AUTOREV") {
			continue
		}
		out = append(out, tagSRCREV{name: m[1], value: m[2]})
	}
	return out
}

// pinned reports whether [local_conf] sets the SRCREV name of recipe pn to
// a commit id (SRCREV_greengrass:pn-greengrass = "<40 hex digits>").
func pinned(lc map[string]string, name, pn string) bool {
	v, ok := lc[name+":pn-"+pn]
	return ok && commitID().MatchString(strings.TrimSpace(v))
}

// masked reports whether the project's [local_conf] puts a recipe file into
// BBMASK, read as BitBake reads it (lib/bb/cooker.py, collect_bbfiles): each
// word a regular expression searched in the recipe's full path, words that
// do not compile ignored.
func masked(p *model.Project, path string) bool {
	for k, v := range p.LocalConf {
		if k != "BBMASK" && !strings.HasPrefix(k, "BBMASK:append") && !strings.HasPrefix(k, "BBMASK:prepend") {
			continue
		}
		for _, w := range strings.Fields(v) {
			re, err := regexp.Compile(strings.TrimPrefix(w, "|"))
			if err == nil && re.MatchString(filepath.ToSlash(path)) {
				return true
			}
		}
	}
	return false
}
