package generator

import (
	"fmt"
	"path/filepath"
	"strings"

	"fleetbake/model"
)

// bbsetupFragment renders fleetbake's local.conf block as the fragment
// conf/fragments/fleetbake.conf of the exported layer:
//   - the fragment's summary and description first (oe-core
//     meta/lib/bbconfigbuild/configfragments.py stops `bitbake-config-build
//     list-fragments` on a fragment without BB_CONF_FRAGMENT_SUMMARY);
//   - no MACHINE or DISTRO: the built-in fragments machine/ and distro/ set
//     them, and BitBake stops when one meets an assignment made before it
//     (bitbake lib/bb/parse/ast.py check_and_set_builtin_fragment);
//   - the claim files as ${FLEETBAKE_CLAIM_DIR}/<file>, never a folder of
//     this machine, and as SRC_URI entries under it, so that a host
//     without them stops at parse time naming the missing file
//     (ClaimDirUnset in render.go);
//   - no line naming this machine's project file.
func bbsetupFragment(in *input) (string, error) {
	ld := in.localData()
	ld.RemoveFragments = ""
	if g := ld.Greengrass; g != nil {
		dir := "${" + ClaimDirEnv + "}/"
		g.ClaimCert = dir + model.ClaimCertFile
		g.ClaimKey = dir + model.ClaimKeyFile
		g.RootCA = dir + model.ClaimRootFile
		g.ClaimFilesExist = false
		g.ClaimDirRef, g.ClaimEnv = "${"+ClaimDirEnv+"}", ClaimDirEnv
	}
	block, err := render("local.conf.block.tmpl", ld)
	if err != nil {
		return "", err
	}
	conf, err := ReadConf([]byte(block))
	if err != nil {
		return "", fmt.Errorf("generator: the local.conf block would not parse (%v); this is a fleetbake bug, please report it", err)
	}
	drop := map[int]bool{}
	for _, a := range conf.Assignments {
		if a.Var == "MACHINE" || a.Var == "DISTRO" {
			for l := a.Line; l <= a.End; l++ {
				drop[l] = true
			}
		}
	}
	var b strings.Builder
	summary, err := assign("BB_CONF_FRAGMENT_SUMMARY", "Settings from fleetbake.toml: Greengrass, shared folders, [local_conf]")
	if err != nil {
		return "", err
	}
	desc, err := assign("BB_CONF_FRAGMENT_DESCRIPTION", "Written by fleetbake export bitbake-setup from fleetbake.toml; MACHINE and DISTRO come from the machine/ and distro/ fragments.")
	if err != nil {
		return "", err
	}
	b.WriteString("# Written by `fleetbake export bitbake-setup` from " + filepath.Base(source(in.p)) + ".\n")
	b.WriteString("# Change the settings there and export again, not here.\n")
	b.WriteString(summary + "\n" + desc + "\n")
	if ld.Greengrass != nil {
		b.WriteString("# The claim files are read from $" + ClaimDirEnv + " on the build host:\n")
		b.WriteString("# export it before sourcing build/init-build-env (bitbake-setup passes it on).\n")
	}
	for i, line := range strings.Split(strings.TrimRight(block, "\n"), "\n") {
		n := i + 1
		if drop[n] || strings.HasPrefix(line, "# Written by `fleetbake generate`") || strings.HasPrefix(line, "# Change the settings there") {
			continue
		}
		b.WriteString(line + "\n")
	}
	out := b.String()
	if err := guardConf("conf/fragments/fleetbake.conf", out); err != nil {
		return "", err
	}
	// The guard behind the rule: no byte of the claim folder's path.
	if in.p.Greengrass.Enabled {
		cert, _, _ := in.p.ClaimFiles()
		if dir := filepath.Dir(cert); strings.Contains(out, dir) {
			return "", fmt.Errorf("generator: the exported fragment names the claim folder %s; this is a fleetbake bug, please report it", dir)
		}
	}
	return out, nil
}
