package generator

import (
	"bufio"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"

	"fleetbake/model"
)

// srcrevTag matches a SRCREV assignment whose value is not a commit id: a
// git tag or branch name, which the git fetcher turns into a commit with
// `git ls-remote` while BitBake parses the recipe.
var srcrevTag = regexp.MustCompile(`^\s*(SRCREV[A-Za-z0-9_-]*)\s*\??=\s*"([^"$]+)"`)

var commitID = regexp.MustCompile(`^[0-9a-f]{40}$`)

// offlineWarnings warns when BB_NO_NETWORK = "1" meets a meta-aws recipe
// that names a git tag in SRCREV (greengrass-lite on scarthgap does): BitBake
// needs the network to parse it, so with the network off every build stops
// at parsing, greengrass-bin builds included, with an error about a fetcher
// that names neither fleetbake's setting nor meta-aws.
func offlineWarnings(in *input) []string {
	if strings.TrimSpace(in.p.LocalConf["BB_NO_NETWORK"]) != "1" {
		return nil
	}
	var warns []string
	for _, l := range in.layers {
		if !l.OnDisk || l.Collection != "meta-aws" {
			continue
		}
		recipes, _ := filepath.Glob(filepath.Join(l.Path, "recipes-iot", "aws-iot-greengrass", "*.bb"))
		for _, r := range recipes {
			name, value, ok := firstTagSRCREV(r)
			if !ok {
				continue
			}
			pn, _, _ := strings.Cut(filepath.Base(r), "_")
			rel, err := filepath.Rel(filepath.Dir(l.Path), filepath.Join(filepath.Dir(r), pn))
			if err != nil {
				rel = filepath.Join(l.Name, "recipes-iot", "aws-iot-greengrass", pn)
			}
			if masked(in.p, filepath.ToSlash(filepath.Join("recipes-iot", "aws-iot-greengrass", pn))) {
				continue
			}
			fix := fmt.Sprintf("add \"BBMASK:append\" = \" %s\" under [local_conf] in fleetbake.toml (the recipe is not built), or let BitBake use the network", filepath.ToSlash(rel))
			if in.p.Greengrass.Enabled && nucleus(in.p.Greengrass) == pn {
				// Pinning the SRCREV to a commit id is no way out: the
				// recipe's do_configure greps for the tag in its fc_deps.json.
				fix = "this recipe is the nucleus, so it cannot be masked: parse once with the network (remove BB_NO_NETWORK from [local_conf]), then set \"BB_SRCREV_POLICY\" = \"cache\" under [local_conf] so that later offline parses use the cached tag"
			}
			warns = append(warns, fmt.Sprintf("BB_NO_NETWORK = \"1\", but %s sets %s = \"%s\", a git tag BitBake resolves over the network while parsing: every build would stop at parsing; %s", filepath.Base(r), name, value, fix))
		}
	}
	return warns
}

// firstTagSRCREV returns the first SRCREV of a recipe whose value is not a
// commit id (nor AUTOREV, which needs the network too but is never the
// default of a release branch).
func firstTagSRCREV(path string) (name, value string, ok bool) {
	f, err := model.OpenRegularFile(path) // a FIFO recipe must not hang generate
	if err != nil {
		return "", "", false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		m := srcrevTag.FindStringSubmatch(sc.Text())
		if m == nil || commitID.MatchString(m[2]) || m[2] == "INVALID" {
			continue
		}
		return m[1], m[2], true
	}
	return "", "", false
}

// masked reports whether the project's [local_conf] already puts a recipe
// path into BBMASK.
func masked(p *model.Project, path string) bool {
	for k, v := range p.LocalConf {
		if (k == "BBMASK" || strings.HasPrefix(k, "BBMASK:")) && strings.Contains(v, path) {
			return true
		}
	}
	return false
}
