package provision

import (
	"context"
	"fleetbake/internal/awsfake"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestClaimKeyIsCheckedBeforeItIsTrusted: a claim key or folder fleetbake
// cannot trust (readable by others, a symbolic link, a shared folder) is
// refused with what to do, before any certificate is made for it, and is
// left as it was.
func TestClaimKeyIsCheckedBeforeItIsTrusted(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, dir string)
		want  string
		mode  os.FileMode // the claim folder's mode afterwards, 0: not checked
	}{
		{"key readable by others", func(t *testing.T, dir string) {
			mkdir(t, dir, 0o700)
			write(t, filepath.Join(dir, ClaimKeyFile), 0o644)
		}, "is mode 0644", 0o700},
		{"key is a symbolic link", func(t *testing.T, dir string) {
			mkdir(t, dir, 0o700)
			other := filepath.Join(filepath.Dir(dir), "elsewhere.pem")
			write(t, other, 0o600)
			if err := os.Symlink(other, filepath.Join(dir, ClaimKeyFile)); err != nil {
				t.Fatal(err)
			}
		}, "is a symbolic link", 0o700},
		{"shared claim folder", func(t *testing.T, dir string) {
			mkdir(t, dir, 0o775)
		}, "is mode 0775", 0o775},
		{"claim folder is a symbolic link", func(t *testing.T, dir string) {
			real := filepath.Join(filepath.Dir(dir), "shared")
			mkdir(t, real, 0o777)
			if err := os.Symlink(real, dir); err != nil {
				t.Fatal(err)
			}
		}, "is a symbolic link", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newFake(t)
			p := newProject(t)
			dir := claimPaths(p).dir
			tc.setup(t, dir)
			pv := newPV(t, s, p, Options{})
			_, err := pv.Apply(context.Background(), nil, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("apply: %v, want an error with %q", err, tc.want)
			}
			if n := len(s.Resources()[awsfake.KindCertificate]); n != 0 {
				t.Errorf("%d certificates made for an untrusted claim key", n)
			}
			if tc.mode != 0 {
				fi, err := os.Lstat(dir)
				if err != nil {
					t.Fatal(err)
				}
				if fi.Mode().Perm() != tc.mode {
					t.Errorf("claim folder mode %04o, want it left at %04o", fi.Mode().Perm(), tc.mode)
				}
			}
		})
	}
}

func mkdir(t *testing.T, dir string, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, mode); err != nil {
		t.Fatal(err)
	}
}

func write(t *testing.T, path string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte("-----BEGIN RSA PRIVATE KEY-----\nAA==\n-----END RSA PRIVATE KEY-----\n"), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}
