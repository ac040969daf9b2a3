// Package app holds fleetbake's use cases: open or create a project, resolve
// the workspace, plan and write the conf files (with the stale-conf check),
// apply the AWS side, verify it, and start, attach and stop a build. It is
// the only package that composes model, generator, provision and engine;
// the command line (cli) and the screens and prompts (ui) call it and only
// ask and show.
package app

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"fleetbake/model"
)

// Open loads the project file and checks every answer together. Errors name
// the file once.
func Open(path string) (*model.Project, error) {
	p, err := model.Load(path)
	if err != nil {
		return nil, err
	}
	if err := p.Validate(); err != nil {
		return nil, err // names the file itself
	}
	return p, nil
}

// OpenOrDefault loads the project file; when there is none it returns the
// default project placed at that path, and false.
func OpenOrDefault(path string) (*model.Project, bool, error) {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		p := model.Default()
		abs, err := filepath.Abs(path)
		if err != nil {
			return nil, false, err
		}
		p.SetPath(abs)
		return p, false, nil
	}
	p, err := model.Load(path)
	if err != nil {
		return nil, false, err
	}
	return p, true, nil
}

// OpenOrNew loads the project file for the wizard, or starts a new
// unanswered project that will be saved there with the first answer.
func OpenOrNew(path string) (*model.Project, bool, error) {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		abs, err := filepath.Abs(path)
		if err != nil {
			return nil, false, err
		}
		if err := NotSourceTree(filepath.Dir(abs)); err != nil {
			return nil, false, err
		}
		return NewProject(abs), false, nil
	}
	p, err := model.Load(path)
	if err != nil {
		return nil, false, fmt.Errorf("%w\nfix the file (your answers are still in it) or move it aside to start again", err)
	}
	return p, true, nil
}

// NewProject is an unanswered project that will be saved at path: only the
// format and the build folder are set, so that every question is asked.
func NewProject(path string) *model.Project {
	p := &model.Project{Format: model.FormatVersion, BuildDir: model.Default().BuildDir}
	p.SetPath(path)
	return p
}

// NotSourceTree refuses to make fleetbake's own source tree a workspace:
// `go run .` in the clone would otherwise put the project file, the conf
// files and the fleet's claim key into a git tree.
func NotSourceTree(dir string) error {
	data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil || !strings.HasPrefix(strings.TrimSpace(string(data)), "module fleetbake\n") {
		return nil
	}
	return fmt.Errorf("%s is fleetbake's own source tree, not a Yocto workspace: the project file and the claim key must not land in it.\n"+
		"Run fleetbake in your Yocto folder (cd ~/yocto), or name one: --config ~/yocto/fleetbake.toml", dir)
}
