package app

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fleetbake/engine"
	"fleetbake/model"
	"fleetbake/provision"
)

func sp(s string) *string { return &s }

// bbVerifier is a Verifier whose BitBake answers with a and whose
// local.conf is conf.
func bbVerifier(t *testing.T, conf string, a *engine.BBAnswer) *Verifier {
	t.Helper()
	v := confVerifier(t, conf)
	v.p = model.Default()
	v.p.SetPath(filepath.Join(t.TempDir(), model.DefaultFile))
	v.names = provision.ResolveNames(v.p.Greengrass)
	v.bb = func() (*engine.BBAnswer, error) { return a, nil }
	return v
}

// answer is what BitBake resolves for a core-image-minimal with
// greengrass-bin of the new generation; edit changes it.
func answer(claimDir string, edit func(r map[string]map[string]*string)) *engine.BBAnswer {
	r := map[string]map[string]*string{
		"core-image-minimal":     {"PACKAGE_INSTALL": sp("packagegroup-core-boot greengrass-bin"), "VIRTUAL-RUNTIME_init_manager": sp("systemd")},
		"packagegroup-core-boot": {"RDEPENDS:packagegroup-core-boot": sp("base-files systemd busybox")},
		"systemd":                {"PACKAGECONFIG": sp("networkd timesyncd")},
		"greengrass-bin":         {"PACKAGECONFIG": sp("fleetprovisioning")},
		recipePlugin: {
			"CLAIM_CERT_PATH": sp(filepath.Join(claimDir, "claim.cert.pem")), "CLAIM_KEY_PATH": sp(filepath.Join(claimDir, "claim.pkey.pem")),
			"ROOT_CA_PATH": sp(filepath.Join(claimDir, "claim.root.pem")), "SYSTEMD_SERVICE:" + recipePlugin: sp("greengrass-plugin-fleetprovisioning.service"),
		},
	}
	if edit != nil {
		edit(r)
	}
	return &engine.BBAnswer{Config: map[string]*string{"DISTRO_FEATURES": sp("systemd usrmerge")}, Recipes: r}
}

// Check 4 with BitBake concludes from what BitBake resolves, whatever
// local.conf's text says.
func TestVerifyBitBakeVerdicts(t *testing.T) {
	claims := t.TempDir()
	for name, data := range map[string][]byte{"claim.cert.pem": []byte("c"), "claim.pkey.pem": []byte("k"), "claim.root.pem": provision.AmazonRootCA1()} {
		if err := os.WriteFile(filepath.Join(claims, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	const systemdConf = "INIT_MANAGER = \"systemd\"\n"
	for _, tc := range []struct {
		name, conf string
		edit       func(r map[string]map[string]*string)
		check      func(context.Context, *Verifier) Check
		want       CheckStatus
		detail     string
	}{
		{"timesyncd through packagegroup-core-boot", systemdConf, nil, checkTimeSync, Pass, "through packagegroup-core-boot"},
		{"timesyncd removed", systemdConf, func(r map[string]map[string]*string) { r["systemd"]["PACKAGECONFIG"] = sp("networkd") }, checkTimeSync, Fail, "local.conf alone suggested otherwise"},
		{"chrony instead", "", func(r map[string]map[string]*string) {
			r["systemd"]["PACKAGECONFIG"] = sp("")
			r["core-image-minimal"]["PACKAGE_INSTALL"] = sp("packagegroup-core-boot chrony")
		}, checkTimeSync, Pass, "installs chrony"},
		{"sysvinit", "", func(r map[string]map[string]*string) {
			r["packagegroup-core-boot"]["RDEPENDS:packagegroup-core-boot"] = sp("base-files sysvinit")
			r["core-image-minimal"]["VIRTUAL-RUNTIME_init_manager"] = sp("sysvinit")
		}, checkTimeSync, Fail, `no systemd (VIRTUAL-RUNTIME_init_manager = "sysvinit")`},
		{"claim files", "", nil, checkClaimFilesConf, Pass, "CLAIM_CERT_PATH = " + filepath.Join(claims, "claim.cert.pem")},
		{"claim path overridden", "CLAIM_CERT_PATH:pn-greengrass-plugin-fleetprovisioning = \"" + filepath.Join(claims, "claim.cert.pem") + "\"\n",
			func(r map[string]map[string]*string) {
				r[recipePlugin]["CLAIM_CERT_PATH"] = sp("/elsewhere/claim.cert.pem")
			}, checkClaimFilesConf, Fail, "something after fleetbake's line overrides it"},
		{"root CA not Amazon's", "", func(r map[string]map[string]*string) {
			r[recipePlugin]["ROOT_CA_PATH"] = r[recipePlugin]["CLAIM_CERT_PATH"]
		}, checkClaimFilesConf, Fail, "not Amazon Root CA 1"},
		{"no fleetprovisioning", "", func(r map[string]map[string]*string) { r["greengrass-bin"]["PACKAGECONFIG"] = sp("") }, checkClaimFilesConf, Fail, "PACKAGECONFIG of greengrass-bin lacks fleetprovisioning"},
		{"plugin not parsed", "", func(r map[string]map[string]*string) { delete(r, recipePlugin) }, checkClaimFilesConf, Fail, "recipe greengrass-plugin-fleetprovisioning: no answer"},
		{"serial unit", "", nil, checkSerial, Pass, "enables greengrass-plugin-fleetprovisioning.service"},
		{"serial unit missing", "", func(r map[string]map[string]*string) { r[recipePlugin]["SYSTEMD_SERVICE:"+recipePlugin] = sp("") }, checkSerial, Fail, "placeholder <unique>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := bbVerifier(t, tc.conf, answer(claims, tc.edit))
			v.noAWS = true
			got := tc.check(context.Background(), v)
			if got.Status != tc.want || !strings.Contains(got.Detail, tc.detail) || !strings.Contains(got.Detail, "BitBake: ") {
				t.Errorf("%s: %+v, want %s with %q", tc.name, got, tc.want, tc.detail)
			}
		})
	}
}
