package model

import (
	"fmt"
	"slices"
)

// This file is the one table of what a device really does in the
// provision-by-claim flow, per nucleus and meta-aws branch, read from the
// sources at the version each branch's recipe ships. The claim policy and
// the template's parameters (package provision), the fake's device
// (internal/awsfake) and `fleetbake verify` (package app) are all derived
// from it; none of them restates it.
//
// Sources, read at the refs named (meta-aws = aws4embeddedlinux/meta-aws):
//   - greengrass-bin: meta-aws <branch> recipes-iot/aws-iot-greengrass/greengrass-bin_*.bb,
//     greengrass-bin/config.yaml.template and, on the new generation,
//     greengrass-plugin-fleetprovisioning_1.2.2.bb with its config fragment;
//     aws-greengrass/aws-greengrass-fleet-provisioning-by-claim v1.2.2
//     src/main/java/com/aws/greengrass/FleetProvisioningByClaimPlugin.java and
//     IotIdentityHelper.java; aws/aws-iot-device-sdk-java-v2 v1.23.0
//     sdk/src/main/java/software/amazon/awssdk/iot/iotidentity/IotIdentityClient.java.
//   - greengrass-lite: meta-aws <branch> recipes-iot/aws-iot-greengrass/greengrass-lite_*.bb
//     and its files/ (fleetprovisioning.yaml, ggl.gg_fleetprovisioning.service);
//     aws-greengrass/aws-greengrass-lite <tag> modules/fleet-provisioning/src/cloud_request.c,
//     modules/aws-iot-call/src/aws_iot_call.c, modules/iotcored/src/bus_server.c.

// Claim key flows: the MQTT certificate API a device calls with its claim.
const (
	// KeyFlowCreate is CreateKeysAndCertificate: AWS makes the device key.
	KeyFlowCreate = "create"
	// KeyFlowCSR is CreateCertificateFromCsr: the device makes its key and a CSR.
	KeyFlowCSR = "create-from-csr"
)

// TemplateParam is one template parameter a device sends, and where its
// value comes from on the device.
type TemplateParam struct {
	Name, Source string
}

// DeviceProfile is what a device of one nucleus, built from one meta-aws
// branch, does at first boot to provision itself by claim.
type DeviceProfile struct {
	Nucleus    string     // NucleusBin or NucleusLite
	Release    string     // meta-aws branch
	Generation Generation // which local.conf settings the branch's recipes read
	Version    string     // nucleus version the branch's recipe ships
	Plugin     string     // fleet provisioning plugin version (greengrass-bin)

	// Refused says why such a device cannot provision by claim and what to
	// pick instead; empty when it can.
	Refused string
	// Caveat is something the engineer should know about a device that can.
	Caveat string

	ClientID string // MQTT client ID form: "uuid" is a fresh random UUID per connection
	KeyFlow  string // KeyFlowCreate or KeyFlowCSR
	Port     int    // TCP port of the data endpoint
	ALPN     string // TLS ALPN protocol on that port, "" for none
	Payload  string // payload format of the MQTT API: "json"
	// SubscribeSent is whether the accepted/rejected filters go to AWS IoT
	// as MQTT SUBSCRIBE packets. greengrass-lite registers its filters only
	// in its own iotcored ("virtual") and relies on AWS IoT answering on the
	// connection that published.
	SubscribeSent bool
	// Params are the template parameters the device sends, in order.
	Params []TemplateParam
}

// DeviceTopics are the MQTT topics of one device's flow for one template.
type DeviceTopics struct {
	Publish   []string // topics published, in order
	Subscribe []string // topic filters sent as SUBSCRIBE, exactly as sent
	Local     []string // filters registered only on the device (not sent)
	Receive   []string // topics the answers arrive on (accepted and rejected)
}

