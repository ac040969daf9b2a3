//go:build linux

package generator

// Against real BitBake and real layers: after `fleetbake provision
// rotate-claim` the claim files keep their paths and only their content
// changes. The recipe that puts them in the image must get new task hashes
// then, or BitBake reuses sstate and ships the deactivated claim.
//
//   - new meta-aws generation: greengrass-plugin-fleetprovisioning installs
//     them from CLAIM_*_PATH; fleetbake adds them to its SRC_URI so the
//     fetcher checksums them (do_fetch's file-checksums);
//   - old generation: greengrass-bin has file://claim.*.pem in SRC_URI,
//     found in the project's claim folder through the claim layer.
//
// Skipped unless FLEETBAKE_POKY names a folder holding poky,
// meta-openembedded and meta-aws clones of one release (as for
// TestRealBitBakeReadsFleetProvisioning). OE refuses to run as root. Two
// `bitbake -S none` runs, the first with a cold parse:
//
//	runuser -u <user> -- env HOME=/home/<user> PATH=$PATH FLEETBAKE_POKY=$HOME/yocto/scarthgap \
//	    go test -timeout 40m -run TestRealBitBakeClaimContentInSignature -v ./generator/
//
// (or build the test binary first, `go test -c ./generator/`, and run it as
// that user). Nothing is fetched or built: -S none only writes the task
// signatures of the recipe and what it depends on.

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"fleetbake/model"
)

