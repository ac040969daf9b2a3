package generator

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fleetbake/engine"
	"fleetbake/internal/hellobb"
	"fleetbake/model"
)

// The claim files of a kas export, on a host without them, stop real
// BitBake's parse with the file's name, before any task runs; with
// $FLEETBAKE_CLAIM_DIR naming a folder that holds them, the parse passes.
// Skipped unless FLEETBAKE_BITBAKE names a BitBake clone. The build is the
// manual's Hello World project (internal/hellobb) with a recipe named like
// the fleet provisioning plugin, the kas export's local.conf block as its
// local.conf, and oe-core's file-checksums line in its base class.
func TestRealBitBakeStopsParseWithoutClaimFiles(t *testing.T) {
	checkout := os.Getenv("FLEETBAKE_BITBAKE")
	if checkout == "" {
		t.Skip("FLEETBAKE_BITBAKE is not set to a BitBake checkout")
	}
	fx := newFixture(t, model.GenerationNew)
	in, err := newInput(fx.p, fx.res)
	if err != nil {
		t.Fatal(err)
	}
	ld, _ := kasLocalData(in)
	block, err := render("local.conf.block.tmpl", ld)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := hellobb.Write(dir, hellobb.Options{}); err != nil {
		t.Fatal(err)
	}
	appendFile := func(name, text string) {
		f, err := os.OpenFile(filepath.Join(dir, name), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if _, err := f.WriteString(text); err != nil {
			t.Fatal(err)
		}
	}
	// oe-core meta/classes-global/base.bbclass, the line that checksums
	// every local SRC_URI entry while the recipe is parsed.
	appendFile("classes/base.bbclass", "do_fetch[file-checksums] = \"${@bb.fetch.get_checksum_file_list(d)}\"\n")
	// oe-core meta/conf/bitbake.conf: the pn-<recipe> override that the
	// block's SRC_URI:append:pn-... needs, and an empty SRC_URI by default.
	appendFile("conf/bitbake.conf", "OVERRIDES = \"pn-${PN}\"\nSRC_URI ??= \"\"\n")
	appendFile("meta-hello/recipes/greengrass-plugin-fleetprovisioning_1.0.bb", "DESCRIPTION = \"stands in for meta-aws's recipe\"\n")
	appendFile("conf/local.conf", block)

	parse := func(env ...string) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, filepath.Join(checkout, "bin", "bitbake"), "-p")
		cmd.Dir = dir
		cmd.Env = append([]string{"PATH=" + filepath.Join(checkout, "bin") + ":/usr/bin:/bin", "HOME=" + os.Getenv("HOME"),
			"LC_ALL=C.UTF-8", "BBPATH=" + dir, "BB_ENV_PASSTHROUGH_ADDITIONS=" + ClaimDirEnv}, env...)
		out, err := cmd.CombinedOutput()
		engine.WaitServerGone(dir, time.Minute)
		return string(out), err
	}

	out, err := parse()
	t.Logf("BitBake with FLEETBAKE_CLAIM_DIR unset:\n%s", engine.Tail(out, 8))
	if err == nil || !strings.Contains(out, "Unable to get checksum for greengrass-plugin-fleetprovisioning SRC_URI entry "+model.ClaimCertFile) ||
		!strings.Contains(out, ClaimDirUnset+"/"+model.ClaimCertFile) {
		t.Errorf("FLEETBAKE_CLAIM_DIR unset: err %v, want the parse to stop naming %s/%s:\n%s", err, ClaimDirUnset, model.ClaimCertFile, engine.Tail(out, 20))
	}

	claims := t.TempDir()
	for _, f := range []string{model.ClaimCertFile, model.ClaimRootFile} {
		if err := os.WriteFile(filepath.Join(claims, f), []byte("PEM\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	out, err = parse(ClaimDirEnv + "=" + claims)
	if err == nil || !strings.Contains(out, "SRC_URI entry "+model.ClaimKeyFile) || !strings.Contains(out, filepath.Join(claims, model.ClaimKeyFile)) {
		t.Errorf("claim folder without the key: err %v, want the parse to stop naming %s:\n%s", err, model.ClaimKeyFile, engine.Tail(out, 20))
	}

	if err := os.WriteFile(filepath.Join(claims, model.ClaimKeyFile), []byte("PEM\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := parse(ClaimDirEnv + "=" + claims); err != nil {
		t.Errorf("claim folder with the three files: %v\n%s", err, engine.Tail(out, 20))
	}
}
