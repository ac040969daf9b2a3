package model

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"fleetbake/internal/lazyre"
)

// FieldError is one problem with one setting of fleetbake.toml.
type FieldError struct {
	Field   string // as written in TOML: "greengrass.region", "local_conf.IMAGE_FSTYPES"
	Value   string // the bad value as the engineer wrote it
	Problem string // what is wrong and what would be accepted
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("%s = %q: %s", e.Field, e.Value, e.Problem)
}

// ValidationError lists every problem Validate found, so the engineer can fix
// them all in one pass instead of one per run.
type ValidationError struct {
	// File is the project file's path, named once at the head of the
	// message; "" for a project not yet saved (then "fleetbake.toml").
	File     string
	Problems []FieldError
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	file := e.File
	if file == "" {
		file = DefaultFile
	}
	if len(e.Problems) == 1 {
		fmt.Fprintf(&b, "%s has 1 problem:", file)
	} else {
		fmt.Fprintf(&b, "%s has %d problems:", file, len(e.Problems))
	}
	for i := range e.Problems {
		b.WriteString("\n  ")
		b.WriteString(e.Problems[i].Error())
	}
	return b.String()
}

// Field returns the first problem reported for field, or nil.
func (e *ValidationError) Field(field string) *FieldError {
	for i := range e.Problems {
		if e.Problems[i].Field == field {
			return &e.Problems[i]
		}
	}
	return nil
}

// OwnedVariables are the BitBake variables fleetbake writes itself; setting
// them under [local_conf] would fight the generated block.
var OwnedVariables = []string{
	"MACHINE", "DISTRO", "BBLAYERS", "BBLAYERS_NON_REMOVABLE", "BBPATH", "BBFILES",
	"DL_DIR", "SSTATE_DIR", "SSTATE_MIRRORS", "BB_HASHSERVE", "BB_HASHSERVE_UPSTREAM",
	"BB_SIGNATURE_HANDLER", "PRSERV_HOST", "BB_NUMBER_THREADS", "PARALLEL_MAKE", "TOPDIR",
}

var (
	reMachineName = lazyre.MustCompile(`^[a-zA-Z0-9._+-]+$`)
	reLayerName   = lazyre.MustCompile(`^[A-Za-z0-9._+-]+$`)
	// A BitBake variable, optionally with overrides or :append/:prepend/:remove.
	reVarName    = lazyre.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*(:[A-Za-z0-9_${}.+-]+)*$`)
	reHostPort   = lazyre.MustCompile(`^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?):([0-9]{1,5})$`)
	reWebSocket  = lazyre.MustCompile(`^wss?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~/-]*)?$`)
	reUnixSocket = lazyre.MustCompile(`^unix://[^\s"'\\$]+$`)
	reHostname   = lazyre.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$`)
	reSigHandler = lazyre.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)
	reURLScheme  = lazyre.MustCompile(`^[a-z][a-z0-9+.-]*://\S+$`)
	rePrefix     = lazyre.MustCompile(`^[A-Za-z0-9_-]+$`)
)

func fe(field, value, problem string) *FieldError {
	return &FieldError{Field: field, Value: value, Problem: problem}
}

// checkName validates a Yocto name (machine, distro, image).
func checkName(field, v, what string) *FieldError {
	if v == "" {
		return fe(field, v, what+" is required")
	}
	if !reMachineName().MatchString(v) {
		return fe(field, v, what+" may use only letters, digits and . _ + -")
	}
	return nil
}

func checkHostPort(field, v string, allowAuto bool) *FieldError {
	if v == "" {
		return nil
	}
	if allowAuto && v == "auto" {
		return nil
	}
	if m := reHostPort().FindStringSubmatch(v); m != nil {
		if n, _ := strconv.Atoi(m[3]); n <= 65535 {
			return nil
		}
		return fe(field, v, "port must be 0 to 65535")
	}
	want := "host:port (e.g. buildserver:8686)"
	if allowAuto {
		want = `"auto" or ` + want
	}
	return fe(field, v, "expected "+want)
}

// ValidateField checks one setting as the UI edits it; field is the TOML name
// ("machine", "greengrass.thing_group", "local_conf.IMAGE_FSTYPES" for an extra
// variable's value, "local_conf" for an extra variable's name). It returns nil
// or a *FieldError. Checks needing the whole project (paths existing) are in
// Validate only.
func ValidateField(field, value string) error {
	if e := validateField(field, value); e != nil {
		return e
	}
	return nil
}

