package model

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// validProject is a project that passes Validate, in a temp folder.
func validProject(t *testing.T) *Project {
	t.Helper()
	p := Default()
	p.SetPath(filepath.Join(t.TempDir(), DefaultFile))
	if err := p.Validate(); err != nil {
		t.Fatalf("default project does not validate: %v", err)
	}
	return p
}

func TestDefaultProjectValidates(t *testing.T) {
	validProject(t)
}

// Each case breaks one field; Validate must report exactly that field, with
// the bad value, and a message that says what is accepted.
func TestValidateEveryRule(t *testing.T) {
	long := strings.Repeat("a", 129)
	cases := []struct {
		name    string
		edit    func(p *Project)
		field   string
		value   string
		message string // a fragment of the problem
	}{
		{"build dir empty", func(p *Project) { p.BuildDir = "" }, "build_dir", "", "required"},
		{"build dir with space", func(p *Project) { p.BuildDir = "my build" }, "build_dir", "my build", "spaces"},
		{"build dir with quote", func(p *Project) { p.BuildDir = `b"x` }, "build_dir", `b"x`, "double quote"},
		{"build dir with var", func(p *Project) { p.BuildDir = "${TOPDIR}/b" }, "build_dir", "${TOPDIR}/b", "${...}"},
		{"source missing", func(p *Project) { p.Sources = []string{"nope"} }, "sources", "nope", "does not exist"},
		{"source newline", func(p *Project) { p.Sources = []string{"a\nb"} }, "sources", "a\nb", "one line"},
		{"release uppercase", func(p *Project) { p.Release = "Scarthgap" }, "release", "Scarthgap", "did you mean scarthgap"},
		{"release digits", func(p *Project) { p.Release = "5.0" }, "release", "5.0", "known releases: kirkstone, scarthgap"},
		{"release typo", func(p *Project) { p.Release = "scarthgp" }, "release", "scarthgp", "did you mean scarthgap"},
		{"release any word", func(p *Project) { p.Release = "banana" }, "release", "banana", "known releases"},
		{"release master", func(p *Project) { p.Release = "master" }, "release", "master", "leave release empty"},
		{"machine empty", func(p *Project) { p.Machine = "" }, "machine", "", "required"},
		{"machine space", func(p *Project) { p.Machine = "raspberry pi" }, "machine", "raspberry pi", "letters, digits"},
		{"machine python", func(p *Project) { p.Machine = "${@os.system('x')}" }, "machine", "${@os.system('x')}", "letters, digits"},
		{"distro slash", func(p *Project) { p.Distro = "po/ky" }, "distro", "po/ky", "DISTRO"},
		{"image empty", func(p *Project) { p.Image = "" }, "image", "", "required"},
		{"image quote", func(p *Project) { p.Image = `core"x` }, "image", `core"x`, "letters"},
		{"layer bad", func(p *Project) { p.Layers = []string{"meta aws"} }, "layers", "meta aws", "collection"},
		{"layer twice", func(p *Project) { p.Layers = []string{"meta-aws", "meta-aws"} }, "layers", "meta-aws", "twice"},
		{"local_conf bad name", func(p *Project) { p.LocalConf = map[string]string{"1VAR": "x"} }, "local_conf", "1VAR", "variable name"},
		{"local_conf space name", func(p *Project) { p.LocalConf = map[string]string{"MY VAR": "x"} }, "local_conf", "MY VAR", "variable name"},
		{"local_conf owned", func(p *Project) { p.LocalConf = map[string]string{"MACHINE": "x"} }, "local_conf", "MACHINE", "written by fleetbake"},
		{"local_conf owned override", func(p *Project) { p.LocalConf = map[string]string{"BBLAYERS:append": "x"} }, "local_conf", "BBLAYERS:append", "written by fleetbake"},
		{"local_conf python", func(p *Project) { p.LocalConf = map[string]string{"X": "${@d.getVar('A')}"} }, "local_conf.X", "${@d.getVar('A')}", "Python"},
		{"local_conf newline", func(p *Project) { p.LocalConf = map[string]string{"X": "a\nB = 1"} }, "local_conf.X", "a\nB = 1", "one line"},
		{"local_conf quote", func(p *Project) { p.LocalConf = map[string]string{"X": `a" B="1`} }, "local_conf.X", `a" B="1`, "double quote"},
		{"local_conf backslash", func(p *Project) { p.LocalConf = map[string]string{"X": `a\`} }, "local_conf.X", `a\`, "backslash"},
		{"local_conf control", func(p *Project) { p.LocalConf = map[string]string{"X": "a\x00"} }, "local_conf.X", "a\x00", "control character"},
		{"local_conf line separator", func(p *Project) { p.LocalConf = map[string]string{"X": "a\u2028B"} }, "local_conf.X", "a\u2028B", "one line"},
		{"local_conf bad utf8", func(p *Project) { p.LocalConf = map[string]string{"X": "a\xff"} }, "local_conf.X", "a\xff", "UTF-8"},
		{"dl_dir var", func(p *Project) { p.Shared.DLDir = "${TOPDIR}/dl" }, "shared.dl_dir", "${TOPDIR}/dl", "${...}"},
		{"sstate_dir space", func(p *Project) { p.Shared.SstateDir = "/a b" }, "shared.sstate_dir", "/a b", "spaces"},
		{"sstate mirrors odd", func(p *Project) { p.Shared.SstateMirrors = "file://.*" }, "shared.sstate_mirrors", "file://.*", "pairs"},
		{"sstate mirrors not url", func(p *Project) { p.Shared.SstateMirrors = "file://.* host/PATH" }, "shared.sstate_mirrors", "file://.* host/PATH", "not a URL"},
		{"sstate mirrors backslash n", func(p *Project) { p.Shared.SstateMirrors = `file://.* http://h/PATH \n` }, "shared.sstate_mirrors", `file://.* http://h/PATH \n`, "backslash"},
		{"hashserve bad", func(p *Project) { p.Shared.HashServe = "server" }, "shared.hashserve", "server", `"auto" or host:port`},
		{"hashserve port", func(p *Project) { p.Shared.HashServe = "server:99999" }, "shared.hashserve", "server:99999", "65535"},
		{"hashserve upstream bad", func(p *Project) { p.Shared.HashServeUpstream = "http://x" }, "shared.hashserve_upstream", "http://x", "wss://"},
		{"signature handler bad", func(p *Project) { p.Shared.SignatureHandler = "OE Equiv" }, "shared.signature_handler", "OE Equiv", "OEEquivHash"},
		{"prserv bad", func(p *Project) { p.Shared.PRServHost = "localhost" }, "shared.prserv_host", "localhost", "host:port"},
		{"threads negative", func(p *Project) { p.Shared.BBNumberThreads = -1 }, "shared.bb_number_threads", "-1", ">= 0"},
		{"parallel make negative", func(p *Project) { p.Shared.ParallelMake = -4 }, "shared.parallel_make", "-4", ">= 0"},
		{"nucleus bad", func(p *Project) { p.Greengrass.Nucleus = "greengrass-nucleus" }, "greengrass.nucleus", "greengrass-nucleus", "greengrass-lite"},
		{"region empty", func(p *Project) { p.Greengrass.Region = "" }, "greengrass.region", "", "required"},
		{"region format", func(p *Project) { p.Greengrass.Region = "US-EAST-1" }, "greengrass.region", "US-EAST-1", "us-east-1"},
		{"region unknown", func(p *Project) { p.Greengrass.Region = "us-east-9" }, "greengrass.region", "us-east-9", "unknown AWS region"},
		{"prefix chars", func(p *Project) { p.Greengrass.Prefix = "fleet.bake" }, "greengrass.prefix", "fleet.bake", "letters, digits, _ and -"},
		{"prefix long", func(p *Project) { p.Greengrass.Prefix = strings.Repeat("p", 28) }, "greengrass.prefix", strings.Repeat("p", 28), "at most 27"},
		{"prefix empty", func(p *Project) { p.Greengrass.Prefix = "" }, "greengrass.prefix", "", "required"},
		{"template chars", func(p *Project) { p.Greengrass.ProvisioningTemplate = "my.template" }, "greengrass.provisioning_template", "my.template", "letters, digits and _ -"},
		{"template long", func(p *Project) { p.Greengrass.ProvisioningTemplate = strings.Repeat("t", 37) }, "greengrass.provisioning_template", strings.Repeat("t", 37), "at most 36"},
		{"role alias chars", func(p *Project) { p.Greengrass.RoleAlias = "alias.x" }, "greengrass.role_alias", "alias.x", "_ = , @ -"},
		{"role alias long", func(p *Project) { p.Greengrass.RoleAlias = long }, "greengrass.role_alias", long, "at most 128"},
		{"thing group chars", func(p *Project) { p.Greengrass.ThingGroup = "group@x" }, "greengrass.thing_group", "group@x", ": _ -"},
		{"thing name prefix chars", func(p *Project) { p.Greengrass.ThingNamePrefix = "dev ice" }, "greengrass.thing_name_prefix", "dev ice", "thing name"},
		{"thing name prefix long", func(p *Project) { p.Greengrass.ThingNamePrefix = strings.Repeat("d", 101) }, "greengrass.thing_name_prefix", strings.Repeat("d", 101), "at most 100"},
		{"tes role long", func(p *Project) { p.Greengrass.TokenExchangeRole = strings.Repeat("r", 65) }, "greengrass.token_exchange_role", strings.Repeat("r", 65), "at most 64"},
		{"tes role chars", func(p *Project) { p.Greengrass.TokenExchangeRole = "role/x" }, "greengrass.token_exchange_role", "role/x", "IAM role"},
		{"tes policy chars", func(p *Project) { p.Greengrass.TokenExchangePolicy = "pol:x" }, "greengrass.token_exchange_policy", "pol:x", "IAM policy"},
		{"core policy chars", func(p *Project) { p.Greengrass.CorePolicy = "pol x" }, "greengrass.core_policy", "pol x", "IoT policy"},
		{"provisioning role chars", func(p *Project) { p.Greengrass.ProvisioningRole = "r#1" }, "greengrass.provisioning_role", "r#1", "IAM role"},
		{"claim policy long", func(p *Project) { p.Greengrass.ClaimPolicy = long }, "greengrass.claim_policy", long, "at most 128"},
		{"claim dir quote", func(p *Project) { p.Greengrass.ClaimDir = `c"d` }, "greengrass.claim_dir", `c"d`, "double quote"},
		{"data endpoint url", func(p *Project) { p.Greengrass.DataEndpoint = "https://abc-ats.iot.us-east-1.amazonaws.com" }, "greengrass.data_endpoint", "https://abc-ats.iot.us-east-1.amazonaws.com", "without https://"},
		{"cred endpoint injection", func(p *Project) { p.Greengrass.CredentialEndpoint = `x.example.com" FOO="1` }, "greengrass.credential_endpoint", `x.example.com" FOO="1`, "host name"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := validProject(t)
			c.edit(p)
			err := p.Validate()
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Validate() = %v, want a *ValidationError", err)
			}
			fe := ve.Field(c.field)
			if fe == nil {
				t.Fatalf("no problem reported for %s; got:\n%v", c.field, err)
			}
			if fe.Value != c.value {
				t.Errorf("value = %q, want %q", fe.Value, c.value)
			}
			if !strings.Contains(fe.Problem, c.message) {
				t.Errorf("problem %q does not mention %q", fe.Problem, c.message)
			}
			// The printed error names the field and the value.
			if msg := err.Error(); !strings.Contains(msg, c.field+" = ") {
				t.Errorf("message does not name the field:\n%s", msg)
			}
		})
	}
}

func TestValidateReportsEveryProblemAtOnce(t *testing.T) {
	p := validProject(t)
	p.Machine = "bad machine"
	p.Greengrass.Region = "mars-1"
	p.Shared.BBNumberThreads = -2
	p.LocalConf = map[string]string{"DISTRO": "x", "OK_VAR": "fine ${TOPDIR}"}
	err := p.Validate()
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("want ValidationError, got %v", err)
	}
	want := []string{"machine", "greengrass.region", "shared.bb_number_threads", "local_conf"}
	if len(ve.Problems) != len(want) {
		t.Fatalf("got %d problems, want %d:\n%v", len(ve.Problems), len(want), err)
	}
	for _, f := range want {
		if ve.Field(f) == nil {
			t.Errorf("missing problem for %s", f)
		}
	}
	if got := strings.Count(err.Error(), "\n"); got != len(want) {
		t.Errorf("want one line per problem plus a header, got %d newlines:\n%s", got, err)
	}
}

