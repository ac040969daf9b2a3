package model

import (
	"os"
	"path/filepath"
)

// requiredCheckouts are the git checkouts, beside the given layer
// repositories, of the repositories the catalog says come along with them
// without holding a layer: bitbake beside openembedded-core (where
// bitbake-setup puts it, layers/bitbake, and where `layers fetch` does,
// sources/bitbake). BitBake's version is part of the build as much as a
// layer's commit (oe-core's sanity.conf asks for a minimum), so `layers
// lock` pins it too and the exports can name its commit.
func requiredCheckouts(roots []string) []string {
	var out []string
	for _, root := range roots {
		cr, ok := CatalogRepoNamed(filepath.Base(root))
		if !ok {
			continue
		}
		for _, need := range cr.Requires {
			dir := filepath.Join(filepath.Dir(root), need)
			if fi, err := os.Stat(filepath.Join(dir, ".git")); err == nil && fi != nil && !containsString(roots, dir) && !containsString(out, dir) {
				out = append(out, dir)
			}
		}
	}
	return out
}
