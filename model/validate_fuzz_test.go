package model

import (
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// setters put a value into one string setting of a project.
var setters = []func(p *Project, v string){
	func(p *Project, v string) { p.BuildDir = v },
	func(p *Project, v string) { p.Release = v },
	func(p *Project, v string) { p.Machine = v },
	func(p *Project, v string) { p.Distro = v },
	func(p *Project, v string) { p.Image = v },
	func(p *Project, v string) { p.Layers = []string{v} },
	func(p *Project, v string) { p.Shared.DLDir = v },
	func(p *Project, v string) { p.Shared.SstateDir = v },
	func(p *Project, v string) { p.Shared.SstateMirrors = v },
	func(p *Project, v string) { p.Shared.HashServe = v },
	func(p *Project, v string) { p.Shared.HashServeUpstream = v },
	func(p *Project, v string) { p.Shared.SignatureHandler = v },
	func(p *Project, v string) { p.Shared.PRServHost = v },
	func(p *Project, v string) { p.Greengrass.Nucleus = v },
	func(p *Project, v string) { p.Greengrass.Region = v },
	func(p *Project, v string) { p.Greengrass.Prefix = v },
	func(p *Project, v string) { p.Greengrass.ProvisioningTemplate = v },
	func(p *Project, v string) { p.Greengrass.RoleAlias = v },
	func(p *Project, v string) { p.Greengrass.ThingGroup = v },
	func(p *Project, v string) { p.Greengrass.ThingNamePrefix = v },
	func(p *Project, v string) { p.Greengrass.TokenExchangeRole = v },
	func(p *Project, v string) { p.Greengrass.ClaimDir = v },
	func(p *Project, v string) { p.Greengrass.DataEndpoint = v },
	func(p *Project, v string) { p.Greengrass.CredentialEndpoint = v },
}

// FuzzValidateRefusesWhatBitBakeWouldMisread: whatever value lands in any
// setting, a project that validates never holds a character or sequence that
// could end a BitBake string, start a new line or run Python; settings
// fleetbake owns never hold ${ at all.
func FuzzValidateRefusesWhatBitBakeWouldMisread(f *testing.F) {
	for _, s := range []string{"x", "a\"b", "a\\b", "${@x}", "${X}", "a\nb", "us-east-1", "host:1", "file://.* http://x/PATH", "\u2028", "\xff"} {
		for i := range setters {
			f.Add(uint8(i), s)
		}
	}
	// A real, writable project folder: under a missing one the build
	// folder could not be created and every project would be refused,
	// which would prove nothing.
	path := filepath.Join(f.TempDir(), "fleetbake.toml")
	f.Fuzz(func(t *testing.T, which uint8, v string) {
		p := Default()
		p.SetPath(path)
		setters[int(which)%len(setters)](p, v)
		ext := Default()
		ext.SetPath(path)
		ext.LocalConf = map[string]string{"EXTRA": v}
		for _, c := range []struct {
			p     *Project
			owned bool
		}{{p, true}, {ext, false}} {
			if c.p.Validate() != nil {
				continue
			}
			bad := !utf8.ValidString(v) || strings.ContainsAny(v, "\"\\\n\r\u0085\u2028\u2029") || strings.Contains(v, "${@")
			for _, r := range v {
				if r < 0x20 || (r >= 0x7f && r < 0xa0) {
					bad = true
				}
			}
			if c.owned && strings.Contains(v, "${") {
				bad = true
			}
			if bad {
				t.Fatalf("Validate accepted %q (owned setting: %v)", v, c.owned)
			}
		}
	})
}