func validateField(field, v string) *FieldError {
	switch field {
	case "build_dir":
		if v == "" {
			return fe(field, v, "build folder is required (e.g. build)")
		}
		return checkPath(field, v)
	case "sources", "shared.dl_dir", "shared.sstate_dir", "greengrass.claim_dir":
		if field == "sources" && v == "" {
			return fe(field, v, "an empty source folder; remove it or name a folder")
		}
		return checkPath(field, v)
	case "release":
		// Only releases the catalog has branches for (KnownReleases): a
		// typo would otherwise pass here and fail at `layers fetch` or
		// as a LAYERSERIES_COMPAT mismatch. A master checkout names its
		// coming release in LAYERSERIES_CORENAMES: leave release empty.
		if v != "" && !slices.Contains(KnownReleases, v) {
			return fe(field, v, "unknown release"+strings.TrimSuffix(didYouMean(v, KnownReleases), "?")+
				"; known releases: "+strings.Join(KnownReleases, ", ")+" (leave release empty to use the one oe-core on disk names, e.g. on master)")
		}
	case "machine":
		return checkName(field, v, "MACHINE")
	case "distro":
		return checkName(field, v, "DISTRO")
	case "image":
		return checkName(field, v, "image recipe")
	case "layers":
		if v == "" || !reLayerName().MatchString(v) {
			return fe(field, v, "a layer is named by its folder (meta-aws) or collection (openembedded-layer): letters, digits and . _ + -")
		}
	case "local_conf":
		return checkVarName(v)
	case "shared.sstate_mirrors":
		return checkSstateMirrors(v)
	case "shared.hashserve":
		if p := unsafeForBitBake(v, false); p != "" {
			return fe(field, v, p)
		}
		if v == "" || v == "auto" || reWebSocket().MatchString(v) || reUnixSocket().MatchString(v) {
			return nil
		}
		return checkHostPort(field, v, true)
	case "shared.hashserve_upstream":
		if v == "" || reWebSocket().MatchString(v) {
			return nil
		}
		if e := checkHostPort(field, v, false); e != nil {
			e.Problem = "expected host:port or wss://host/path (e.g. wss://hashserv.yoctoproject.org/ws)"
			return e
		}
	case "shared.signature_handler":
		if v != "" && !reSigHandler().MatchString(v) {
			return fe(field, v, "expected a BitBake signature handler name such as OEEquivHash or OEBasicHash")
		}
	case "shared.prserv_host":
		return checkHostPort(field, v, true)
	case "shared.bb_number_threads", "shared.parallel_make":
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return fe(field, v, "expected a whole number >= 0 (0 lets BitBake choose)")
		}
	case "greengrass.nucleus":
		if v != "" && v != NucleusBin && v != NucleusLite {
			return fe(field, v, "expected "+NucleusBin+" (Java nucleus) or "+NucleusLite)
		}
	case "greengrass.region":
		if err := ValidRegion(v); err != nil {
			return fe(field, v, err.Error())
		}
	case "greengrass.prefix":
		if v == "" {
			return nil
		}
		if !rePrefix().MatchString(v) {
			return fe(field, v, "prefix names every AWS resource, so it may use only letters, digits, _ and -")
		}
		if len(v) > maxPrefixLen {
			return fe(field, v, fmt.Sprintf("prefix is %d characters; at most %d fit every derived AWS name (the provisioning template name is limited to 36)", len(v), maxPrefixLen))
		}
	case "greengrass.thing_name_prefix":
		if v == "" {
			return nil
		}
		if err := ValidAWSName("thing-name", v); err != nil {
			return fe(field, v, err.Error())
		}
		if len(v) > maxThingNamePrefixLen {
			return fe(field, v, fmt.Sprintf("the device appends its serial number (MAC) to this prefix; keep it at most %d characters so the thing name stays within 128", maxThingNamePrefixLen))
		}
	case "greengrass.data_endpoint", "greengrass.credential_endpoint":
		if v != "" && !reHostname().MatchString(v) {
			return fe(field, v, "expected a host name as returned by iot:DescribeEndpoint (e.g. abc123-ats.iot.us-east-1.amazonaws.com), without https://")
		}
	default:
		if kind, ok := awsNameFields[field]; ok {
			if v == "" {
				return nil
			}
			if err := ValidAWSName(kind, v); err != nil {
				return fe(field, v, err.Error())
			}
			return nil
		}
		if strings.HasPrefix(field, "local_conf.") {
			if p := unsafeForBitBake(v, true); p != "" {
				return fe(field, v, "value "+p)
			}
			return nil
		}
		return fe(field, v, "unknown setting")
	}
	return nil
}

