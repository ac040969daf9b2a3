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

// ExportKas renders a kas project file (format version KasFormatVersion,
// which kas KasMinVersion and later read) for the same build: machine,
// distro, target, one repo per layer repository at its pinned (else
// checked-out) commit, fleetbake's local.conf block as local_conf_header,
// and the claim folder and shared servers as env entries. fileName is the
// name the file will have: it is named in the hint and gives the lock
// file's name.
func ExportKas(p *model.Project, res *model.Resolution, fileName string) ([]byte, error) {
	in, err := newInput(p, res)
	if err != nil {
		return nil, err
	}
	return exportKas(in, kasFileName(fileName))
}

// ExportKasLock renders the kas lock file that goes beside the kas file
// (KasLockName): every repository's commit as an override. It returns nil
// when no repository has a commit.
func ExportKasLock(p *model.Project, res *model.Resolution, fileName string) ([]byte, error) {
	in, err := newInput(p, res)
	if err != nil {
		return nil, err
	}
	return exportKasLock(in, kasFileName(fileName))
}

func kasFileName(name string) string {
	if name == "" {
		return "kas-fleetbake.yml"
	}
	return name
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
