package model

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
)

// Setting documents one key of fleetbake.toml. Settings is the one list that
// `fleetbake help settings` prints, the README section copies, and the
// unknown-key check suggests from; a test keeps it equal to the toml tags
// of Project.
type Setting struct {
	Key     string // as written in TOML, dotted under a table: "greengrass.region"
	Example string // a value as it would be written in the file
	Doc     string // what it sets, one or two sentences
}

// Settings lists every key of fleetbake.toml in file order. It is built
// on first use: the name examples are derived (derivedName), work that a
// package variable would make every command pay at start-up (issue 12).
var Settings = sync.OnceValue(func() []Setting {
	return []Setting{
		{"format", "1", "Layout version of this file; fleetbake writes it. A newer version than this fleetbake reads is refused."},
		{"sources", `["sources", "~/yocto/layers"]`, "Folders searched for layers, relative to this file (~/ is your home). Empty: this folder and its sources/, layers/ and poky/. Symlinked layer folders are followed."},
		{"build_dir", `"build"`, "BitBake's build folder (holds conf/), relative to this file (~/ is your home). Its full path must not contain a space, +, @ or % (BitBake's sanity check refuses them), and it must be writable."},
		{"release", `"scarthgap"`, "Yocto release code name: one of " + strings.Join(KnownReleases, ", ") + ". Empty: the one oe-core on disk names (use that for a master checkout)."},
		{"machine", `"qemux86-64"`, "MACHINE: a conf/machine/<name>.conf of a layer on disk or of the built-in catalog; its BSP layer is added to the layer set. One that no layer has is refused, with the closest names, once every layer is on disk; before that (the catalog lists only some machines of each BSP layer) it is taken with a note and checked again after `layers fetch`."},
		{"distro", `"poky"`, "DISTRO: a conf/distro/<name>.conf of a layer on disk or of the catalog (nodistro for plain oe-core)."},
		{"image", `"core-image-minimal"`, "The image recipe to build; the Greengrass nucleus is installed into this image only (IMAGE_INSTALL:append:pn-<image>)."},
		{"layers", `["meta-aws"]`, "Layers you chose, by folder name (meta-aws) or BitBake collection (openembedded-layer); their LAYERDEPENDS and the layers of MACHINE, DISTRO and image are added."},
		{"local_conf", `{ IMAGE_FSTYPES = "wic.gz" }`, "Extra local.conf assignments, VARIABLE = value (overrides such as IMAGE_INSTALL:append allowed); not the variables fleetbake writes itself."},
		{"shared.dl_dir", `"~/yocto/downloads"`, "DL_DIR, the download cache shared between builds (~/ is your home)."},
		{"shared.sstate_dir", `"~/yocto/sstate-cache"`, "SSTATE_DIR, the shared-state cache (~/ is your home)."},
		{"shared.sstate_mirrors", `"file://.* https://host/sstate/PATH;downloadfilename=PATH"`, "SSTATE_MIRRORS: pairs of regex and URL separated by spaces."},
		{"shared.hashserve", `"auto"`, `BB_HASHSERVE: "auto" (a local server), host:port, wss://host/path or unix://path.`},
		{"shared.hashserve_upstream", `"wss://hashserv.yoctoproject.org/ws"`, "BB_HASHSERVE_UPSTREAM: host:port or wss://host/path."},
		{"shared.signature_handler", `"OEEquivHash"`, "BB_SIGNATURE_HANDLER; OEEquivHash goes with a hash server."},
		{"shared.prserv_host", `"buildserver:8585"`, `PRSERV_HOST: "auto" or host:port.`},
		{"shared.bb_number_threads", "8", "BB_NUMBER_THREADS; 0 lets BitBake choose."},
		{"shared.parallel_make", "8", "PARALLEL_MAKE as -j N; 0 lets BitBake choose."},
		{"greengrass.enabled", "true", "Install Greengrass v2 with fleet provisioning into the image."},
		{"greengrass.nucleus", `"greengrass-bin"`, "greengrass-bin (the Java nucleus) or greengrass-lite."},
		{"greengrass.region", `"us-east-1"`, "AWS region of the fleet."},
		{"greengrass.prefix", `"fleetbake"`, "Names every AWS resource fleetbake creates unless a name below is set (letters, digits, _ and -)."},
		{"greengrass.provisioning_template", derivedName(func(n ResourceNames) string { return n.ProvisioningTemplate }), "Fleet provisioning template name; empty: from prefix."},
		{"greengrass.role_alias", derivedName(func(n ResourceNames) string { return n.RoleAlias }), "IoT role alias for the token exchange role; empty: from prefix."},
		{"greengrass.thing_group", derivedName(func(n ResourceNames) string { return n.ThingGroup }), "Thing group every provisioned device joins; empty: from prefix."},
		{"greengrass.thing_name_prefix", derivedName(func(n ResourceNames) string { return n.ThingNamePrefix }), "Thing names are this prefix plus the device's serial number (MAC); empty: from prefix."},
		{"greengrass.token_exchange_role", derivedName(func(n ResourceNames) string { return n.TokenExchangeRole }), "IAM role the devices assume; empty: from prefix."},
		{"greengrass.token_exchange_policy", derivedName(func(n ResourceNames) string { return n.TokenExchangePolicy }), "IAM policy of that role; empty: from prefix."},
		{"greengrass.core_policy", derivedName(func(n ResourceNames) string { return n.CorePolicy }), "IoT policy of each device's own certificate; empty: from prefix."},
		{"greengrass.provisioning_role", derivedName(func(n ResourceNames) string { return n.ProvisioningRole }), "IAM role AWS IoT uses to provision devices; empty: from prefix."},
		{"greengrass.claim_policy", derivedName(func(n ResourceNames) string { return n.ClaimPolicy }), "IoT policy of the claim certificate; empty: from prefix."},
		{"greengrass.claim_dir", `"claim-certs"`, "Folder of claim.cert.pem, claim.pkey.pem and claim.root.pem, relative to this file (~/ is your home)."},
		{"greengrass.aws_generated_key", "false", "true: AWS makes the claim key (CreateKeysAndCertificate) instead of a key made here and a CSR."},
		{"greengrass.data_endpoint", `"abc123-ats.iot.us-east-1.amazonaws.com"`, "Written by `fleetbake provision apply` (iot:DescribeEndpoint iot:Data-ATS)."},
		{"greengrass.credential_endpoint", `"abc123.credentials.iot.us-east-1.amazonaws.com"`, "Written by `fleetbake provision apply` (iot:CredentialProvider)."},
		{"pins", `{ "sources/poky" = "0123abcd..." }`, "Written by `fleetbake layers lock`: the commit of each layer checkout (folder relative to this file); `layers fetch`, `export kas` and `export bitbake-setup` follow it, `layers` shows where a checkout moved."},
	}
})

