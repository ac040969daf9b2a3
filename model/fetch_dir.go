package model

import "path/filepath"

// FetchDir is the folder `layers fetch` clones new checkouts into and keeps
// its lock in: where the project's layout keeps its layer checkouts. In a
// bitbake-setup setup folder (the project's folder or one above it) that is
// its layers/, beside bitbake, openembedded-core and meta-yocto, where
// bitbake-setup itself puts every source (layout_bbsetup.go); a second
// sources/ there would split one build's checkouts over two folders.
// Elsewhere it is <project dir>/sources. Discovery always searches it
// (SourceRoots), whatever the `sources` setting says.
func FetchDir(p *Project) string {
	if d, ok := findBBSetupDir(p.Dir()); ok {
		return filepath.Join(d, "layers")
	}
	return filepath.Join(p.Dir(), "sources")
}
