package model

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// checkPath checks a path setting as written: what fleetbake can write
// literally into BitBake, no blank, and ~ only as the home folder.
func checkPath(field, v string) *FieldError {
	if p := unsafeForBitBake(v, false); p != "" {
		return fe(field, v, "path "+p)
	}
	if strings.ContainsAny(v, " \t") {
		return fe(field, v, "path must not contain spaces: BitBake and OE refuse build paths with spaces")
	}
	if strings.HasPrefix(v, "~") {
		if v != "~" && !strings.HasPrefix(v, "~/") {
			return fe(field, v, "only ~/ (your home folder) is expanded; write ~/... or the full path")
		}
		if ExpandHome(v) == v {
			return fe(field, v, "~ cannot be expanded: the home folder is not known ($HOME is not set); write the full path")
		}
	}
	return nil
}

// sanityChars are the characters oe-core refuses in TMPDIR, which is
// ${TOPDIR}/tmp, so in the build folder's full path: sanity.bbclass
// check_sanity_everybuild, "for checkdir in ['COREBASE', 'TMPDIR']" (oe-core
// scarthgap, meta/classes-global/sanity.bbclass): a space ("autotools doesn't
// support this"), + and @ ("invalid character"), % ("problems with python
// string formatting").
const sanityChars = " +@%"

// checkFullPath checks a path setting once resolved (~ expanded, relative to
// the project file): a project in "~/My Projects" passes checkPath with
// build_dir = "build" but cannot build. It also says when fleetbake or
// BitBake could not write there. Only the folders BitBake writes to are
// checked for writing.
func (p *Project) checkFullPath(field, v string) *FieldError {
	full := p.Abs(v)
	if a, err := filepath.Abs(full); err == nil {
		full = a
	}
	bad := " "
	if field == "build_dir" {
		bad = sanityChars
	}
	if i := strings.IndexAny(full, bad); i >= 0 {
		what := fmt.Sprintf("a %q", full[i])
		if full[i] == ' ' {
			what = "a space"
		}
		return fe(field, v, fmt.Sprintf("its full path %s contains %s: BitBake cannot build there (oe-core's sanity.bbclass refuses "+
			"a space, +, @ or %% in TMPDIR and COREBASE, and a space splits BB_DISKMON_DIRS and SRC_URI entries); "+
			"move the project to a folder without it or set an absolute path", full, what))
	}
	switch field {
	case "build_dir", "shared.dl_dir", "shared.sstate_dir":
		if msg := notWritable(full); msg != "" {
			return fe(field, v, msg)
		}
	}
	return nil
}

// notWritable says why BitBake could not write in dir: it exists and is not
// writable (sanity.bbclass makes the same check of DL_DIR), or it does not
// exist and the nearest existing folder above it, where it would be
// created, is not writable. "" when it is fine or when nothing can be said.
func notWritable(dir string) string {
	d := dir
	for {
		fi, err := os.Stat(d)
		if err == nil {
			if !fi.IsDir() {
				if d == dir {
					return "is a file, not a folder"
				}
				return fmt.Sprintf("cannot be created: %s is a file, not a folder", d)
			}
			break
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return ""
		}
		up := filepath.Dir(d)
		if up == d {
			return ""
		}
		d = up
	}
	// access(2) asks the kernel with the real user's rights, so it also
	// says no on a read-only file system and with ACLs.
	if err := unix.Access(d, unix.W_OK|unix.X_OK); err == nil {
		return ""
	}
	if d == dir {
		return fmt.Sprintf("%s is not writable by you: BitBake writes conf/, tmp/ and caches there; fix its owner or permissions (ls -ld %s) or choose another folder", dir, dir)
	}
	return fmt.Sprintf("%s does not exist and cannot be created: %s is not writable by you; create it with the right owner or choose another folder", dir, d)
}

// validatePaths checks every path setting, as written and once resolved.
func (p *Project) validatePaths(add func(*FieldError)) {
	for _, s := range p.Sources {
		if e := validateField("sources", s); e != nil {
			add(e)
			continue
		}
		if fi, err := os.Stat(p.Abs(s)); err != nil {
			add(fe("sources", s, "folder does not exist ("+p.Abs(s)+"); create it, fix the path or remove it"))
			continue
		} else if !fi.IsDir() {
			add(fe("sources", s, "is a file, not a folder"))
			continue
		}
		add(p.checkFullPath("sources", s))
	}
	if e := validateField("build_dir", p.BuildDir); e != nil {
		add(e)
	} else {
		add(p.checkFullPath("build_dir", p.BuildDir))
	}
	for _, f := range []struct{ field, v string }{
		{"shared.dl_dir", p.Shared.DLDir}, {"shared.sstate_dir", p.Shared.SstateDir}, {"greengrass.claim_dir", p.Greengrass.ClaimDir},
	} {
		if e := validateField(f.field, f.v); e != nil {
			add(e)
		} else if f.v != "" {
			add(p.checkFullPath(f.field, f.v))
		}
	}
	g := p.Greengrass
	if g.Enabled {
		// An empty claim_dir is DefaultClaimDir, as for apply and verify.
		add(p.claimDirFetchable(g.ClaimDir))
	}
}

// claimDirFetchable: the claim files become file:// entries of SRC_URI once
// they exist, so refuse now what BitBake's fetcher would read as another
// file, rather than after `provision apply` made them.
func (p *Project) claimDirFetchable(v string) *FieldError {
	full := p.Abs(cmp.Or(v, DefaultClaimDir))
	if i := strings.IndexAny(full, ";%*:"); i >= 0 {
		return fe("greengrass.claim_dir", v, fmt.Sprintf("its full path %s contains %q, which BitBake's fetcher reads as part of a URL or checksum list, not of a file name (the claim files are SRC_URI entries); choose a folder whose path has no ; %% * or :", full, full[i]))
	}
	return nil
}

// CheckPathSetting checks one path setting ("build_dir", "sources",
// "shared.dl_dir", "shared.sstate_dir", "greengrass.claim_dir") of this
// project as Validate does: as written, and once resolved (spaces and the
// characters BitBake's sanity check refuses, writable; for the claim folder
// the characters BitBake's fetcher reads otherwise). It reads the disk:
// run it in a command, not in a screen's Update. nil or a *FieldError.
func (p *Project) CheckPathSetting(field, value string) error {
	if e := validateField(field, value); e != nil {
		return e
	}
	if value == "" {
		return nil
	}
	if e := p.checkFullPath(field, value); e != nil {
		return e
	}
	if field == "greengrass.claim_dir" {
		if e := p.claimDirFetchable(value); e != nil {
			return e
		}
	}
	return nil
}