// derivedName is the example of a name setting: the name fleetbake derives
// from the default prefix when the setting is empty (Greengrass.Names), so
// that help shows the names apply really creates.
func derivedName(pick func(ResourceNames) string) string {
	return fmt.Sprintf("%q", pick(Default().Greengrass.Names()))
}

// SettingKeys are the keys of Settings.
func SettingKeys() []string {
	keys := make([]string, len(Settings()))
	for i, s := range Settings() {
		keys[i] = s.Key
	}
	return keys
}

// WriteSettings prints Settings as `fleetbake help settings` shows them.
func WriteSettings(w io.Writer) {
	fmt.Fprintln(w, "Settings of fleetbake.toml (a key a.b is b under [a]):")
	for _, s := range Settings() {
		fmt.Fprintf(w, "\n  %s = %s\n", s.Key, s.Example)
		for _, line := range wrapWords(s.Doc, 72) {
			fmt.Fprintf(w, "      %s\n", line)
		}
	}
}

// unknownKeysError lists every key of the file that is no setting, each with
// the closest settings, so that every typo is fixed in one pass.
func unknownKeysError(keys []string) error {
	var b strings.Builder
	if len(keys) == 1 {
		b.WriteString("1 unknown setting:")
	} else {
		fmt.Fprintf(&b, "%d unknown settings:", len(keys))
	}
	for _, k := range keys {
		parent, name := "", k
		if i := strings.LastIndexByte(k, '.'); i >= 0 {
			parent, name = k[:i+1], k[i+1:]
		}
		var full []string
		for _, c := range Closest(name, siblingKeys(parent), 3) {
			full = append(full, parent+c)
		}
		fmt.Fprintf(&b, "\n  %s%s", k, meanList(full))
	}
	b.WriteString("\nsee `fleetbake help settings` for every setting")
	return fmt.Errorf("%s", b.String())
}

// siblingKeys are the names, relative to parent ("" or "greengrass."), a
// typo under parent may have meant: the keys of that table, and at the top
// level also the table names (greengras: greengrass). Comparing whole
// dotted keys would let the shared table prefix outweigh the typo.
func siblingKeys(parent string) []string {
	var out []string
	for _, s := range Settings() {
		rest, ok := strings.CutPrefix(s.Key, parent)
		if !ok {
			continue
		}
		if table, _, nested := strings.Cut(rest, "."); nested {
			if parent == "" && !slices.Contains(out, table) {
				out = append(out, table)
			}
			continue
		}
		out = append(out, rest)
	}
	return out
}

// SettingsMarkdown renders Settings as the README's table (a test keeps the
// README equal to it).
func SettingsMarkdown() string {
	var b strings.Builder
	b.WriteString("| Setting | Example | What it sets |\n|---|---|---|\n")
	for _, s := range Settings() {
		fmt.Fprintf(&b, "| `%s` | `%s` | %s |\n", s.Key, strings.ReplaceAll(s.Example, "|", `\|`), strings.ReplaceAll(s.Doc, "|", `\|`))
	}
	return b.String()
}

// wrapWords breaks text into lines of at most width bytes at spaces (a
// longer word gets a line of its own), for a terminal over SSH.
func wrapWords(text string, width int) []string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(text) {
		if line != "" && len(line)+1+len(w) > width {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}
