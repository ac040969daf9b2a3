// Package model holds the fleetbake project file (fleetbake.toml), its
// validation, and the discovery of Yocto layers on disk and in the built-in
// catalog. Every other package reads the engineer's choices from here.
package model

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"
)

// FormatVersion is the version of the fleetbake.toml layout this build writes.
// A file with a newer version is refused rather than half understood.
const FormatVersion = 1

// DefaultFile is the project file name looked for in the current folder.
const DefaultFile = "fleetbake.toml"

// Project is everything the engineer chose for one Yocto build.
// Field order is the order they appear in fleetbake.toml.
type Project struct {
	Format int `toml:"format"`

	// Sources are folders searched for layers (relative to the project file).
	// Empty means the project folder and its sources/, layers/ and poky/.
	Sources []string `toml:"sources,omitempty"`
	// BuildDir is the BitBake build folder (holds conf/), relative to the project file.
	BuildDir string `toml:"build_dir"`
	// Release is the Yocto release code name (scarthgap, walnascar, ...).
	// Empty means detect it from oe-core on disk.
	Release string `toml:"release,omitempty"`
	Machine string `toml:"machine"`
	Distro  string `toml:"distro"`
	Image   string `toml:"image"`
	// Layers are the layers the engineer chose, by layer name (meta-aws) or
	// BitBake collection name (openembedded-layer). Dependencies are added
	// when the layer set is resolved; they need not be listed.
	Layers []string `toml:"layers"`

	// LocalConf holds extra local.conf assignments, VARIABLE = value.
	LocalConf map[string]string `toml:"local_conf,omitempty"`

	Shared     Shared     `toml:"shared"`
	Greengrass Greengrass `toml:"greengrass"`
	// Pins: the commit of each layer repository, from `fleetbake layers lock`.
	Pins Pins `toml:"pins,omitempty"`

	// path is where the project was loaded from or will be saved to.
	path string
	// loaded is the file's content when it was loaded or last saved, so
	// SaveUpdate can tell whether someone changed it since.
	loaded []byte
}

// Shared are the settings teams use to share work between builds and hosts.
type Shared struct {
	DLDir             string `toml:"dl_dir,omitempty"`
	SstateDir         string `toml:"sstate_dir,omitempty"`
	SstateMirrors     string `toml:"sstate_mirrors,omitempty"`
	HashServe         string `toml:"hashserve,omitempty"`          // BB_HASHSERVE: "auto" or host:port
	HashServeUpstream string `toml:"hashserve_upstream,omitempty"` // BB_HASHSERVE_UPSTREAM
	SignatureHandler  string `toml:"signature_handler,omitempty"`  // BB_SIGNATURE_HANDLER, OEEquivHash with a hash server
	PRServHost        string `toml:"prserv_host,omitempty"`        // PRSERV_HOST host:port
	BBNumberThreads   int    `toml:"bb_number_threads,omitempty"`  // 0: BitBake's default
	ParallelMake      int    `toml:"parallel_make,omitempty"`      // 0: BitBake's default (-j N)
}

// Nucleus flavours meta-aws offers.
const (
	NucleusBin  = "greengrass-bin"
	NucleusLite = "greengrass-lite"
)