func TestValidateAcceptsGoodValues(t *testing.T) {
	p := validProject(t)
	src := filepath.Join(p.Dir(), "sources")
	if err := os.Mkdir(src, 0o755); err != nil {
		t.Fatal(err)
	}
	p.Sources = []string{"sources"}
	p.Release = "scarthgap"
	p.Machine = "raspberrypi4-64"
	p.Image = "core-image-full-cmdline"
	p.LocalConf = map[string]string{
		"IMAGE_INSTALL:append":    " htop",
		"EXTRA_IMAGE_FEATURES":    "debug-tweaks",
		"INHERIT":                 "rm_work",
		"SOME_PATH":               "${TOPDIR}/x",
		"PACKAGECONFIG:pn-curl":   "ssl",
		"RM_WORK_EXCLUDE:append":  " busybox",
		"BB_PRESSURE_MAX_CPU":     "15000",
		"CONNECTIVITY_CHECK_URIS": "https://www.example.com/",
	}
	// Absolute folders that can be made whoever runs the test (CI runs as an ordinary user, for whom
	// /srv is not writable, and validation checks that).
	shared := t.TempDir()
	p.Shared = Shared{DLDir: shared + "/yocto/downloads", SstateDir: shared + "/yocto/sstate",
		SstateMirrors:     "file://.* http://sstate.example.com/PATH;downloadfilename=PATH file://.* file:///nfs/sstate/PATH",
		HashServe:         "auto",
		HashServeUpstream: "wss://hashserv.yoctoproject.org/ws", SignatureHandler: "OEEquivHash",
		PRServHost: "localhost:0", BBNumberThreads: 16, ParallelMake: 16}
	p.Greengrass.Nucleus = NucleusLite
	p.Greengrass.Region = "eu-central-1"
	p.Greengrass.ProvisioningTemplate = "GreengrassFleetProvisioningTemplate"
	p.Greengrass.RoleAlias = "GreengrassV2TokenExchangeRoleAlias"
	p.Greengrass.ThingGroup = "fleet:group_1"
	p.Greengrass.DataEndpoint = "a1b2c3-ats.iot.eu-central-1.amazonaws.com"
	p.Greengrass.CredentialEndpoint = "c1d2.credentials.iot.eu-central-1.amazonaws.com"
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, hs := range []string{"buildserver:8686", "10.0.0.5:8686", "[::1]:8686", "unix:///run/hashserve.sock", "ws://hs.example.com:8686"} {
		if err := ValidateField("shared.hashserve", hs); err != nil {
			t.Errorf("hashserve %q: %v", hs, err)
		}
	}
}

