package model

import "slices"

// KnownReleases are the Yocto releases meta-aws has branches for, oldest first.
var KnownReleases = []string{"kirkstone", "scarthgap", "styhead", "walnascar", "whinlatter", "wrynose"}

// DefaultRelease is what a new project builds when no oe-core is on disk to
// say otherwise: the LTS release that every BSP layer of the catalog has a
// branch for, and whose meta-aws has the new fleet provisioning recipe.
const DefaultRelease = "scarthgap"

// GenerationForRelease is the meta-aws fleet provisioning generation a release
// has when no checkout says otherwise: kirkstone and styhead never got the
// plugin recipe; scarthgap got it in August 2025, so a fresh clone has it;
// walnascar and later always have it. Unknown names (master, future
// releases) are taken as new.
func GenerationForRelease(release string) Generation {
	switch release {
	case "":
		return GenerationUnknown
	case "kirkstone", "styhead", "dunfell", "langdale", "mickledore", "nanbield":
		return GenerationOld
	}
	return GenerationNew
}

// newestRelease picks the release a core layer's series names stand for:
// the newest one fleetbake knows (its catalog has branches for it), else the
// last name. oe-core master says "wrynose blacksail": wrynose's layers work
// with it, and no layer has a blacksail branch yet.
func newestRelease(names []string) string {
	best := ""
	for _, n := range names {
		if releaseIndex(n) < len(KnownReleases) && (best == "" || releaseIndex(n) > releaseIndex(best)) {
			best = n
		}
	}
	if best == "" && len(names) > 0 {
		best = names[len(names)-1]
	}
	return best
}

// releaseIndex orders releases; unknown names sort after every known one.
func releaseIndex(r string) int {
	if i := slices.Index(KnownReleases, r); i >= 0 {
		return i
	}
	return len(KnownReleases)
}