// Topics are the exact topics of the flow for template.
func (d DeviceProfile) Topics(template string) DeviceTopics {
	cert := "$aws/certificates/" + d.KeyFlow + "/json"
	prov := "$aws/provisioning-templates/" + template + "/provision/json"
	t := DeviceTopics{Publish: []string{cert, prov}}
	for _, req := range []string{cert, prov} {
		t.Receive = append(t.Receive, req+"/accepted", req+"/rejected")
	}
	if d.SubscribeSent {
		// FleetProvisioningByClaimPlugin subscribes to accepted and rejected
		// one filter each (IotIdentityClient.SubscribeToCreateKeysAndCertificateAccepted,
		// ...Rejected, SubscribeToRegisterThingAccepted, ...Rejected).
		t.Subscribe = slices.Clone(t.Receive)
	} else {
		// aws_iot_call.c: the response filter is "<request topic>/+",
		// subscribed with virtual = true (cloud_request.c), which
		// bus_server.c registers locally and never sends (`if (!virtual)`).
		t.Local = []string{cert + "/+", prov + "/+"}
	}
	return t
}

// ParamNames are the names of the template parameters the device sends.
func (d DeviceProfile) ParamNames() []string {
	names := make([]string, len(d.Params))
	for i, p := range d.Params {
		names[i] = p.Name
	}
	return names
}

// The Java nucleus with the fleet provisioning plugin v1.2.2, the same jar
// on every branch. The plugin takes no deviceId or csrPath from meta-aws's
// config, so the client ID is a random UUID and the key flow
// CreateKeysAndCertificate; no mqttPort is set, and the device SDK on Linux
// connects to 443 with ALPN x-amzn-mqtt-ca (FleetProvisioningByClaimPlugin.java,
// IotIdentityHelper.java at v1.2.2).
func binProfile(release string, gen Generation, version string, params ...TemplateParam) DeviceProfile {
	return DeviceProfile{Nucleus: NucleusBin, Release: release, Generation: gen, Version: version, Plugin: "1.2.2",
		ClientID: "uuid", KeyFlow: KeyFlowCreate, Port: 443, ALPN: "x-amzn-mqtt-ca", Payload: "json",
		SubscribeSent: true, Params: params}
}

// greengrass-lite from 2.3.0: CreateCertificateFromCsr with an EC P-256 key
// made on the device, a fresh UUIDv4 client ID per attempt, port 8883 with no
// ALPN, JSON, and only virtual subscriptions (cloud_request.c,
// aws_iot_call.c, bus_server.c at the tag).
func liteProfile(release, version string) DeviceProfile {
	return DeviceProfile{Nucleus: NucleusLite, Release: release, Generation: GenerationNew, Version: version,
		ClientID: "uuid", KeyFlow: KeyFlowCSR, Port: 8883, Payload: "json", Params: []TemplateParam{liteSerial}}
}

var (
	// Old generation (greengrass-bin config.yaml.template, replace_board_id.sh
	// run as ExecStartPre): ThingName is ${GGV2_THING_NAME}_<MAC of the
	// default-route interface, ":" as "_">, ThingGroupName ${GGV2_THING_GROUP}.
	oldThingName  = TemplateParam{"ThingName", "GGV2_THING_NAME + \"_\" + MAC of the default-route interface"}
	oldThingGroup = TemplateParam{"ThingGroupName", "GGV2_THING_GROUP"}
	// New generation: greengrass-plugin-fleetprovisioning.service writes the
	// MAC of the default-route interface (/sys/class/net/<if>/address, ":"
	// as "_") into the plugin's templateParameters.
	newSerial = TemplateParam{"SerialNumber", "MAC of the default-route interface, \"_\" separated"}
	// scarthgap's greengrass-bin config.yaml.template still carries the old
	// templateParameters; envsubst leaves the GGV2_* empty and the recipe's
	// merge step merges the two templateParameters maps, so the device sends
	// all three (meta-aws scarthgap greengrass-bin_2.16.0.bb do_install).
	scarthgapThingName  = TemplateParam{"ThingName", "\"_\" + MAC (GGV2_THING_NAME left empty by the merged config)"}
	scarthgapThingGroup = TemplateParam{"ThingGroupName", "\"\" (GGV2_THING_GROUP left empty by the merged config)"}
	// greengrass-lite: the pre-provisioning unit rewrites SerialNumber:
	// "<unique>" in /etc/greengrass/config.d/fleetprovisioning.yaml to the
	// MAC of the default-route interface, "_" separated.
	liteSerial = TemplateParam{"SerialNumber", "MAC of the default-route interface, \"_\" separated (pre-provisioning unit)"}
)