// awsNameFields maps each Greengrass name override to its AWS naming rule.
var awsNameFields = map[string]string{
	"greengrass.provisioning_template": "template",
	"greengrass.role_alias":            "role-alias",
	"greengrass.thing_group":           "thing-group",
	"greengrass.token_exchange_role":   "iam-role",
	"greengrass.token_exchange_policy": "iam-policy",
	"greengrass.core_policy":           "iot-policy",
	"greengrass.provisioning_role":     "iam-role",
	"greengrass.claim_policy":          "iot-policy",
}

// Validate checks every field and returns nil or a *ValidationError listing
// every problem, each naming the TOML field, the bad value and what would be
// accepted. It also refuses every value the generator cannot write literally
// into a BitBake string.
func (p *Project) Validate() error {
	var probs []FieldError
	add := func(e *FieldError) {
		if e != nil {
			probs = append(probs, *e)
		}
	}
	check := func(field, v string) { add(validateField(field, v)) }

	if p.Format != FormatVersion && p.Format != 0 {
		add(fe("format", strconv.Itoa(p.Format), fmt.Sprintf("this fleetbake reads format %d", FormatVersion)))
	}
	p.validatePaths(add)
	p.validatePins(add)
	check("release", p.Release)
	check("machine", p.Machine)
	check("distro", p.Distro)
	check("image", p.Image)
	seen := map[string]bool{}
	for _, l := range p.Layers {
		check("layers", l)
		if seen[l] {
			add(fe("layers", l, "listed twice; keep one"))
		}
		seen[l] = true
	}
	keys := make([]string, 0, len(p.LocalConf))
	for k := range p.LocalConf {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if e := checkVarName(k); e != nil {
			add(e)
			continue
		}
		check("local_conf."+k, p.LocalConf[k])
	}

	s := p.Shared
	check("shared.sstate_mirrors", s.SstateMirrors)
	check("shared.hashserve", s.HashServe)
	check("shared.hashserve_upstream", s.HashServeUpstream)
	check("shared.signature_handler", s.SignatureHandler)
	check("shared.prserv_host", s.PRServHost)
	check("shared.bb_number_threads", strconv.Itoa(s.BBNumberThreads))
	check("shared.parallel_make", strconv.Itoa(s.ParallelMake))

	g := p.Greengrass
	check("greengrass.nucleus", g.Nucleus)
	if g.Enabled && p.Release != "" {
		// A nucleus that the release's meta-aws cannot provision by claim
		// (the device profile table, devices.go) is refused before a bake.
		if d, err := Device(g.Nucleus, p.Release, GenerationUnknown); err == nil && d.Refused != "" {
			add(fe("greengrass.nucleus", g.Nucleus, d.Refused))
		}
	}
	if g.Enabled || g.Region != "" {
		check("greengrass.region", g.Region)
	}
	check("greengrass.prefix", g.Prefix)
	if g.Enabled && g.Prefix == "" {
		// Every empty override is derived from the prefix.
		for _, f := range []struct{ field, v string }{
			{"greengrass.provisioning_template", g.ProvisioningTemplate}, {"greengrass.role_alias", g.RoleAlias},
			{"greengrass.thing_group", g.ThingGroup}, {"greengrass.token_exchange_role", g.TokenExchangeRole},
			{"greengrass.token_exchange_policy", g.TokenExchangePolicy}, {"greengrass.core_policy", g.CorePolicy},
			{"greengrass.provisioning_role", g.ProvisioningRole}, {"greengrass.claim_policy", g.ClaimPolicy},
		} {
			if f.v == "" {
				add(fe("greengrass.prefix", "", "prefix is required unless every AWS resource name is set ("+f.field+" is empty)"))
				break
			}
		}
	}
	check("greengrass.provisioning_template", g.ProvisioningTemplate)
	check("greengrass.role_alias", g.RoleAlias)
	check("greengrass.thing_group", g.ThingGroup)
	check("greengrass.thing_name_prefix", g.ThingNamePrefix)
	check("greengrass.token_exchange_role", g.TokenExchangeRole)
	check("greengrass.token_exchange_policy", g.TokenExchangePolicy)
	check("greengrass.core_policy", g.CorePolicy)
	check("greengrass.provisioning_role", g.ProvisioningRole)
	check("greengrass.claim_policy", g.ClaimPolicy)
	check("greengrass.data_endpoint", g.DataEndpoint)
	check("greengrass.credential_endpoint", g.CredentialEndpoint)
	probs = append(probs, p.literalProblems(probs)...)

	if len(probs) == 0 {
		return nil
	}
	return &ValidationError{File: p.path, Problems: probs}
}