func TestValidateFieldForUI(t *testing.T) {
	if err := ValidateField("greengrass.thing_group", "Fleet_1"); err != nil {
		t.Fatal(err)
	}
	err := ValidateField("greengrass.thing_group", "Fleet 1")
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != "greengrass.thing_group" || fe.Value != "Fleet 1" {
		t.Fatalf("got %#v", err)
	}
	if err := ValidateField("no.such", "x"); err == nil {
		t.Fatal("an unknown field must be an error")
	}
	if err := ValidateField("local_conf", "GOOD_NAME"); err != nil {
		t.Fatal(err)
	}
	if err := ValidateField("local_conf.GOOD_NAME", "${@bad}"); err == nil {
		t.Fatal("${@ must be refused in local_conf values")
	}
}

func TestValidAWSName(t *testing.T) {
	cases := []struct {
		kind, name string
		ok         bool
	}{
		{"iot-policy", "a+b=c,d.e@f-g_h", true},
		{"iot-policy", "a/b", false},
		{"iot-policy", strings.Repeat("p", 128), true},
		{"iot-policy", strings.Repeat("p", 129), false},
		{"role-alias", "a=b,c@d-e_f", true},
		{"role-alias", "a.b", false},
		{"role-alias", "a+b", false},
		{"thing-group", "a:b_c-d", true},
		{"thing-group", "a,b", false},
		{"thing-name", "core_0a1b2c3d4e5f", true},
		{"thing-name", "", false},
		{"template", "Fleet_Template-1", true},
		{"template", "Fleet:Template", false},
		{"template", strings.Repeat("t", 36), true},
		{"template", strings.Repeat("t", 37), false},
		{"iam-role", "Greengrass+Role=1,x.y@z-w", true},
		{"iam-role", strings.Repeat("r", 64), true},
		{"iam-role", strings.Repeat("r", 65), false},
		{"iam-policy", strings.Repeat("r", 128), true},
		{"iam-policy", "no spaces", false},
	}
	for _, c := range cases {
		err := ValidAWSName(c.kind, c.name)
		if (err == nil) != c.ok {
			t.Errorf("ValidAWSName(%q, %q) = %v, want ok=%v", c.kind, c.name, err, c.ok)
		}
	}
	if err := ValidAWSName("bucket", "x"); err == nil {
		t.Error("unknown kind must be an error")
	}
}

