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
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"fleetbake/engine"
	"fleetbake/internal/realbb"
	"fleetbake/model"
)

func TestRealBitBakeClaimContentInSignature(t *testing.T) {
	p, root := realbb.PokyProject(t, "-timeout 40m -run TestRealBitBakeClaimContentInSignature -v ./generator/", "", realbb.Offline(realbb.GreengrassLiteMask))
	poky, dir := filepath.Join(root, "poky"), filepath.Dir(p.Path())
	cert, _, _ := p.ClaimFiles()
	pem := func(content string) []byte {
		return []byte("-----BEGIN TEST-----\n" + content + "\n-----END TEST-----\n")
	}
	realbb.WriteClaims(t, p, pem("CERTIFICATE ONE"), pem("KEY ONE"), pem("ROOT CA"))
	res := realbb.Resolve(t, p)
	c, err := Plan(p, res)
	if err != nil {
		t.Fatalf("Plan: %v", err)
	}
	if err := Apply(c); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	build := filepath.Join(dir, p.BuildDir)
	t.Cleanup(func() { engine.WaitServerGone(build, time.Minute) })

	recipe := "greengrass-plugin-fleetprovisioning"
	if res.Generation == model.GenerationOld {
		recipe = model.NucleusBin
	}
	t.Logf("release %s, meta-aws generation %s: the claim files go into the image through %s", res.Release, res.Generation, recipe)

	ctx := realbb.Context(t)

	before := sigRun(ctx, t, poky, build, recipe)
	saved := filepath.Join(dir, "do_fetch.sigdata.before")
	if err := os.Link(before["do_fetch"].path, saved); err != nil {
		t.Fatal(err)
	}

	// What rotate-claim does to the build: new content, same paths.
	if err := os.WriteFile(cert, pem("CERTIFICATE TWO (rotated)"), 0o600); err != nil {
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
	out, err := realbb.Combined(ctx, engine.BBQueryOptions{OEInit: poky, BuildDir: build}, "bitbake-diffsigs", saved, after["do_fetch"].path)
	if err != nil {
		t.Fatalf("bitbake-diffsigs: %v\n%s", err, out)
	}
	if !strings.Contains(out, "Checksum for file "+model.ClaimCertFile+" changed") {
		t.Errorf("bitbake-diffsigs of do_fetch does not name %s:\n%s", model.ClaimCertFile, out)
	}
	t.Logf("bitbake-diffsigs do_fetch: %s", strings.TrimSpace(engine.Tail(out, 3)))
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
	out, err := realbb.Combined(ctx, engine.BBQueryOptions{OEInit: poky, BuildDir: build}, "bitbake", "-S", "none", recipe)
	if err != nil {
		t.Fatalf("bitbake -S none %s: %v\n%s", recipe, err, engine.Tail(out, 40))
	}
	engine.WaitServerGone(build, time.Minute)
	t.Logf("bitbake -S none %s: %s", recipe, time.Since(start).Round(time.Second))
	files, _ := filepath.Glob(filepath.Join(build, "tmp", "stamps", "*", recipe, "*.sigdata.*"))
	sigs := map[string]sigFile{}
	for _, f := range files {
		if m := sigdataRE.FindStringSubmatch(f); m != nil {
			sigs[m[1]] = sigFile{hash: m[2], path: f}
		}
	}
	if len(sigs) == 0 {
		t.Fatalf("bitbake -S none %s wrote no signatures for it\n%s", recipe, engine.Tail(out, 40))
	}
	return sigs
}
