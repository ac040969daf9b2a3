package model

import (
	"strings"
	"testing"
)

func TestDeviceLookup(t *testing.T) {
	for _, tc := range []struct {
		nucleus, release string
		gen              Generation
		wantParams       string
		wantFlow         string
		wantPort         int
		refused          bool
	}{
		{NucleusBin, "kirkstone", "", "ThingName ThingGroupName", KeyFlowCreate, 443, false},
		{NucleusBin, "scarthgap", GenerationOld, "ThingName ThingGroupName", KeyFlowCreate, 443, false},
		{NucleusBin, "scarthgap", GenerationNew, "SerialNumber ThingName ThingGroupName", KeyFlowCreate, 443, false},
		{NucleusBin, "wrynose", "", "SerialNumber", KeyFlowCreate, 443, false},
		{"", "master", "", "SerialNumber", KeyFlowCreate, 443, false},
		{NucleusLite, "walnascar", "", "SerialNumber", KeyFlowCSR, 8883, false},
		{NucleusLite, "master", "", "SerialNumber", KeyFlowCSR, 8883, false},
		{NucleusLite, "kirkstone", "", "", "", 0, true},
		{NucleusLite, "styhead", GenerationOld, "", "", 0, true},
	} {
		d, err := Device(tc.nucleus, tc.release, tc.gen)
		if err != nil {
			t.Fatalf("%s/%s: %v", tc.nucleus, tc.release, err)
		}
		if (d.Refused != "") != tc.refused {
			t.Errorf("%s/%s: refused %q, want refused=%v", tc.nucleus, tc.release, d.Refused, tc.refused)
		}
		if tc.refused {
			continue
		}
		if got := strings.Join(d.ParamNames(), " "); got != tc.wantParams {
			t.Errorf("%s/%s: params %q, want %q", tc.nucleus, tc.release, got, tc.wantParams)
		}
		if d.KeyFlow != tc.wantFlow || d.Port != tc.wantPort {
			t.Errorf("%s/%s: flow %s port %d, want %s %d", tc.nucleus, tc.release, d.KeyFlow, d.Port, tc.wantFlow, tc.wantPort)
		}
	}
}

// TestLiteTopicsAreVirtual: greengrass-lite sends no SUBSCRIBE (its
// "<request>/+" filters stay in iotcored); the Java plugin sends the four
// exact accepted/rejected filters.
func TestDeviceTopics(t *testing.T) {
	lite, _ := Device(NucleusLite, "wrynose", "")
	lt := lite.Topics("T")
	if len(lt.Subscribe) != 0 || strings.Join(lt.Local, " ") != "$aws/certificates/create-from-csr/json/+ $aws/provisioning-templates/T/provision/json/+" {
		t.Errorf("lite topics %+v", lt)
	}
	bin, _ := Device(NucleusBin, "wrynose", "")
	bt := bin.Topics("T")
	if len(bt.Subscribe) != 4 || strings.Contains(strings.Join(bt.Subscribe, " "), "+") {
		t.Errorf("bin subscriptions %v", bt.Subscribe)
	}
	if strings.Join(bt.Publish, " ") != "$aws/certificates/create/json $aws/provisioning-templates/T/provision/json" {
		t.Errorf("bin publishes %v", bt.Publish)
	}
}

func TestValidateRefusesANucleusTheReleaseCannotProvision(t *testing.T) {
	p := Default()
	p.Release = "styhead"
	p.Greengrass.Enabled = true
	p.Greengrass.Nucleus = NucleusLite
	err := p.Validate()
	if err == nil || !strings.Contains(err.Error(), "no fleet provisioning") || !strings.Contains(err.Error(), "use greengrass-bin") {
		t.Fatalf("greengrass-lite on styhead: %v", err)
	}
	p.Greengrass.Nucleus = NucleusBin
	if err := p.Validate(); err != nil && strings.Contains(err.Error(), "greengrass.nucleus") {
		t.Errorf("greengrass-bin on styhead refused: %v", err)
	}
}