func TestRegions(t *testing.T) {
	for _, r := range Regions {
		if err := ValidRegion(r); err != nil {
			t.Errorf("listed region %s does not validate: %v", r, err)
		}
	}
	for _, r := range []string{"", "useast1", "us-east", "us-east-1a", "xx-nowhere-1"} {
		if ValidRegion(r) == nil {
			t.Errorf("ValidRegion(%q) accepted a bad region", r)
		}
	}
}

// ValidRegion takes a listed region without matching the pattern: every
// listed region must have the form, or a typo in a list would pass.
func TestKnownRegionsHaveTheForm(t *testing.T) {
	for _, r := range append(slices.Clone(Regions), allRegions...) {
		if !reRegion().MatchString(r) {
			t.Errorf("listed region %q is not of the form of a region code", r)
		}
	}
}

func TestNamesDerivedFromPrefixFitAWSRules(t *testing.T) {
	g := Default().Greengrass
	g.Prefix = strings.Repeat("p", maxPrefixLen)
	n := g.Names()
	checks := map[string]string{
		n.TokenExchangeRole: "iam-role", n.TokenExchangePolicy: "iam-policy", n.RoleAlias: "role-alias",
		n.CorePolicy: "iot-policy", n.ThingGroup: "thing-group", n.ProvisioningRole: "iam-role",
		n.ProvisioningTemplate: "template", n.ClaimPolicy: "iot-policy", n.ThingNamePrefix: "thing-name",
	}
	for name, kind := range checks {
		if err := ValidAWSName(kind, name); err != nil {
			t.Errorf("derived %s name %q: %v", kind, name, err)
		}
	}
	g.RoleAlias = "MyAlias"
	if g.Names().RoleAlias != "MyAlias" {
		t.Error("an explicit name must win over the prefix")
	}
}

