package generator

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"fleetbake/model"
)

// readBack is one setting of the project and where its value must appear:
// the variable (overrides included) in local.conf, and the value expected
// there for an input v.
type readBack struct {
	set  func(p *model.Project, v string)
	vars []string
	want func(p *model.Project, v string) string
}

func same(_ *model.Project, v string) string { return v }

// absUnder is how a path setting lands in local.conf: absolute, relative
// to the project folder.
func absUnder(p *model.Project, v string) string { return absPath(p.Abs(v)) }

const pnPlugin = ":pn-greengrass-plugin-fleetprovisioning"

var readBacks = []readBack{
	{func(p *model.Project, v string) { p.Machine = v }, []string{"MACHINE"}, same},
	{func(p *model.Project, v string) { p.Distro = v }, []string{"DISTRO"}, same},
	{func(p *model.Project, v string) { p.Shared.DLDir = v }, []string{"DL_DIR"}, absUnder},
	{func(p *model.Project, v string) { p.Shared.SstateDir = v }, []string{"SSTATE_DIR"}, absUnder},
	{func(p *model.Project, v string) { p.Shared.SstateMirrors = v }, []string{"SSTATE_MIRRORS"}, same},
	{func(p *model.Project, v string) { p.Shared.HashServe = v }, []string{"BB_HASHSERVE"}, same},
	{func(p *model.Project, v string) { p.Shared.HashServeUpstream = v }, []string{"BB_HASHSERVE_UPSTREAM"}, same},
	{func(p *model.Project, v string) { p.Shared.SignatureHandler = v }, []string{"BB_SIGNATURE_HANDLER"}, same},
	{func(p *model.Project, v string) { p.Shared.PRServHost = v }, []string{"PRSERV_HOST"}, same},
	{func(p *model.Project, v string) { p.Greengrass.Region = v }, []string{"GGV2_REGION", "AWS_REGION" + pnPlugin}, same},
	{func(p *model.Project, v string) { p.Greengrass.RoleAlias = v }, []string{"IOT_ROLE_ALIAS" + pnPlugin}, same},
	{func(p *model.Project, v string) { p.Greengrass.ProvisioningTemplate = v }, []string{"FLEET_PROVISIONING_TEMPLATE" + pnPlugin}, same},
	{func(p *model.Project, v string) { p.Greengrass.DataEndpoint = v }, []string{"IOT_DATA_ENDPOINT" + pnPlugin}, same},
	{func(p *model.Project, v string) { p.Greengrass.CredentialEndpoint = v }, []string{"IOT_CRED_ENDPOINT" + pnPlugin}, same},
	{func(p *model.Project, v string) { p.Greengrass.ClaimDir = v }, []string{"CLAIM_CERT_PATH" + pnPlugin},
		func(p *model.Project, v string) string { return filepath.Join(absUnder(p, v), "claim.cert.pem") }},
	{func(p *model.Project, v string) { p.LocalConf = map[string]string{"FUZZ_EXTRA": v} }, []string{"FUZZ_EXTRA"}, same},
	// The image names the variable itself: checked for every input below.
	{func(p *model.Project, v string) { p.Image = v }, nil, same},
}

// FuzzGeneratedValuesReadBack: whatever value lands in a setting, the
// project either fails validation, or Plan renders conf files that BitBake
// assignment syntax reads back to exactly that value (and nothing else
// breaks the parse: no extra line, no ended string, no ${@...}).
func FuzzGeneratedValuesReadBack(f *testing.F) {
	for _, s := range []string{"x", "qemuarm64", "a\"b", "a\\b", "${@x}", "${TOPDIR}/x", "a\nb", "eu-west-1",
		"host:8686", "file://.* http://x/PATH;downloadfilename=PATH", "abc-ats.iot.eu-west-1.amazonaws.com", "dl dir", "'q'", "\u2028", "\xff"} {
		for i := range readBacks {
			f.Add(uint8(i), s)
		}
	}
	fx := newFixture(f, model.GenerationNew)
	f.Fuzz(func(t *testing.T, which uint8, v string) {
		rb := readBacks[int(which)%len(readBacks)]
		p := *fx.p // a copy; every field set here is a plain value or a new map
		rb.set(&p, v)
		if p.Validate() != nil {
			return
		}
		c, err := Plan(&p, fx.res)
		if err != nil {
			// A value that validates but cannot be written must be refused
			// with our own error, never rendered half.
			var uv *UnsafeValueError
			if !errorsAs(err, &uv) {
				t.Fatalf("Plan refused a validated %q with a stray error: %v", v, err)
			}
			return
		}
		var lc string
		for _, fc := range c.Files {
			if _, err := ReadConf(fc.New); err != nil {
				t.Fatalf("%s does not parse after setting %q: %v\n%s", fc.Rel, v, err, fc.New)
			}
			if strings.HasSuffix(fc.Rel, "local.conf") {
				lc = string(fc.New)
			}
		}
		// Whatever the image is called, the nucleus is appended to it alone.
		if p.Greengrass.Enabled {
			if got, ok := valueOf(t, lc, "IMAGE_INSTALL:append:pn-"+p.Image); !ok || got != " "+nucleus(p.Greengrass) {
				t.Fatalf("IMAGE_INSTALL:append:pn-%s reads back %q (set %v)", p.Image, got, ok)
			}
		}
		if v == "" {
			return // an empty setting is left out or defaulted, nothing to read back
		}
		for _, name := range rb.vars {
			got, ok := valueOf(t, lc, name)
			if want := rb.want(&p, v); !ok || got != want {
				t.Fatalf("%s reads back %q (set %v), want %q", name, got, ok, want)
			}
		}
	})
}

func errorsAs(err error, target any) bool { return errors.As(err, target) }
