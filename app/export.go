package app

// The exports that hand this build to other engines (kas, bitbake-setup, a
// CI pipeline), under app's names so that front ends depend on app only: the
// files themselves are rendered by package generator.

import (
	"fleetbake/generator"
	"fleetbake/model"
)

// ExportKas renders the kas project file of p (file name: what it will be
// written as, "" for standard output).
func ExportKas(p *model.Project, res *model.Resolution, name string) ([]byte, error) {
	return generator.ExportKas(p, res, name)
}

// ExportKasLock renders the kas lock file that goes beside the kas file
// named fileName.
func ExportKasLock(p *model.Project, res *model.Resolution, fileName string) ([]byte, error) {
	return generator.ExportKasLock(p, res, fileName)
}

// KasLockName is the lock file's name for the kas file fileName.
func KasLockName(fileName string) string { return generator.KasLockName(fileName) }

// CI pipelines.
type CIOptions = generator.CIOptions

const (
	CIGitHub        = generator.CIGitHub
	CIGitLab        = generator.CIGitLab
	DefaultKasImage = generator.DefaultKasImage
)

// ExportCI renders the pipeline opts asks for.
func ExportCI(p *model.Project, opts CIOptions) ([]byte, error) { return generator.ExportCI(p, opts) }

// bitbake-setup.
type BBSetupExport = generator.BBSetupExport

const (
	BBSetupConfigFile = generator.BBSetupConfigFile
	BBSetupLayerDir   = generator.BBSetupLayerDir
	ClaimDirEnv       = generator.ClaimDirEnv
)

// ExportBBSetup renders the bitbake-setup configuration folder of p.
func ExportBBSetup(p *model.Project, res *model.Resolution) (*BBSetupExport, error) {
	return generator.ExportBBSetup(p, res)
}