// Greengrass holds the Greengrass v2 and fleet provisioning settings.
type Greengrass struct {
	Enabled bool   `toml:"enabled"`
	Nucleus string `toml:"nucleus,omitempty"` // greengrass-bin or greengrass-lite
	Region  string `toml:"region,omitempty"`

	// Prefix names every AWS resource fleetbake creates unless overridden below.
	Prefix string `toml:"prefix,omitempty"`

	ProvisioningTemplate string `toml:"provisioning_template,omitempty"`
	RoleAlias            string `toml:"role_alias,omitempty"`
	ThingGroup           string `toml:"thing_group,omitempty"`
	ThingNamePrefix      string `toml:"thing_name_prefix,omitempty"`

	// Name overrides for the remaining resources; empty means derived from Prefix.
	TokenExchangeRole   string `toml:"token_exchange_role,omitempty"`
	TokenExchangePolicy string `toml:"token_exchange_policy,omitempty"`
	CorePolicy          string `toml:"core_policy,omitempty"`
	ProvisioningRole    string `toml:"provisioning_role,omitempty"`
	ClaimPolicy         string `toml:"claim_policy,omitempty"`

	// ClaimDir holds claim.cert.pem, claim.pkey.pem and claim.root.pem
	// (relative to the project file). The key never goes in this file.
	ClaimDir string `toml:"claim_dir,omitempty"`
	// AWSGeneratedKey makes AWS create the claim key (CreateKeysAndCertificate)
	// instead of a key made on this machine and a CSR.
	AWSGeneratedKey bool `toml:"aws_generated_key,omitempty"`

	// Filled in by `fleetbake provision apply`.
	DataEndpoint       string `toml:"data_endpoint,omitempty"`
	CredentialEndpoint string `toml:"credential_endpoint,omitempty"`
}

// Default returns a new project with the defaults an engineer would expect.
func Default() *Project {
	return &Project{
		Format:   FormatVersion,
		BuildDir: "build",
		Machine:  "qemux86-64",
		Distro:   "poky",
		Image:    "core-image-minimal",
		Layers:   []string{"meta-aws"},
		Greengrass: Greengrass{
			Enabled:  true,
			Nucleus:  NucleusBin,
			Region:   "us-east-1",
			Prefix:   "fleetbake",
			ClaimDir: DefaultClaimDir,
		},
	}
}

// Path is the file the project was loaded from or will be saved to.
func (p *Project) Path() string { return p.path }

// SetPath sets where Save writes the project.
func (p *Project) SetPath(path string) { p.path = path }

// Dir is the folder relative paths in the project are relative to.
func (p *Project) Dir() string { return filepath.Dir(p.path) }

// Abs resolves a path setting: ~ and ~/... against the home folder (BitBake
// expands no ~, and oe-core's sanity.bbclass refuses a DL_DIR, SSTATE_DIR or
// TMPDIR starting with ~), anything else relative against the project
// folder. The file keeps the ~, so one project file serves every user.
func (p *Project) Abs(path string) string {
	path = ExpandHome(path)
	if path == "" || filepath.IsAbs(path) {
		return path
	}
	return filepath.Join(p.Dir(), path)
}

// ExpandHome replaces a leading ~ or ~/ with the home folder ($HOME). Other
// paths, ~user/ forms (refused by Validate) and a ~ without a known home
// come back unchanged.
func ExpandHome(path string) string {
	if path != "~" && !strings.HasPrefix(path, "~/") {
		return path
	}
	home, err := os.UserHomeDir()
	if err != nil || home == "" {
		return path
	}
	return filepath.Join(home, path[1:])
}

// Parse decodes a project from TOML without validating it. Its errors do not
// name the file: Load adds the path once.
func Parse(data []byte) (*Project, error) {
	p := &Project{}
	md, err := toml.Decode(string(data), p)
	if err != nil {
		return nil, fmt.Errorf("not valid TOML: %w", err)
	}
	if undec := md.Undecoded(); len(undec) > 0 {
		// Undecoded lists a misspelt table and each key under it; the
		// table alone is the typo.
		var keys []string
		for _, k := range undec {
			if len(k) > 1 && slices.Contains(keys, k[:len(k)-1].String()) {
				continue
			}
			keys = append(keys, k.String())
		}
		return nil, unknownKeysError(keys)
	}
	if p.Format > FormatVersion {
		return nil, fmt.Errorf("format %d is newer than this fleetbake reads (up to %d): upgrade fleetbake", p.Format, FormatVersion)
	}
	if p.Format == 0 {
		p.Format = FormatVersion
	}
	return p, nil
}

