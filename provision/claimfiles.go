package provision

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"

	"fleetbake/model"
	"fleetbake/templates"
)

// Claim file names: the names meta-aws installs under /greengrass/v2/claim-certs/
// (model's, for callers of this package).
const (
	ClaimCertFile = model.ClaimCertFile
	ClaimKeyFile  = model.ClaimKeyFile
	RootCAFile    = model.ClaimRootFile
)

// AmazonRootCA1 is the public Amazon Root CA 1 certificate (PEM), embedded
// so that a build host without internet still gets it.
func AmazonRootCA1() []byte {
	b, err := templates.FS.ReadFile("aws/AmazonRootCA1.pem")
	if err != nil {
		panic("templates/aws/AmazonRootCA1.pem missing from the build: " + err.Error())
	}
	return b
}

// claimFiles are the paths of the claim files on the build host.
type claimFiles struct {
	dir, cert, key, root string
}

// claimPaths are model's claim paths (Project.ClaimFiles), the ones
// generate points the recipes at and verify reads.
func claimPaths(p *model.Project) claimFiles {
	cert, key, root := p.ClaimFiles()
	return claimFiles{dir: filepath.Dir(cert), cert: cert, key: key, root: root}
}

// ensureDir makes the claim folder 0700, since it holds a private key. A
// folder that is already there is checked, never changed: it must be a
// real folder (not a symbolic link), of this user, and 0700. Tightening it
// instead would lock everyone else out of a folder that may be shared, and
// would follow a link to wherever it points.
func (c claimFiles) ensureDir() error {
	if err := os.MkdirAll(filepath.Dir(c.dir), 0o755); err != nil {
		return fmt.Errorf("make the parent of claim folder %s: %w (set greengrass.claim_dir to a folder you can write)", c.dir, err)
	}
	if err := os.Mkdir(c.dir, 0o700); err == nil {
		return os.Chmod(c.dir, 0o700) // the umask may have taken bits; nothing else is in it yet
	} else if !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("make claim folder %s: %w (set greengrass.claim_dir to a folder you can write)", c.dir, err)
	}
	return checkPrivate(c.dir, true)
}

// checkPrivate checks that path, which holds or will hold the claim key, is
// trusted before anything is read from it or written to it: not a symbolic
// link, owned by this user, with no permission for group or others (a key
// file 0600 at most, the folder 0700). The error says what to do; it never
// changes the file.
func checkPrivate(path string, dir bool) error {
	fi, err := os.Lstat(path)
	if err != nil {
		return err
	}
	what, fix := "claim key", "make a new one: move it away and run `fleetbake provision rotate-claim`"
	if dir {
		what, fix = "claim folder", "use a folder of your own: set greengrass.claim_dir, or `chmod 700` it if it is yours alone"
	}
	switch {
	case fi.Mode()&os.ModeSymlink != 0:
		target, _ := os.Readlink(path)
		return fmt.Errorf("%s %s is a symbolic link (to %s); fleetbake does not follow links for the claim key: name the real path in greengrass.claim_dir", what, path, target)
	case dir && !fi.IsDir():
		return fmt.Errorf("%s %s is not a folder; %s", what, path, fix)
	case !dir && !fi.Mode().IsRegular():
		return fmt.Errorf("%s %s is not a regular file; %s", what, path, fix)
	}
	if uid, ok := fileOwner(fi); ok && uid != os.Getuid() {
		return fmt.Errorf("%s %s belongs to user id %d, not to you (%d): a key another user can replace cannot be trusted; %s", what, path, uid, os.Getuid(), fix)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return fmt.Errorf("%s %s is mode %04o: group or others can read or change it, so it may have leaked; %s", what, path, fi.Mode().Perm(), fix)
	}
	return nil
}

// newClaimKey makes the claim private key: RSA 2048, which both the Java
// nucleus (AWS CRT) and greengrass-lite (OpenSSL) accept, written as PKCS#1
// PEM like the key CreateKeysAndCertificate returns.
func newClaimKey() (*rsa.PrivateKey, []byte, error) {
	k, err := generateRSAKey()
	if err != nil {
		return nil, nil, err
	}
	return k, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}), nil
}

// generateRSAKey makes a new RSA 2048 key (tests swap in a faster source).
var generateRSAKey = func() (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, 2048) }

