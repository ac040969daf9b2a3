//go:build linux

package generator_test

// The kas export checked by real kas. Skipped unless FLEETBAKE_KAS and/or
// FLEETBAKE_KAS_NEW name a kas command (Debian 12's kas 3.1 is the old one;
// the new one a current kas, e.g. run from its source tree), and
// FLEETBAKE_POKY names a tree of poky, meta-openembedded and meta-aws clones
// of one release (see realbitbake_test.go):
//
//	FLEETBAKE_KAS=/usr/bin/kas FLEETBAKE_KAS_NEW=/opt/kas-5.4/run-kas \
//	FLEETBAKE_POKY=/work/yocto go test -run TestRealKas -v ./generator/
//
// Nothing is fetched: the exported repos name the public URLs, and the test
// puts a local clone of each at the pinned commit where kas looks first
// (KAS_WORK_DIR/<repo name>), then moves each clone's branch on by a commit,
// so a checkout at the pin shows that kas followed the export, not the
// branch. kas checkout writes conf/local.conf and conf/bblayers.conf, which
// are read back; the current kas also checks the lock file.

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fleetbake/generator"
	"fleetbake/internal/realbb"
	"fleetbake/model"
)

func kasCommands(t *testing.T) map[string]string {
	t.Helper()
	cmds := map[string]string{}
	for _, v := range []string{"FLEETBAKE_KAS", "FLEETBAKE_KAS_NEW"} {
		if c := os.Getenv(v); c != "" {
			cmds[v] = c
		}
	}
	if len(cmds) == 0 {
		t.Skip("FLEETBAKE_KAS / FLEETBAKE_KAS_NEW name no kas command")
	}
	if os.Getenv("FLEETBAKE_POKY") == "" {
		t.Skip("FLEETBAKE_POKY is not set to a folder holding poky, meta-openembedded and meta-aws clones of one release")
	}
	return cmds
}

