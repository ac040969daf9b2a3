package cli

// `fleetbake init`: a new fleetbake.toml, never over an existing one.

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"fleetbake/app"
	"fleetbake/model"
)

func runInit(env *cliEnv, args []string) error {
	p := model.Default()
	flags := newFlags(env, "init")
	flags.StringVar(&p.Machine, "machine", p.Machine, "MACHINE")
	flags.StringVar(&p.Distro, "distro", p.Distro, "DISTRO")
	flags.StringVar(&p.Image, "image", p.Image, "image recipe to build")
	layers := flags.String("layers", strings.Join(p.Layers, ","), "layers to use, comma separated (dependencies are added)")
	flags.StringVar(&p.Release, "release", p.Release, "Yocto release code name (empty: detect from oe-core on disk)")
	flags.StringVar(&p.BuildDir, "build-dir", p.BuildDir, "BitBake build folder")
	flags.StringVar(&p.Greengrass.Region, "region", p.Greengrass.Region, "AWS region")
	if err := flags.Parse(args); err != nil {
		return err
	}
	if flags.NArg() > 0 {
		return fmt.Errorf("init: unexpected argument %q", flags.Arg(0))
	}
	p.Layers = nil
	for _, l := range strings.Split(*layers, ",") {
		if l = strings.TrimSpace(l); l != "" {
			p.Layers = append(p.Layers, l)
		}
	}
	path, err := filepath.Abs(env.configPath)
	if err != nil {
		return err
	}
	p.SetPath(path)
	if _, err := os.Lstat(path); err == nil {
		return fmt.Errorf("%s already exists; edit it, or remove it first to start over", env.configPath)
	}
	if err := app.NotSourceTree(filepath.Dir(path)); err != nil {
		return err
	}
	// On a fresh machine nothing on disk names the release; write the default
	// so that `generate` works from the catalog at once.
	var notes []string
	ws, derr := app.Discover(p)
	if derr == nil && app.ReleaseToWrite(p, ws) != p.Release {
		p.Release = app.ReleaseToWrite(p, ws)
		notes = append(notes, fmt.Sprintf("No oe-core on disk: release %s (the LTS every catalog layer supports); change release in %s to build another.", p.Release, env.configPath))
	}
	if err := p.Validate(); err != nil {
		return err
	}
	// A MACHINE no layer has is refused here, not after the conf files
	// are written without its BSP layer; other missing layers are for
	// `layers` and `layers fetch` to report.
	if derr == nil {
		if res, _ := model.Resolve(p, ws.Raw.(*model.Workspace)); res != nil {
			for _, m := range res.Missing {
				if m.Machine != "" {
					return fmt.Errorf("--machine %s: %s", p.Machine, m.Hint)
				}
			}
			notes = append(notes, res.Notes...)
		}
	}
	data, err := p.Encode()
	if err != nil {
		return err
	}
	if err := writeNewFile(path, data); err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "Wrote %s (MACHINE %s, DISTRO %s, image %s, layers %s).\n", env.configPath, p.Machine, p.Distro, p.Image, strings.Join(p.Layers, " "))
	for _, n := range notes {
		fmt.Fprintln(env.stdout, n)
	}
	fmt.Fprintln(env.stdout, "Next: `fleetbake layers` to see what is on disk, `fleetbake layers fetch` to clone the rest.")
	return nil
}

// writeNewFile creates path exclusively (never replacing a file that appeared
// meanwhile), writes and syncs it; on failure nothing is left behind.
func writeNewFile(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%s already exists; edit it, or remove it first to start over", path)
		}
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
	}
	return err
}
