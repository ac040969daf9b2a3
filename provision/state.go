package provision

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"fleetbake/model"
)

// StateFile is the name of the state file written next to the project file.
const StateFile = "fleetbake.state.json"

// stateFile records what fleetbake created, per account and region, so that
// destroy removes exactly that and apply can tell its own resources from
// someone else's. It holds no secrets.
type stateFile struct {
	Version int                     `json:"version"`
	Note    string                  `json:"note"`
	Targets map[string]*targetState `json:"targets"` // key: account/region
}

type targetState struct {
	Account   string                  `json:"account"`
	Region    string                  `json:"region"`
	Resources map[Kind]*stateResource `json:"resources,omitempty"`
	Certs     []*stateCert            `json:"certificates,omitempty"`
	Pending   *pendingCert            `json:"pending_certificate,omitempty"`
}

type stateResource struct {
	Name    string    `json:"name"`
	ARN     string    `json:"arn"`
	Created time.Time `json:"created"`
}

type stateCert struct {
	ID      string    `json:"id"`
	ARN     string    `json:"arn"`
	Role    string    `json:"role"` // roleCurrent (images get it), roleNext (rotation under way), roleRetired (deactivated)
	Created time.Time `json:"created"`
	// PublicKey is the SHA-256 of the certificate's public key (PKIX), to
	// match it with a key file without asking AWS.
	PublicKey string `json:"public_key_sha256"`
}

// pendingCert is written before a certificate is requested, so a run killed
// between AWS's answer and the state write can find the certificate again.
type pendingCert struct {
	Started         time.Time `json:"started"`
	PublicKeySHA256 string    `json:"public_key_sha256,omitempty"` // CSR flow: the key on disk
	AWSGeneratedKey bool      `json:"aws_generated_key,omitempty"`
	Role            string    `json:"role"` // role the certificate gets once made
	// Ended is when the request returned or gave up, on AWS's clock as far
	// as its answers tell (zero: the run was killed during it); Attempts is
	// how many of its attempts may have made a certificate. Written only
	// when the request failed in a way that may have left one behind.
	Ended    time.Time `json:"ended,omitempty"`
	Attempts int       `json:"attempts,omitempty"`
}

// state is the loaded state file with a lock; every change is saved at once.
type state struct {
	mu   sync.Mutex
	path string
	file stateFile
	// found is whether the file existed when it was loaded: a folder that
	// has one applied (or began to) here.
	found bool
}

func loadState(path string) (*state, error) {
	s := &state{path: path, file: stateFile{Version: 1}}
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return s, nil
	}
	if err != nil {
		return nil, err
	}
	s.found = true
	if err := json.Unmarshal(data, &s.file); err != nil {
		return nil, fmt.Errorf("%s is not valid JSON (%v): fix or move it; without it fleetbake finds its resources by their tags", path, err)
	}
	if s.file.Version > 1 {
		return nil, fmt.Errorf("%s has version %d; this fleetbake reads version 1: upgrade fleetbake", path, s.file.Version)
	}
	return s, nil
}

// target returns the state for one account and region (created empty).
// Callers hold s.mu.
func (s *state) target(account, region string) *targetState {
	if s.file.Targets == nil {
		s.file.Targets = map[string]*targetState{}
	}
	key := account + "/" + region
	t := s.file.Targets[key]
	if t == nil {
		t = &targetState{Account: account, Region: region}
		s.file.Targets[key] = t
	}
	if t.Resources == nil {
		t.Resources = map[Kind]*stateResource{}
	}
	return t
}

// view runs f with the target's state locked, read-only.
func (s *state) view(account, region string, f func(t *targetState)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(s.target(account, region))
}

// update runs f with the target's state locked and saves the file atomically.
func (s *state) update(account, region string, f func(t *targetState)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(s.target(account, region))
	return s.saveLocked()
}

func (s *state) saveLocked() error {
	s.file.Version = 1
	s.file.Note = "Written by fleetbake: the AWS resources it created, so `fleetbake provision destroy` removes exactly those. No secrets."
	// Drop empty targets so a destroyed account leaves a clean file.
	for k, t := range s.file.Targets {
		if len(t.Resources) == 0 && len(t.Certs) == 0 && t.Pending == nil {
			delete(s.file.Targets, k)
		}
	}
	data, err := json.MarshalIndent(s.file, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(s.path), 0o755); err != nil {
		return err
	}
	if err := model.WriteFileAtomic(s.path, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("write state file %s: %w (what fleetbake created is still in AWS; fix the folder and run apply again)", s.path, err)
	}
	s.found = true
	return nil
}

// resource returns the recorded resource of a kind, or nil.
func (t *targetState) resource(kind Kind) *stateResource { return t.Resources[kind] }

const (
	roleCurrent = "current"
	roleNext    = "next"
	roleRetired = "retired"
)

// cert returns the first recorded certificate with a role, or nil.
func (t *targetState) cert(role string) *stateCert {
	for _, c := range t.Certs {
		if c.Role == role {
			return c
		}
	}
	return nil
}

// dropCert forgets a certificate (deleted, or found gone).
func (t *targetState) dropCert(id string) {
	out := t.Certs[:0]
	for _, c := range t.Certs {
		if c.ID != id {
			out = append(out, c)
		}
	}
	t.Certs = out
}

func (t *targetState) kinds() []Kind {
	var ks []Kind
	for k := range t.Resources {
		ks = append(ks, k)
	}
	sort.Slice(ks, func(i, j int) bool { return kindIndex(ks[i]) < kindIndex(ks[j]) })
	return ks
}

func kindIndex(k Kind) int {
	for i, kk := range Kinds {
		if kk == k {
			return i
		}
	}
	return len(Kinds)
}