// gitT runs git with no user or system configuration (the tree may belong
// to another user: safe.directory).
func gitT(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
	cmd.Env = append(os.Environ(), gitEnv(t)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git -C %s %s: %v\n%s", dir, strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// gitEnv is a git configuration of the test's own that trusts every folder:
// the tree may belong to another user, and a local clone drops -c settings
// for the side that serves it, but reads the global file.
func gitEnv(t *testing.T) []string {
	t.Helper()
	cfg := filepath.Join(t.TempDir(), "gitconfig")
	if err := os.WriteFile(cfg, []byte("[safe]\n\tdirectory = *\n[user]\n\tname = t\n\temail = t@t\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return []string{"GIT_CONFIG_GLOBAL=" + cfg, "GIT_CONFIG_SYSTEM=/dev/null"}
}

func runKas(t *testing.T, kas, workDir string, env []string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	argv := strings.Fields(kas)
	cmd := exec.CommandContext(ctx, argv[0], append(argv[1:], args...)...)
	cmd.Dir = workDir
	cmd.Env = append(append(os.Environ(), gitEnv(t)...), append([]string{"KAS_WORK_DIR=" + workDir}, env...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", kas, strings.Join(args, " "), err, out)
	}
	return string(out)
}

func TestRealKasAcceptsExport(t *testing.T) {
	cmds := kasCommands(t)
	tree, err := filepath.Abs(os.Getenv("FLEETBAKE_POKY"))
	if err != nil {
		t.Fatal(err)
	}
	for name, kas := range cmds {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			// The project's own checkouts: clones of the tree, pinned.
			src := filepath.Join(dir, "sources")
			for _, r := range []string{"poky", "meta-openembedded", "meta-aws"} {
				gitT(t, dir, "clone", "--quiet", "--shared", filepath.Join(tree, r), filepath.Join(src, r))
			}
			// No sources setting: the layers are found in the project folder's
			// sources/ (a default root), as they are in the CI checkout, so
			// both checkouts hold the same fleetbake.toml.
			p := realbb.Project(dir, "fbkas", nil)
			p.Machine = "qemuarm64"
			p.Shared.HashServe = "hashserv.example.com:8686"
			p.Shared.SstateMirrors = "file://.* https://sstate.example.com/PATH;downloadfilename=PATH"
			p.Shared.DLDir = filepath.Join(dir, "downloads")
			res := realbb.Resolve(t, p)
			pins := realbb.Pin(t, p, res)
			// Saved, as `fleetbake export kas` reads it: the kas file records
			// the digest of the file as saved.
			if err := p.Save(); err != nil {
				t.Fatal(err)
			}
			// The CI checkout of the project: fleetbake.toml and the kas
			// files committed, kas's work folder its sources/.
			ci := filepath.Join(dir, "ci")
			kasDir := filepath.Join(ci, "kas")
			if err := os.MkdirAll(kasDir, 0o755); err != nil {
				t.Fatal(err)
			}
			kasFile := filepath.Join(kasDir, "fleet.yml")
			data, err := generator.ExportKas(p, res, "fleet.yml")
			if err != nil {
				t.Fatal(err)
			}
			lock, err := generator.ExportKasLock(p, res, "fleet.yml")
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(kasFile, data, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(kasDir, generator.KasLockName("fleet.yml")), lock, 0o644); err != nil {
				t.Fatal(err)
			}
			for _, s := range []string{dir, tree} {
				if strings.Contains(string(data), s) {
					t.Errorf("the kas file names %s, a folder of this machine:\n%s", s, data)
				}
			}

			// Where kas looks for each repo: a clone at the branch, moved on
			// by one commit past the pin.
			work := filepath.Join(ci, "sources")
			want := map[string]string{}
			for key, pin := range pins {
				repo := filepath.Base(key)
				w := filepath.Join(work, repo)
				gitT(t, dir, "clone", "--quiet", "--shared", filepath.Join(dir, filepath.FromSlash(key)), w)
				gitT(t, w, "commit", "--quiet", "--allow-empty", "-m", "past the pin")
				want[repo] = pin
			}
			claims := filepath.Join(dir, "claims")
			env := []string{generator.ClaimDirEnv + "=" + claims}
			runKas(t, kas, work, env, "checkout", kasFile)
			for repo, pin := range want {
				if head := gitT(t, filepath.Join(work, repo), "rev-parse", "HEAD"); head != pin {
					t.Errorf("kas checked out %s at %s, want the pin %s", repo, head, pin)
				}
			}
			// The pipeline's gate: from the CI checkout, with the layers kas
			// checked out, fleetbake exports the same files.
			// The committed fleetbake.toml, byte for byte.
			committed, err := os.ReadFile(p.Path())
			if err != nil {
				t.Fatal(err)
			}
			ciProject := filepath.Join(ci, model.DefaultFile)
			if err := os.WriteFile(ciProject, committed, 0o644); err != nil {
				t.Fatal(err)
			}
			reloaded, err := model.Load(ciProject)
			if err != nil {
				t.Fatal(err)
			}
			rc := realbb.Resolve(t, reloaded)
			again, err := generator.ExportKas(reloaded, rc, "fleet.yml")
			if err != nil {
				t.Fatal(err)
			}
			againLock, err := generator.ExportKasLock(reloaded, rc, "fleet.yml")
			if err != nil {
				t.Fatal(err)
			}
			if string(again) != string(data) || string(againLock) != string(lock) {
				t.Errorf("export from the CI checkout differs, so the pipeline's gate would fail:\n%s\n---\n%s\n--- lock:\n%s\n---\n%s", again, data, againLock, lock)
			}

			lc := bbReadFile(t, filepath.Join(work, "build", "conf", "local.conf"))
			for _, want := range []string{
				`MACHINE = "qemuarm64"`,
				`CLAIM_CERT_PATH:pn-greengrass-plugin-fleetprovisioning = "${FLEETBAKE_CLAIM_DIR}/claim.cert.pem"`,
				`BB_SIGNATURE_HANDLER = "OEEquivHash"`,
			} {
				if !strings.Contains(lc, want) {
					t.Errorf("kas's local.conf lacks %s:\n%s", want, lc)
				}
			}
			if strings.Contains(lc, "DL_DIR") || strings.Contains(lc, dir) {
				t.Errorf("kas's local.conf names a folder of this machine:\n%s", lc)
			}
			bl := bbReadFile(t, filepath.Join(work, "build", "conf", "bblayers.conf"))
			for _, l := range []string{"poky/meta", "meta-openembedded/meta-oe", "meta-openembedded/meta-networking", "meta-aws"} {
				// kas writes each layer relative to the build folder.
				if !strings.Contains(bl, "${TOPDIR}/../"+l+" ") {
					t.Errorf("kas's bblayers.conf lacks %s:\n%s", l, bl)
				}
			}
			// kas hands the claim folder and the shared servers to BitBake.
			envOut := runKas(t, kas, work, env, "shell", kasFile, "-c",
				`printf '%s|%s|%s\n' "$`+generator.ClaimDirEnv+`" "$BB_HASHSERVE" "$BB_ENV_PASSTHROUGH_ADDITIONS"`)
			last := lastLine(envOut)
			parts := strings.SplitN(last, "|", 3)
			if len(parts) != 3 || parts[0] != claims || parts[1] != p.Shared.HashServe ||
				!strings.Contains(" "+parts[2]+" ", " "+generator.ClaimDirEnv+" ") || !strings.Contains(" "+parts[2]+" ", " BB_HASHSERVE ") {
				t.Errorf("kas shell environment = %q, want %s, %s and both in BB_ENV_PASSTHROUGH_ADDITIONS", last, claims, p.Shared.HashServe)
			}

			// BitBake reads the kas build: the machine, and the claim path
			// expanded from the folder kas passed (config only: no recipe
			// is parsed). OE refuses to run as root.
			if os.Geteuid() == 0 {
				t.Log("root: BitBake is not asked; run as an ordinary user to have bitbake-getvar read the kas build")
			} else {
				got := runKas(t, kas, work, env, "shell", kasFile, "-c",
					"bitbake-getvar --value MACHINE && bitbake-getvar --value CLAIM_CERT_PATH:pn-greengrass-plugin-fleetprovisioning")
				lines := strings.Split(strings.TrimRight(got, "\n"), "\n")
				wantCert := filepath.Join(claims, model.ClaimCertFile)
				if len(lines) < 2 || strings.TrimSpace(lines[len(lines)-2]) != "qemuarm64" || strings.TrimSpace(lines[len(lines)-1]) != wantCert {
					t.Errorf("bitbake-getvar in kas shell = %q, want qemuarm64 and %s", got, wantCert)
				}
			}

			if name != "FLEETBAKE_KAS_NEW" {
				return
			}
			// kas's own lock of this build names the commits fleetbake's does.
			kasLock := runKas(t, kas, work, env, "dump", "--lock", kasFile)
			for repo, pin := range want {
				if !strings.Contains(kasLock, pin) {
					t.Errorf("kas dump --lock lacks %s at %s:\n%s", repo, pin, kasLock)
				}
			}
			// A current kas reads the lock beside the file: pin meta-aws one
			// commit back in the lock only, and kas follows the lock.
			awsPin := want["meta-aws"]
			parent := gitT(t, filepath.Join(work, "meta-aws"), "rev-parse", awsPin+"^")
			edited := strings.Replace(string(lock), awsPin, parent, 1)
			if edited == string(lock) {
				t.Fatalf("the lock file lacks meta-aws's pin %s:\n%s", awsPin, lock)
			}
			if err := os.WriteFile(filepath.Join(kasDir, generator.KasLockName("fleet.yml")), []byte(edited), 0o644); err != nil {
				t.Fatal(err)
			}
			resolved := runKas(t, kas, work, env, "dump", "--resolve-refs", kasFile)
			if !strings.Contains(resolved, parent) {
				t.Errorf("kas dump --resolve-refs does not follow the lock's commit %s:\n%s", parent, resolved)
			}
			runKas(t, kas, work, env, "checkout", kasFile)
			if head := gitT(t, filepath.Join(work, "meta-aws"), "rev-parse", "HEAD"); head != parent {
				t.Errorf("with the lock naming %s, kas checked out meta-aws at %s", parent, head)
			}
		})
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}
