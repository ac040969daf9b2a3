// Package generator writes the BitBake configuration of a fleetbake project:
// conf/bblayers.conf and conf/local.conf in the build folder and, for a
// meta-aws tree of the old fleet provisioning generation, a small layer of
// the project's own that supplies the claim files. It owns one marked block
// per file and keeps every other line byte for byte.
//
// Plan renders everything and compares it with disk without writing; Apply
// writes what Plan found, atomically, refusing a file changed in between.
// ExportKas renders the equivalent kas project file.
package generator

import (
	"errors"

	"fleetbake/model"
)

// Plan renders every file fleetbake owns for the project and compares it
// with what is on disk. Nothing is written. res is the resolved layer set
// (model.Resolve); its Release and Generation pick the meta-aws variables.
func Plan(p *model.Project, res *model.Resolution) (*Changes, error) {
	in, err := newInput(p, res)
	if err != nil {
		return nil, err
	}
	return plan(in)
}

// ExportKas renders a kas project file (format version 14) for the same
// build: machine, distro, target, one repo per layer repository with its
// branch and checked-out commit, and fleetbake's local.conf block as
// local_conf_header. fileName is only used in the "kas build" hint.
func ExportKas(p *model.Project, res *model.Resolution, fileName string) ([]byte, error) {
	in, err := newInput(p, res)
	if err != nil {
		return nil, err
	}
	if fileName == "" {
		fileName = "kas-fleetbake.yml"
	}
	return exportKas(in, fileName)
}

func newInput(p *model.Project, res *model.Resolution) (*input, error) {
	if p == nil {
		return nil, errors.New("generator: no project")
	}
	if res == nil {
		return nil, errors.New("generator: no resolved layer set; resolve the project's layers first")
	}
	if err := checkInputText(p); err != nil {
		return nil, err
	}
	return &input{p: p, release: res.Release, generation: res.Generation, layers: res.Layers, resNotes: res.Notes}, nil
}
