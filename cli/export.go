package cli

// Subcommands that hand the build to other engines: `export kas` (a kas
// project file and its lock file) and `export ci` (a GitHub Actions or GitLab
// CI pipeline that builds from the kas file).

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"fleetbake/app"
	"fleetbake/model"
)

func runExportKas(env *cliEnv, args []string) error {
	flags := newFlags(env, "export kas")
	out := flags.String("o", "", "write the kas file here, and its lock file <name>.lock.yml beside it, instead of printing the kas file")
	check := flags.Bool("check", false, "for CI: with -o, say whether the kas file and its lock file are current; exit 1 if not; write nothing")
	if err := flags.Parse(args); err != nil {
		return err
	}
	if flags.NArg() > 0 {
		return fmt.Errorf("export kas: unexpected argument %q", flags.Arg(0))
	}
	if *check && *out == "" {
		return errors.New("export kas: --check compares with a file: name it with -o (e.g. -o kas/fleetbake.yml)")
	}
	if strings.HasSuffix(*out, string(os.PathSeparator)) {
		return fmt.Errorf("export kas: -o %s is a folder; name the file (e.g. -o kas/fleetbake.yml)", *out)
	}
	if fi, err := os.Stat(*out); err == nil && fi.IsDir() {
		return fmt.Errorf("export kas: -o %s is a folder; name the file (e.g. -o %s)", *out, filepath.Join(*out, "fleetbake.yml"))
	}
	p, res, err := loadResolved(env)
	if err != nil {
		return err
	}
	name := kasFilePath(*out, p.Dir())
	data, err := app.ExportKas(p, res, name)
	if err != nil {
		return err
	}
	lock, err := app.ExportKasLock(p, res, name)
	if err != nil {
		return err
	}
	warnNoEndpoints(env, p, "kas file")
	if *out == "" {
		if _, err := env.stdout.Write(data); err != nil {
			return err
		}
		if lock != nil {
			fmt.Fprintln(env.stderr, "note: the lock file is written only with -o, beside the kas file")
		}
		return nil
	}
	files := []struct {
		path string
		data []byte
	}{{*out, data}}
	lockPath := filepath.Join(filepath.Dir(*out), app.KasLockName(filepath.Base(*out)))
	if lock != nil {
		files = append(files, struct {
			path string
			data []byte
		}{lockPath, lock})
	} else if _, err := os.Stat(lockPath); err == nil {
		// kas would still read it and override the refspecs.
		fmt.Fprintf(env.stderr, "warning: %s is left from an earlier export and no repository has a commit now; kas still reads it: delete it\n", model.PrintableLines(lockPath))
	}
	if *check {
		stale := 0
		for _, f := range files {
			old, err := model.ReadRegularFile(f.path, model.MaxConfFileSize)
			switch {
			case err != nil:
				fmt.Fprintf(env.stdout, "%s: would be created\n", model.PrintableLines(f.path))
				stale++
			case !bytes.Equal(old, f.data):
				fmt.Fprintf(env.stdout, "%s: would be changed\n", model.PrintableLines(f.path))
				stale++
			default:
				fmt.Fprintf(env.stdout, "%s: up to date\n", model.PrintableLines(f.path))
			}
		}
		if stale > 0 {
			return &exitError{code: 1, err: fmt.Errorf("the kas export is not up to date with fleetbake.toml; run `fleetbake export kas -o %s` and commit the result", *out)}
		}
		return nil
	}
	// kas/ of the README's `-o kas/fleetbake.yml` is new in most projects:
	// made here, as `export ci -o .github/workflows/...` makes its folder.
	if err := os.MkdirAll(filepath.Dir(*out), 0o755); err != nil {
		return fmt.Errorf("export kas: %w", err)
	}
	for _, f := range files {
		if err := model.WriteFileAtomic(f.path, f.data, 0o644); err != nil {
			return fmt.Errorf("export kas: cannot write %s: %w", f.path, err)
		}
		fmt.Fprintf(env.stdout, "wrote %s\n", model.PrintableLines(f.path))
	}
	return nil
}

