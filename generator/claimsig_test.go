package generator

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fleetbake/model"
)

// The recipes that install the claim files from CLAIM_*_PATH get them as
// SRC_URI file:// entries too, so BitBake checksums their content: a rotated
// claim (same paths, new content) must change the recipe's task hashes.

// claimSrcURIKeys are the SRC_URI:append keys fleetbake may write.
var claimSrcURIKeys = []string{
	"SRC_URI:append:pn-greengrass-plugin-fleetprovisioning",
	"SRC_URI:append:pn-greengrass-lite",
	"SRC_URI:append:pn-greengrass-bin",
	"SRC_URI:append",
	"SRC_URI",
}

func TestClaimFilesBecomeSrcURIOnlyWhenTheyExist(t *testing.T) {
	for _, tc := range []struct {
		name    string
		gen     model.Generation
		nucleus string
		key     string // "" : no SRC_URI line at all
	}{
		{"new generation greengrass-bin", model.GenerationNew, model.NucleusBin, "SRC_URI:append:pn-greengrass-plugin-fleetprovisioning"},
		{"new generation greengrass-lite", model.GenerationNew, model.NucleusLite, "SRC_URI:append:pn-greengrass-lite"},
		{"old generation greengrass-lite", model.GenerationOld, model.NucleusLite, "SRC_URI:append:pn-greengrass-lite"},
		// The claim layer's bbappend already supplies file://claim.*.pem.
		{"old generation greengrass-bin", model.GenerationOld, model.NucleusBin, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, tc.gen)
			f.p.Greengrass.Nucleus = tc.nucleus

			// No claim files yet: no SRC_URI line (a missing file:// entry
			// would stop BitBake's parse), and the warning says to generate
			// again once they exist.
			c := f.generate(t)
			lc := f.read(t, "build/conf/local.conf")
			for _, k := range claimSrcURIKeys {
				if v, ok := valueOf(t, lc, k); ok {
					t.Errorf("without claim files: %s = %q", k, v)
				}
			}
			if w := strings.Join(c.Warnings, "\n"); !strings.Contains(w, "claim files missing") || !strings.Contains(w, "fleetbake generate") {
				t.Errorf("warnings = %q", c.Warnings)
			}

			// The files appear (provision apply): the conf is out of date
			// until generate runs again (the preflight of `fleetbake build`
			// says so), and then has the line.
			f.writeClaimFiles(t)
			c, err := Plan(f.p, f.res)
			if err != nil {
				t.Fatal(err)
			}
			if tc.key != "" && c.Empty() {
				t.Error("claim files appeared, but Plan sees nothing to change")
			}
			f.generate(t)
			lc = f.read(t, "build/conf/local.conf")
			cert, key, root := f.p.ClaimFiles()
			want := " file://" + cert + " file://" + key + " file://" + root
			for _, k := range claimSrcURIKeys {
				v, ok := valueOf(t, lc, k)
				switch {
				case k == tc.key && (!ok || v != want):
					t.Errorf("%s = %q (set %v), want %q", k, v, ok, want)
				case k != tc.key && ok:
					t.Errorf("unexpected %s = %q", k, v)
				}
			}
			if tc.key != "" {
				// One line, the value double-quoted whole, a leading blank so
				// that :append does not glue it to the recipe's last entry.
				line := tc.key + ` = "` + want + `"`
				if !strings.Contains(lc, "\n"+line+"\n") {
					t.Errorf("local.conf lacks the line\n%s\n%s", line, lc)
				}
				// The recipe is the one whose CLAIM_CERT_PATH is set.
				pn := strings.TrimPrefix(tc.key, "SRC_URI:append")
				if v, _ := valueOf(t, lc, "CLAIM_CERT_PATH"+pn); v != cert {
					t.Errorf("CLAIM_CERT_PATH%s = %q, want %q", pn, v, cert)
				}
				for _, w := range strings.Fields(want) {
					if !strings.HasPrefix(w, "file:///") {
						t.Errorf("entry %q is not an absolute file:// URL", w)
					}
				}
			}

			// rotate-claim writes new content at the same paths: the conf
			// stays as it is; BitBake's content checksums do the rest.
			if err := os.WriteFile(cert, []byte("-----BEGIN ROTATED-----\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(key, []byte("-----BEGIN ROTATED KEY-----\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			c, err = Plan(f.p, f.res)
			if err != nil {
				t.Fatal(err)
			}
			if !c.Empty() {
				t.Errorf("a rotated claim changes the conf:\n%s", c.Diff())
			}

			// kas's local_conf_header names the claim files under
			// $FLEETBAKE_CLAIM_DIR, never this host's claim folder: a host
			// without them stops at parse time, naming the file.
			kas, err := ExportKas(f.p, f.res, "fleetbake.kas.yml")
			if err != nil {
				t.Fatal(err)
			}
			cert, _, _ = f.p.ClaimFiles()
			if strings.Contains(string(kas), filepath.Dir(cert)) {
				t.Error("kas file names the host's claim folder")
			}
			// (The old greengrass-bin finds its own file://claim.*.pem
			// through FILESEXTRAPATHS; BitBake's parse stops the same way.)
			if tc.key != "" && !strings.Contains(string(kas), "file://${FLEETBAKE_CLAIM_DIR}/"+model.ClaimCertFile) {
				t.Errorf("kas file's SRC_URI lacks the claim files under $FLEETBAKE_CLAIM_DIR:\n%s", kas)
			}
		})
	}
}

func TestClaimSrcURINeedsAllThreeFiles(t *testing.T) {
	f := newFixture(t, model.GenerationNew)
	f.writeClaimFiles(t)
	_, _, root := f.p.ClaimFiles()
	if err := os.Remove(root); err != nil {
		t.Fatal(err)
	}
	f.generate(t)
	lc := f.read(t, "build/conf/local.conf")
	if v, ok := valueOf(t, lc, "SRC_URI:append"+pnPlugin); ok {
		t.Errorf("SRC_URI:append%s = %q with the root CA missing", pnPlugin, v)
	}
}

func TestClaimSrcURIRefusesPathsTheFetcherReadsDifferently(t *testing.T) {
	for name, dir := range map[string]string{
		"semicolon": "claim;x=1",
		"percent":   "claim%20x",
		"colon":     "claim:x",
		"star":      "claim*",
	} {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, model.GenerationNew)
			f.p.Greengrass.ClaimDir = dir
			f.writeClaimFiles(t)
			before := snapshot(t, f.dir)
			_, err := Plan(f.p, f.res)
			var uv *UnsafeValueError
			if !errors.As(err, &uv) || uv.Var != "SRC_URI" {
				t.Fatalf("err = %v, want an *UnsafeValueError for SRC_URI", err)
			}
			if d := diffSnapshots(before, snapshot(t, f.dir)); d != "" {
				t.Errorf("files changed:\n%s", d)
			}
		})
	}
	// Without the files there is no SRC_URI line, so nothing to refuse.
	f := newFixture(t, model.GenerationNew)
	f.p.Greengrass.ClaimDir = "claim;x=1"
	if _, err := Plan(f.p, f.res); err != nil {
		t.Errorf("no claim files: %v", err)
	}
}