func TestClaimFiles(t *testing.T) {
	p := Default()
	p.SetPath("/srv/proj/fleetbake.toml")
	cert, key, root := p.ClaimFiles()
	if cert != "/srv/proj/claim-certs/claim.cert.pem" || key != "/srv/proj/claim-certs/claim.pkey.pem" || root != "/srv/proj/claim-certs/claim.root.pem" {
		t.Fatalf("got %s %s %s", cert, key, root)
	}
	p.Greengrass.ClaimDir = "/etc/claims"
	if cert, _, _ := p.ClaimFiles(); cert != "/etc/claims/claim.cert.pem" {
		t.Fatal(cert)
	}
	// No claim_dir is the default folder, for apply, generate and verify
	// alike, and is valid.
	p.Greengrass.ClaimDir = ""
	if cert, _, _ := p.ClaimFiles(); cert != "/srv/proj/claim-certs/claim.cert.pem" {
		t.Fatal(cert)
	}
	if err := p.Validate(); err != nil && strings.Contains(err.Error(), "claim_dir") {
		t.Errorf("an empty claim_dir is refused: %v", err)
	}
}

// The claim files become SRC_URI file:// entries: a folder whose full path
// the fetcher would read differently is refused before AWS makes them.
func TestClaimDirRefusesWhatTheFetcherMisreads(t *testing.T) {
	for _, dir := range []string{"claims;x", "claim%20certs", "claims*", "a:b"} {
		p := Default()
		p.SetPath("/srv/fleet/fleetbake.toml")
		p.Greengrass.ClaimDir = dir
		err := p.Validate()
		if err == nil || !strings.Contains(err.Error(), "greengrass.claim_dir") || !strings.Contains(err.Error(), "SRC_URI") {
			t.Errorf("claim_dir %q: %v", dir, err)
		}
	}
	p := Default()
	p.SetPath("/srv/fleet:1/fleetbake.toml") // the project folder counts too
	if err := p.Validate(); err == nil || !strings.Contains(err.Error(), "greengrass.claim_dir") {
		t.Errorf("project under a path with ':': %v", err)
	}
	p.Greengrass.Enabled = false // no claim files without Greengrass
	if err := p.Validate(); err != nil && strings.Contains(err.Error(), "greengrass.claim_dir") {
		t.Errorf("Greengrass off: %v", err)
	}
}