func runExportCI(env *cliEnv, args []string) error {
	flags := newFlags(env, "export ci")
	github := flags.Bool("github", false, "write a GitHub Actions workflow (e.g. -o .github/workflows/fleetbake.yml)")
	gitlab := flags.Bool("gitlab", false, "write a GitLab CI pipeline (e.g. -o .gitlab-ci.yml)")
	label := flags.String("runner-label", "", "GitHub: the runs-on label of the runner that builds (a large self-hosted or CodeBuild runner)")
	kasFile := flags.String("kas-file", "kas/fleetbake.yml", "the kas file the pipeline builds, relative to the project folder (write it with fleetbake export kas -o)")
	kasImage := flags.String("kas-image", app.DefaultKasImage, "GitLab: the kas container image the jobs run in")
	out := flags.String("o", "", "write the pipeline here instead of standard output")
	if err := flags.Parse(args); err != nil {
		return err
	}
	if flags.NArg() > 0 {
		return fmt.Errorf("export ci: unexpected argument %q", flags.Arg(0))
	}
	if *github == *gitlab {
		return errors.New("export ci: choose one of --github or --gitlab")
	}
	// A flag of the other engine would be dropped without a word: refused.
	set := map[string]bool{}
	flags.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if *gitlab && set["runner-label"] {
		return errors.New("export ci: --runner-label is for --github; GitLab CI picks runners by the tags of its jobs: add `tags:` to the jobs of the written pipeline")
	}
	if *github && set["kas-image"] {
		return errors.New("export ci: --kas-image is for --gitlab; the GitHub workflow runs kas installed on the runner you label with --runner-label")
	}
	p, err := app.Open(env.configPath)
	if err != nil {
		return err
	}
	opts := app.CIOptions{Engine: app.CIGitLab, KasFile: filepath.ToSlash(*kasFile), KasImage: *kasImage}
	if *github {
		opts = app.CIOptions{Engine: app.CIGitHub, KasFile: filepath.ToSlash(*kasFile), RunnerLabel: *label}
	}
	data, err := app.ExportCI(p, opts)
	if err != nil {
		return err
	}
	if _, err := os.Stat(p.Abs(filepath.FromSlash(opts.KasFile))); err != nil {
		fmt.Fprintf(env.stderr, "note: the pipeline builds from %s, which is not there yet: run `fleetbake export kas -o %s` and commit it with its lock file\n", model.PrintableLines(opts.KasFile), model.PrintableLines(opts.KasFile))
	}
	if *out == "" {
		_, err := env.stdout.Write(data)
		return err
	}
	if err := os.MkdirAll(filepath.Dir(*out), 0o755); err != nil {
		return fmt.Errorf("export ci: %w", err)
	}
	if err := model.WriteFileAtomic(*out, data, 0o644); err != nil {
		return fmt.Errorf("export ci: cannot write %s: %w", *out, err)
	}
	fmt.Fprintf(env.stdout, "wrote %s\n", model.PrintableLines(*out))
	return nil
}

// warnNoEndpoints says when an export bakes empty IOT_DATA_ENDPOINT and
// IOT_CRED_ENDPOINT into its local.conf block (before `provision apply`):
// the export is written, as generate writes the conf, but an image built
// from it cannot provision a device, and unlike generate's conf nothing on
// the build host would say so.
func warnNoEndpoints(env *cliEnv, p *model.Project, what string) {
	g := p.Greengrass
	if !g.Enabled || g.DataEndpoint != "" && g.CredentialEndpoint != "" {
		return
	}
	fmt.Fprintf(env.stderr, "warning: the %s has no Greengrass endpoints yet, so devices built from it cannot provision: run `fleetbake provision apply` (it writes data_endpoint and credential_endpoint into fleetbake.toml), then export again\n", what)
}

// kasFilePath is the kas file as the header's `kas build` hint names it:
// -o as given when it is relative (the folder the engineer runs fleetbake
// in, the repository root in CI), relative to the project folder when it is
// an absolute path inside it, else the file name alone (an absolute path of
// this machine means nothing on a CI runner). "" for standard output.
func kasFilePath(out, projectDir string) string {
	if out == "" {
		return ""
	}
	if !filepath.IsAbs(out) {
		return filepath.ToSlash(filepath.Clean(out))
	}
	if rel, err := filepath.Rel(projectDir, out); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return filepath.ToSlash(rel)
	}
	return filepath.Base(out)
}