// keyResult is a claim key made ahead of time, in memory only.
type keyResult struct {
	pem []byte
	err error
}

// writeKeyOnce writes a private key 0600 at path atomically and never over
// an existing file: the temporary file is hard-linked into place, which
// fails if path exists.
func writeKeyOnce(path string, pemBytes []byte) error {
	// model.CreateTemp: 0600 from the start, removed if the process is
	// interrupted before the link, and of the name later runs sweep, so an
	// interrupted write never leaves a copy of the claim key behind.
	tmp, err := model.CreateTemp(path, pemBytes, 0o600)
	if err != nil {
		return err
	}
	defer model.RemoveTemp(tmp)
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, os.ErrExist) {
			return fmt.Errorf("claim key %s already exists; fleetbake never overwrites a key", path)
		}
		return err
	}
	model.SyncDir(filepath.Dir(path))
	return nil
}

// ReadClaimKey reads the claim key file after the checks that make it
// trustworthy (checkPrivate on its folder and on the file): the one way
// fleetbake reads a claim key, for apply and for verify's live check alike.
func ReadClaimKey(path string) ([]byte, error) {
	if err := checkPrivate(filepath.Dir(path), true); err != nil {
		return nil, err
	}
	if err := checkPrivate(path, false); err != nil {
		return nil, err
	}
	// O_NOFOLLOW: the file checked is the file read, even if it is
	// swapped for a link in between; a key is a few KiB at most.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, 64<<10))
}

// loadKey reads a private key file (PKCS#1, PKCS#8 or SEC 1). Errors never
// include the file's content.
func loadKey(path string) (crypto.Signer, error) {
	data, err := ReadClaimKey(path)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("claim key %s is not a PEM file: move it away and run apply again to make a new one", path)
	}
	if k, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return k, nil
	}
	if k, err := x509.ParseECPrivateKey(block.Bytes); err == nil {
		return k, nil
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("claim key %s is not an RSA or EC private key: move it away and run apply again", path)
	}
	s, ok := k.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("claim key %s holds an unsupported key type", path)
	}
	switch s.(type) {
	case *rsa.PrivateKey, *ecdsa.PrivateKey:
		return s, nil
	}
	return nil, fmt.Errorf("claim key %s: only RSA and ECDSA keys work with AWS IoT", path)
}

// makeCSR returns a PEM certificate signing request for key.
func makeCSR(key crypto.Signer) (string, error) {
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		Subject: pkix.Name{CommonName: "fleetbake fleet provisioning claim"},
	}, key)
	if err != nil {
		return "", err
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})), nil
}

// publicKeyID is the SHA-256 of a public key's PKIX encoding: how a
// certificate is matched to the key on disk.
func publicKeyID(pub crypto.PublicKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:]), nil
}

// certPublicKeyID parses a PEM certificate and returns its publicKeyID.
func certPublicKeyID(certPEM string) (string, error) {
	block, _ := pem.Decode([]byte(certPEM))
	if block == nil {
		return "", errors.New("not a PEM certificate")
	}
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return "", err
	}
	return publicKeyID(c.PublicKey)
}

// keyFileID returns the publicKeyID of the key at path, or "" if there is none.
func keyFileID(path string) (string, error) {
	if _, err := os.Lstat(path); os.IsNotExist(err) {
		return "", nil
	}
	k, err := loadKey(path)
	if err != nil {
		return "", err
	}
	return publicKeyID(k.Public())
}

// writePublic writes a public file (certificate, root CA) atomically, 0644.
func writePublic(path string, data []byte) error {
	if old, err := os.ReadFile(path); err == nil && string(old) == string(data) {
		return nil
	}
	return model.WriteFileAtomic(path, data, 0o644)
}

var errNoClaim = errors.New("no claim certificate recorded for this account and region")

func linkFile(from, to string) error { return os.Link(from, to) }

func renameFile(from, to string) error {
	if err := os.Rename(from, to); err != nil {
		return err
	}
	if d, err := os.Open(filepath.Dir(to)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

func removeFile(path string) { os.Remove(path) }

// fileOwner is the user id that owns the file.
func fileOwner(fi os.FileInfo) (int, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return int(st.Uid), true
}
