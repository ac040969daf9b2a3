package generator

import (
	"bufio"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"fleetbake/model"
)

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
	head, err := model.ReadRegularFile(filepath.Join(gitDir, "HEAD"), model.MaxConfFileSize)
	if err != nil {
		return "", ""
	}
	h := strings.TrimSpace(string(head))
	ref, ok := strings.CutPrefix(h, "ref: ")
	if !ok {
		return h, "" // detached
	}
	branch = strings.TrimPrefix(ref, "refs/heads/")
	if data, err := model.ReadRegularFile(filepath.Join(gitDir, filepath.FromSlash(ref)), model.MaxConfFileSize); err == nil {
		return strings.TrimSpace(string(data)), branch
	}
	if data, err := model.ReadRegularFile(filepath.Join(gitDir, "packed-refs"), 64<<20); err == nil {
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
