package model

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// This file holds the walk's path rules: which roots another root covers,
// and which symlinked folders it follows (with the loop guard).

// maxSymlinkHops bounds how many symlinked folders one walk path follows,
// beside the loop check, so that a farm of symlinks cannot make the walk
// explode.
const maxSymlinkHops = 8

// isWithin reports whether path is dir or below it.
func isWithin(path, dir string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// reachedByWalk reports whether the walk of outer enters inner (below it):
// no folder on the way is one the walk skips. Layer-internal skips do not
// matter for roots, which are searched for layers, not inside one.
func reachedByWalk(inner, outer string) bool {
	rel, err := filepath.Rel(outer, inner)
	if err != nil {
		return false
	}
	for _, c := range strings.Split(rel, string(filepath.Separator)) {
		if skipNames[c] || strings.HasPrefix(c, "build") || skipInLayer(c) || c == "conf" {
			return false
		}
	}
	return true
}

// realpathEqual reports whether inner, resolved through symlinks, is still
// inside outer: only then does walking outer cover inner.
func realpathEqual(inner, outer string) bool {
	ri, err1 := filepath.EvalSymlinks(inner)
	ro, err2 := filepath.EvalSymlinks(outer)
	if err1 != nil || err2 != nil {
		return false
	}
	return isWithin(ri, ro)
}

// followable resolves a symlink found in the walk and says whether to walk
// it: it must lead to a folder that is neither one of the folders on the
// chain nor above one of them (that would walk them again, for ever), and
// the chain must have fewer than maxSymlinkHops links.
func (d *discoverer) followable(link string, chain []string) (string, bool) {
	if len(chain) > maxSymlinkHops {
		d.problem(fmt.Errorf("%s: not followed, more than %d symlinked folders deep", link, maxSymlinkHops))
		return "", false
	}
	// The stat follows the link: a dangling link that comes to lead
	// somewhere, or one pointed elsewhere, changes it.
	d.stampPath(link)
	target, err := filepath.EvalSymlinks(link)
	if err != nil {
		return "", false // dangling: nothing to find there
	}
	if fi, err := os.Stat(target); err != nil || !fi.IsDir() {
		return "", false
	}
	for _, c := range chain {
		if isWithin(c, target) {
			return "", false // a loop: target holds a folder already on the path
		}
	}
	return target, true
}

// prepareRoots makes the roots absolute and checks them (clean), and picks
// the ones to walk: a root inside another root is walked once, as part of
// the outer one, when the outer walk reaches it: through plain folders, or
// through symlinked ones, which the walk follows, none of them a folder the
// walk skips.
func prepareRoots(roots []string) (clean, walkRoots []string, err error) {
	for _, r := range roots {
		a, err := filepath.Abs(r)
		if err != nil {
			return nil, nil, err
		}
		fi, err := os.Stat(a)
		if err != nil {
			return nil, nil, fmt.Errorf("source folder %s: %w", r, err)
		}
		if !fi.IsDir() {
			return nil, nil, fmt.Errorf("source folder %s is not a folder", r)
		}
		clean = append(clean, a)
	}
	for _, r := range clean {
		inside := false
		for _, o := range clean {
			if o != r && isWithin(r, o) && (realpathEqual(r, o) || reachedByWalk(r, o)) {
				inside = true
				break
			}
		}
		if !inside && !containsString(walkRoots, r) {
			walkRoots = append(walkRoots, r)
		}
	}
	return clean, walkRoots, nil
}