func TestRealBitBakeClaimContentInSignature(t *testing.T) {
	root := os.Getenv("FLEETBAKE_POKY")
	if root == "" {
		t.Skip("FLEETBAKE_POKY is not set to a folder holding poky, meta-openembedded and meta-aws clones of one release")
	}
	root, err := filepath.Abs(root)
	if err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		t.Skip("OE's sanity check refuses to run BitBake as root: run this test as an ordinary user, e.g. " +
			"runuser -u <user> -- env HOME=/home/<user> PATH=$PATH FLEETBAKE_POKY=" + root +
			" go test -timeout 40m -run TestRealBitBakeClaimContentInSignature -v ./generator/")
	}
	for _, rel := range []string{"poky/oe-init-build-env", "meta-openembedded/meta-oe/conf/layer.conf", "meta-aws/conf/layer.conf"} {
		if _, err := os.Stat(filepath.Join(root, rel)); err != nil {
			t.Fatalf("FLEETBAKE_POKY=%s must hold poky, meta-openembedded and meta-aws clones of one release: %v", root, err)
		}
	}
	poky := filepath.Join(root, "poky")
	dir := t.TempDir()

	p := model.Default()
	p.SetPath(filepath.Join(dir, model.DefaultFile))
	p.Sources = []string{root}
	p.Greengrass.DataEndpoint = "a1b2c3d4e5f6g7-ats.iot.eu-central-1.amazonaws.com"
	p.Greengrass.CredentialEndpoint = "c9d8e7f6a5b4c3.credentials.iot.eu-central-1.amazonaws.com"
	p.Greengrass.Region = "eu-central-1"
	p.LocalConf = map[string]string{
		"BB_NO_NETWORK": "1",
		// greengrass-lite's recipe resolves git tags with ls-remote while
		// parsing; offline that fails, and this project uses greengrass-bin.
		"BBMASK": "/meta-aws/recipes-iot/aws-iot-greengrass/greengrass-lite_",
	}
	cert, key, rootCA := p.ClaimFiles()
	if err := os.MkdirAll(filepath.Dir(cert), 0o700); err != nil {
		t.Fatal(err)
	}
	for f, content := range map[string]string{cert: "CERTIFICATE ONE", key: "KEY ONE", rootCA: "ROOT CA"} {
		if err := os.WriteFile(f, []byte("-----BEGIN TEST-----\n"+content+"\n-----END TEST-----\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	w, err := model.Discover(p.SourceRoots()...)
	if err != nil {
		t.Fatal(err)
	}
	res, err := model.Resolve(p, w)
	if err != nil {
		t.Fatalf("Resolve: %v", err)
	}
	c, err := Plan(p, res)
	if err != nil {
		t.Fatalf("Plan: %v", err)
	}
	if err := Apply(c); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	build := filepath.Join(dir, p.BuildDir)
	t.Cleanup(func() { sigWaitServerGone(build) })

	recipe := "greengrass-plugin-fleetprovisioning"
	if res.Generation == model.GenerationOld {
		recipe = model.NucleusBin
	}
	t.Logf("release %s, meta-aws generation %s: the claim files go into the image through %s", res.Release, res.Generation, recipe)

	deadline, ok := t.Deadline()
	if !ok {
		deadline = time.Now().Add(60 * time.Minute)
	}
	ctx, cancel := context.WithDeadline(context.Background(), deadline.Add(-30*time.Second))
	defer cancel()

	before := sigRun(ctx, t, poky, build, recipe)
	saved := filepath.Join(dir, "do_fetch.sigdata.before")
	if err := os.Link(before["do_fetch"].path, saved); err != nil {
		t.Fatal(err)
	}

	// What rotate-claim does to the build: new content, same paths.
	if err := os.WriteFile(cert, []byte("-----BEGIN TEST-----\nCERTIFICATE TWO (rotated)\n-----END TEST-----\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if c, err := Plan(p, res); err != nil || !c.Empty() {
		t.Errorf("after a rotation the conf files should stay as they are: err %v, diff:\n%s", err, c.Diff())
	}
	after := sigRun(ctx, t, poky, build, recipe)

	for _, task := range []string{"do_fetch", "do_unpack", "do_install", "do_package", "do_packagedata"} {
		b, a := before[task], after[task]
		if b.hash == "" || a.hash == "" {
			t.Errorf("%s:%s: no signature (before %q, after %q)", recipe, task, b.hash, a.hash)
			continue
		}
		if b.hash == a.hash {
			t.Errorf("%s:%s keeps its hash %s when the claim certificate's content changes: BitBake would reuse sstate and ship the old claim", recipe, task, b.hash)
		} else {
			t.Logf("%s:%s %s -> %s", recipe, task, b.hash, a.hash)
		}
	}
	// BitBake says why: the checksum of the claim certificate.
	out, err := sigInBuildEnv(ctx, poky, build, "bitbake-diffsigs", saved, after["do_fetch"].path)
	if err != nil {
		t.Fatalf("bitbake-diffsigs: %v\n%s", err, out)
	}
	if !strings.Contains(out, "Checksum for file "+model.ClaimCertFile+" changed") {
		t.Errorf("bitbake-diffsigs of do_fetch does not name %s:\n%s", model.ClaimCertFile, out)
	}
	t.Logf("bitbake-diffsigs do_fetch: %s", strings.TrimSpace(sigLastLines(out, 3)))
}

type sigFile struct{ hash, path string }

var sigdataRE = regexp.MustCompile(`\.(do_[A-Za-z0-9_]+)\.sigdata\.([0-9a-f]+)$`)

// sigRun runs `bitbake -S none recipe` and returns the recipe's task
// signatures (task -> hash and sigdata file). The recipe's stamps folder is
// emptied first, so each task has exactly the sigdata file of this run.
func sigRun(ctx context.Context, t *testing.T, poky, build, recipe string) map[string]sigFile {
	t.Helper()
	old, _ := filepath.Glob(filepath.Join(build, "tmp", "stamps", "*", recipe))
	for _, d := range old {
		if err := os.RemoveAll(d); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	out, err := sigInBuildEnv(ctx, poky, build, "bitbake", "-S", "none", recipe)
	if err != nil {
		t.Fatalf("bitbake -S none %s: %v\n%s", recipe, err, sigLastLines(out, 40))
	}
	sigWaitServerGone(build)
	t.Logf("bitbake -S none %s: %s", recipe, time.Since(start).Round(time.Second))
	files, _ := filepath.Glob(filepath.Join(build, "tmp", "stamps", "*", recipe, "*.sigdata.*"))
	sigs := map[string]sigFile{}
	for _, f := range files {
		if m := sigdataRE.FindStringSubmatch(f); m != nil {
			sigs[m[1]] = sigFile{hash: m[2], path: f}
		}
	}
	if len(sigs) == 0 {
		t.Fatalf("bitbake -S none %s wrote no signatures for it\n%s", recipe, sigLastLines(out, 40))
	}
	return sigs
}

// sigInBuildEnv sources oe-init-build-env for build in bash and runs argv
// there, stdout and stderr together.
func sigInBuildEnv(ctx context.Context, poky, build string, argv ...string) (string, error) {
	script := `cd "$1" && . ./oe-init-build-env "$2" >/dev/null && shift 2 && exec "$@"`
	cmd := exec.CommandContext(ctx, "bash", append([]string{"-c", script, "bash", poky, build}, argv...)...)
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case "BBSERVER", "BUILDDIR", "BBPATH", "BB_ENV_PASSTHROUGH_ADDITIONS", "BB_ENV_EXTRAWHITE":
			continue // a BitBake of the engineer's shell must not answer
		}
		cmd.Env = append(cmd.Env, kv)
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// sigWaitServerGone waits for the BitBake server of build to exit: it keeps
// writing its cache after the client returns.
func sigWaitServerGone(build string) {
	for end := time.Now().Add(60 * time.Second); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
		data, err := os.ReadFile(filepath.Join(build, "bitbake.lock"))
		fields := strings.Fields(string(data))
		if err != nil || len(fields) == 0 {
			return
		}
		pid, err := strconv.Atoi(fields[0])
		if err != nil || syscall.Kill(pid, 0) != nil {
			return
		}
	}
}

func sigLastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
