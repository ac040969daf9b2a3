package cli

// `fleetbake export bitbake-setup`: the project's build as a bitbake-setup
// configuration folder (app.ExportBBSetup).

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"fleetbake/app"
	"fleetbake/model"
)

func runExportBBSetup(env *cliEnv, args []string) error {
	flags := newFlags(env, "export bitbake-setup")
	out := flags.String("o", "bitbake-setup", "folder to write "+app.BBSetupConfigFile+" and its "+app.BBSetupLayerDir+" layer into")
	if err := flags.Parse(args); err != nil {
		return err
	}
	if flags.NArg() > 0 {
		return fmt.Errorf("export bitbake-setup: unexpected argument %q", flags.Arg(0))
	}
	if *out == "" {
		return fmt.Errorf("export bitbake-setup: -o is empty; name a folder (e.g. -o bitbake-setup)")
	}
	if fi, err := os.Stat(*out); err == nil && !fi.IsDir() {
		return fmt.Errorf("export bitbake-setup: -o %s is a file; name a folder", *out)
	}
	p, res, err := loadResolved(env)
	if err != nil {
		return err
	}
	exp, err := app.ExportBBSetup(p, res)
	if err != nil {
		return err
	}
	warnNoEndpoints(env, p, "bitbake-setup configuration")
	names := make([]string, 0, len(exp.Files))
	for n := range exp.Files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		path := filepath.Join(*out, filepath.FromSlash(n))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return fmt.Errorf("export bitbake-setup: %w", err)
		}
		if err := model.WriteFileAtomic(path, exp.Files[n], 0o644); err != nil {
			return fmt.Errorf("export bitbake-setup: cannot write %s: %w", path, err)
		}
		fmt.Fprintf(env.stdout, "wrote %s\n", path)
	}
	for _, n := range exp.Notes {
		fmt.Fprintln(env.stdout, "note:", n)
	}
	fmt.Fprintln(env.stdout, "Set up the build with bitbake-setup (bitbake 2.16 or later):")
	if p.Greengrass.Enabled {
		cert, _, _ := p.ClaimFiles()
		fmt.Fprintf(env.stdout, "  export %s=%s   # the claim folder on the build host\n", app.ClaimDirEnv, model.PrintableLines(filepath.Dir(cert)))
	}
	fmt.Fprintf(env.stdout, "  bitbake-setup init --non-interactive %s\n", model.PrintableLines(filepath.Join(*out, app.BBSetupConfigFile)))
	return nil
}