// deviceProfiles is the table: one row per nucleus, branch and generation.
var deviceProfiles = []DeviceProfile{
	binProfile("kirkstone", GenerationOld, "2.16.0", oldThingName, oldThingGroup),
	binProfile("styhead", GenerationOld, "2.14.1", oldThingName, oldThingGroup),
	// scarthgap before August 2025 (meta-aws 3926c4644 added the plugin recipe).
	binProfile("scarthgap", GenerationOld, "2.16.0", oldThingName, oldThingGroup),
	binProfile("scarthgap", GenerationNew, "2.16.0", newSerial, scarthgapThingName, scarthgapThingGroup),
	binProfile("walnascar", GenerationNew, "2.16.0", newSerial),
	binProfile("whinlatter", GenerationNew, "2.16.0", newSerial),
	binProfile("wrynose", GenerationNew, "2.16.0", newSerial),

	{Nucleus: NucleusLite, Release: "kirkstone", Generation: GenerationNew, Version: "2.3.3",
		// meta-aws kirkstone d4c6da05d committed git conflict markers into
		// greengrass-lite's fleet provisioning units: the MAC is never
		// written (the device sends "<unique>") and failures count as success.
		Refused: "meta-aws kirkstone's greengrass-lite 2.3.3 fleet provisioning units contain unresolved merge-conflict markers (commit d4c6da05d): the serial is never filled in and failures are not retried; use greengrass-bin on kirkstone, or greengrass-lite on scarthgap or later"},
	{Nucleus: NucleusLite, Release: "styhead", Generation: GenerationNew, Version: "2.1.0",
		// meta-aws styhead greengrass-lite_2.1.0.bb: no fleetprovisioning
		// PACKAGECONFIG, variables, units or config.
		Refused: "meta-aws styhead's greengrass-lite 2.1.0 recipe has no fleet provisioning (no PACKAGECONFIG, settings or units); use greengrass-bin on styhead, or greengrass-lite on walnascar or later"},
	withCaveat(liteProfile("scarthgap", "2.4.0"), liteRetryCaveat),
	liteProfile("walnascar", "2.3.0"),
	withCaveat(liteProfile("whinlatter", "2.4.0"), liteRetryCaveat),
	liteProfile("wrynose", "2.5.1"),
}

// greengrass-lite 2.3.3 and 2.4.0 create an empty certificate.pem before the
// cloud calls; the unit's ConditionPathExists=!.../certificate.pem then skips
// every later attempt (fixed upstream in 2.5.1, aws-greengrass-lite 1e056f59).
const liteRetryCaveat = "greengrass-lite 2.4.0: one failed provisioning attempt leaves an empty /var/lib/greengrass/credentials/certificate.pem that stops every later attempt; run `fleetbake verify` before the bake, and delete that file on a device that failed"

func withCaveat(d DeviceProfile, c string) DeviceProfile {
	d.Caveat = c
	return d
}

// Device returns the profile of the devices of nucleus built from release's
// meta-aws with generation gen. An empty nucleus is greengrass-bin; an empty
// gen is the release's; an empty or unknown release (master, a new branch)
// is the newest known one with that generation.
func Device(nucleus, release string, gen Generation) (DeviceProfile, error) {
	if nucleus == "" {
		nucleus = NucleusBin
	}
	if gen == GenerationUnknown {
		gen = GenerationForRelease(release)
	}
	if gen == GenerationUnknown {
		gen = GenerationNew
	}
	var best *DeviceProfile
	for i := range deviceProfiles {
		d := &deviceProfiles[i]
		// greengrass-lite reads the same settings on every branch: its rows
		// match any generation.
		if d.Nucleus != nucleus || d.Nucleus == NucleusBin && d.Generation != gen {
			continue
		}
		if d.Release == release {
			return *d, nil
		}
		if d.Refused == "" && !slices.Contains(KnownReleases, release) {
			best = d // the table is in release order: the last is the newest
		}
	}
	if best != nil {
		d := *best
		if release != "" {
			d.Release = release // a branch the table does not know: the newest row's behaviour
		}
		return d, nil
	}
	return DeviceProfile{}, fmt.Errorf("no device profile for %s on meta-aws %s (%s generation)", nucleus, release, gen)
}

// DeviceProfiles is the whole table, for tests and `fleetbake verify`.
func DeviceProfiles() []DeviceProfile { return slices.Clone(deviceProfiles) }