// Encode renders the project as TOML.
func (p *Project) Encode() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("# fleetbake project file: edit by hand or with `fleetbake`.\n")
	if err := toml.NewEncoder(&buf).Encode(p); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Load reads and parses the project file at path. It does not validate;
// call Validate for that, so callers can show every problem at once.
func Load(path string) (*Project, error) {
	data, err := ReadRegularFile(path, MaxProjectFileSize)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, fmt.Errorf("no project file at %s: run `fleetbake` to make one, or pass --config", path)
		}
		return nil, err
	}
	p, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	p.path = abs
	p.loaded = data
	return p, nil
}

// Save writes the project to its path. An existing file is edited, not
// rewritten: only the lines of the settings that differ change, and the
// engineer's comments, order and blank lines stay (see EditTOML); a file
// the editor cannot follow is written whole. A symlinked project file stays
// a symlink, and the file it points to gets the new content. Nothing is
// written when nothing changed.
func (p *Project) Save() error {
	if p.path == "" {
		return fmt.Errorf("project has no path to save to")
	}
	data, err := p.Encode()
	if err != nil {
		return err
	}
	real, err := RealPath(p.path)
	if err != nil {
		return err
	}
	cur, err := ReadRegularFile(real, MaxProjectFileSize)
	switch {
	case err == nil:
		if base, err := Parse(cur); err == nil {
			if edited, err := EditTOML(cur, base, p); err == nil {
				data = edited
			}
		}
		if bytes.Equal(cur, data) {
			p.loaded = data
			return nil
		}
	case errors.Is(err, fs.ErrNotExist):
		cur = nil
	default:
		return err
	}
	perm := os.FileMode(0o644)
	if fi, err := os.Stat(real); err == nil {
		perm = fi.Mode().Perm() // keep the mode the engineer gave the file
	}
	// Replaced only if it still holds what was just read: an edit saved
	// in between is kept (SaveUpdate then merges onto it).
	if err := ReplaceIfUnchanged(real, data, perm, cur); err != nil {
		return err
	}
	p.loaded = data
	return nil
}

// SaveUpdate applies update to the project and saves it, without losing
// changes made to the file since it was loaded (or last saved): when the
// file on disk is no longer what was read, update is applied onto the file
// as it is now, that is saved, and p becomes it (merged is true). If the
// changed file cannot be read, nothing is written and the error says so.
// For long-running commands (provision apply) that set a few fields.
func (p *Project) SaveUpdate(update func(*Project)) (merged bool, err error) {
	if p.path == "" {
		return false, fmt.Errorf("project has no path to save to")
	}
	// An edit saved while this save runs is kept (Save refuses to replace
	// it); the update is then merged onto it, a few times at most.
	for range 3 {
		merged, err = p.saveUpdateOnce(update)
		var ce *ChangedOnDiskError
		if !errors.As(err, &ce) {
			return merged, err
		}
	}
	return merged, err
}

func (p *Project) saveUpdateOnce(update func(*Project)) (merged bool, err error) {
	real, err := RealPath(p.path)
	if err != nil {
		return false, err
	}
	cur, err := ReadRegularFile(real, MaxProjectFileSize)
	switch {
	case err == nil && p.loaded != nil && bytes.Equal(cur, p.loaded):
	case os.IsNotExist(err) && p.loaded == nil:
	case err != nil && !os.IsNotExist(err):
		return false, err
	case err != nil:
		return false, fmt.Errorf("%s was removed since fleetbake read it; not writing it again", p.path)
	default:
		fresh, perr := Parse(cur)
		if perr != nil {
			return false, fmt.Errorf("%s changed since fleetbake read it and cannot be read now (%v); it was left as it is", p.path, perr)
		}
		fresh.path = p.path
		fresh.loaded = cur
		update(fresh)
		if err := fresh.Save(); err != nil {
			return true, err
		}
		*p = *fresh
		return true, nil
	}
	q := *p // p changes only once saved
	update(&q)
	if err := q.Save(); err != nil {
		return false, err
	}
	*p = q
	return false, nil
}
