// Package realbb holds what the tests against real BitBake, bitbake-setup
// and kas share: the tree $FLEETBAKE_POKY names (or a skip), a project in a
// temp folder with placeholder claim files, its layers resolved, a context
// that ends before the test's deadline, and commands run in the build's
// environment through engine. Test-only; skipped unless the environment
// points at real Yocto trees.
package realbb

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"fleetbake/engine"
	"fleetbake/model"
)

// Placeholder is the content of a claim file nothing reads as a PEM.
var Placeholder = []byte("-----BEGIN PLACEHOLDER-----\n")

// Poky checks $FLEETBAKE_POKY and returns it as an absolute path, or skips
// t. run is the rest of the go test command that runs the test (e.g.
// "-timeout 30m -run TestRealBitBake -v ./generator/"), for the message
// that says how to run it as an ordinary user: OE refuses root.
func Poky(t testing.TB, run string) string {
	t.Helper()
	root := os.Getenv("FLEETBAKE_POKY")
	if root == "" {
		t.Skip("FLEETBAKE_POKY is not set to a folder holding poky, meta-openembedded and meta-aws clones of one release")
	}
	root, err := filepath.Abs(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, rel := range []string{"poky/oe-init-build-env", "poky/bitbake/bin/bitbake", "meta-openembedded/meta-oe/conf/layer.conf", "meta-aws/conf/layer.conf"} {
		if _, err := os.Stat(filepath.Join(root, rel)); err != nil {
			t.Fatalf("FLEETBAKE_POKY=%s must hold poky, meta-openembedded and meta-aws clones of one release: %v", root, err)
		}
	}
	if os.Geteuid() == 0 {
		t.Skip("OE's sanity check refuses to run BitBake as root: run this test as an ordinary user, e.g. " +
			"runuser -u <user> -- env HOME=/home/<user> PATH=$PATH FLEETBAKE_POKY=" + root + " go test " + run)
	}
	if _, err := exec.LookPath("bash"); err != nil {
		t.Fatal("oe-init-build-env must be sourced by bash, which is not on PATH")
	}
	return root
}

// GreengrassLiteMask is a BBMASK that leaves out meta-aws's greengrass-lite
// recipe: it names git tags in SRCREV_sigv4 and SRCREV_sdk, which BitBake
// resolves with git ls-remote while parsing (meta-aws scarthgap,
// recipes-iot/aws-iot-greengrass/greengrass-lite_*.bb), so offline the
// parse fails. The projects of the real tests use greengrass-bin.
const GreengrassLiteMask = "/meta-aws/recipes-iot/aws-iot-greengrass/greengrass-lite_"

// Offline is a [local_conf] with BB_NO_NETWORK = "1" (nothing is fetched)
// and BBMASK = mask when mask is not "".
func Offline(mask string) map[string]string {
	lc := map[string]string{"BB_NO_NETWORK": "1"}
	if mask != "" {
		lc["BBMASK"] = mask
	}
	return lc
}

// Project is a project in dir (not saved) with the Greengrass settings the
// real tests share: region eu-central-1, endpoints of that region, prefix
// (the default when ""), and localConf as its [local_conf].
func Project(dir, prefix string, localConf map[string]string) *model.Project {
	p := model.Default()
	p.SetPath(filepath.Join(dir, model.DefaultFile))
	p.Greengrass.Region = "eu-central-1"
	if prefix != "" {
		p.Greengrass.Prefix = prefix
	}
	p.Greengrass.DataEndpoint = "a1b2c3d4e5f6g7-ats.iot.eu-central-1.amazonaws.com"
	p.Greengrass.CredentialEndpoint = "c9d8e7f6a5b4c3.credentials.iot.eu-central-1.amazonaws.com"
	p.LocalConf = localConf
	return p
}

// PokyProject is Poky (it skips t the same way) and a project in a temp
// folder whose sources are that tree: Project with Sources set. It returns
// the project and the tree.
func PokyProject(t *testing.T, run, prefix string, localConf map[string]string) (*model.Project, string) {
	t.Helper()
	root := Poky(t, run)
	p := Project(t.TempDir(), prefix, localConf)
	p.Sources = []string{root}
	return p, root
}

// Reload saves p and loads it back, the way the commands read it.
func Reload(t testing.TB, p *model.Project) *model.Project {
	t.Helper()
	if err := p.Save(); err != nil {
		t.Fatal(err)
	}
	p, err := model.Load(p.Path())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// WriteClaims writes the project's three claim files (certificate, key,
// root CA) with the given contents, in the project's claim folder.
func WriteClaims(t testing.TB, p *model.Project, cert, key, rootCA []byte) {
	t.Helper()
	certPath, keyPath, rootPath := p.ClaimFiles()
	if err := os.MkdirAll(filepath.Dir(certPath), 0o700); err != nil {
		t.Fatal(err)
	}
	for f, data := range map[string][]byte{certPath: cert, keyPath: key, rootPath: rootCA} {
		if err := os.WriteFile(f, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// Resolve discovers the layers under roots (the project's source roots
// when none) and resolves p against them; discovery's problems are logged.
func Resolve(t testing.TB, p *model.Project, roots ...string) *model.Resolution {
	t.Helper()
	if len(roots) == 0 {
		roots = p.SourceRoots()
	}
	w, err := model.Discover(roots...)
	if err != nil {
		t.Fatal(err)
	}
	for _, prob := range w.Problems {
		t.Logf("layer discovery: %v", prob)
	}
	res, err := model.Resolve(p, w)
	if err != nil {
		t.Fatalf("Resolve: %v", err)
	}
	return res
}

// OnDisk fails t when a layer of res is not on disk under where.
func OnDisk(t testing.TB, res *model.Resolution, where string) {
	t.Helper()
	if len(res.NotOnDisk) > 0 {
		var names []string
		for _, l := range res.NotOnDisk {
			names = append(names, l.Name)
		}
		t.Fatalf("layers not found under %s: %s", where, strings.Join(names, ", "))
	}
}

// Pin locks the layers of res at their checkouts' commits into p.Pins, as
// `fleetbake layers lock` does, and returns the pins.
func Pin(t testing.TB, p *model.Project, res *model.Resolution) map[string]string {
	t.Helper()
	pins, err := model.Lock(context.Background(), p, res)
	if err != nil {
		t.Fatal(err)
	}
	p.Pins = pins
	return pins
}

// Context ends a little before the test's deadline, so that a hung BitBake
// is killed (engine kills its process group) and reported rather than
// panicking the whole test binary.
func Context(t *testing.T) context.Context {
	deadline, ok := t.Deadline()
	if !ok {
		deadline = time.Now().Add(60 * time.Minute)
	}
	ctx, cancel := context.WithDeadline(context.Background(), deadline.Add(-30*time.Second))
	t.Cleanup(cancel)
	return ctx
}

// Output runs argv in the build environment o names (engine's
// BuildEnvCommand); stderr holds the environment's banner.
func Output(ctx context.Context, o engine.BBQueryOptions, argv ...string) (stdout, stderr string, err error) {
	cmd := engine.BuildEnvCommand(ctx, o, argv...)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = run(ctx, cmd)
	return out.String(), errb.String(), err
}

// Combined is Output with stdout and stderr together.
func Combined(ctx context.Context, o engine.BBQueryOptions, argv ...string) (string, error) {
	cmd := engine.BuildEnvCommand(ctx, o, argv...)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	err := run(ctx, cmd)
	return out.String(), err
}

func run(ctx context.Context, cmd *exec.Cmd) error {
	err := cmd.Run()
	if ctx.Err() != nil {
		err = fmt.Errorf("%w (%v)", err, ctx.Err()) // killed: the test ran out of time
	}
	return err
}

// Getvar runs `bitbake-getvar -r recipe --value name` in the build
// environment o names and returns the value it printed, failing t when it
// fails. The server it starts is waited for before the temp folder goes.
func Getvar(ctx context.Context, t testing.TB, o engine.BBQueryOptions, recipe, name string) string {
	t.Helper()
	t.Cleanup(func() { engine.WaitServerGone(o.BuildDir, time.Minute) })
	out, stderr, err := Output(ctx, o, "bitbake-getvar", "-r", recipe, "--value", name)
	if err != nil {
		t.Fatalf("bitbake-getvar -r %s %s: %v\n%s", recipe, name, err, engine.Tail(stderr, 40))
	}
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	return lines[len(lines)-1]
}

// Run runs argv (bitbake-setup, kas) outside any BitBake the caller's shell
// points at, stdout and stderr together; a cancelled ctx kills its whole
// process group, BitBake server included.
func Run(ctx context.Context, argv ...string) (string, error) {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = engine.EnvWithoutBitBake()
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	err := run(ctx, cmd)
	return out.String(), err
}
