package generator

import (
	"fmt"
	"path/filepath"

	"fleetbake/model"
)

// bbsetupWarnings warns when oe-core comes from a setup folder made by
// bitbake-setup but the project's build folder is not that setup's build/
// (a fleetbake.toml in bitbake-setup's top folder, beside the setups):
// bitbake-setup's init-build-env, its toolcfg.conf fragments and
// `bitbake-setup update` all work on <setup>/build, so a conf written
// elsewhere is one nobody builds with.
func bbsetupWarnings(in *input) []string {
	for _, l := range in.layers {
		if l.Collection != "core" || !l.OnDisk {
			continue
		}
		s, ok := model.FindBBSetup(l.Path)
		if !ok {
			return nil
		}
		build := absPath(in.p.Abs(in.p.BuildDir))
		if real, err := filepath.EvalSymlinks(build); err == nil {
			build = real
		}
		want := s.Build
		if real, err := filepath.EvalSymlinks(want); err == nil {
			want = real
		}
		if build == want {
			return nil
		}
		rel, err := filepath.Rel(in.p.Dir(), s.Build)
		if err != nil {
			rel = s.Build
		}
		return []string{fmt.Sprintf("oe-core comes from the bitbake-setup folder %s, whose build folder is %s, but build_dir is %s; set build_dir = %q in fleetbake.toml (or keep fleetbake.toml in that setup folder)",
			model.PrintableLines(s.Dir), model.PrintableLines(s.Build), model.PrintableLines(build), filepath.ToSlash(rel))}
	}
	return nil
}
