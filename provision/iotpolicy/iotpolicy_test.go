package iotpolicy

import (
	"errors"
	"strings"
	"testing"
)

const (
	region  = "us-east-1"
	account = "123456789012"
)

func mustParse(t *testing.T, name, doc string) Document {
	t.Helper()
	d, err := Parse(name, doc)
	if err != nil {
		t.Fatalf("Parse %s: %v", name, err)
	}
	return d
}

// Policies copied from the AWS IoT Core developer guide; the page is named on each.
const (
	// pub-sub-policy.html, "Registered devices (5)".
	guideThingNamePublish = `{"Version":"2012-10-17","Statement":[
	 {"Effect":"Allow","Action":["iot:Connect"],"Resource":["arn:aws:iot:us-east-1:123456789012:client/${iot:Connection.Thing.ThingName}"]},
	 {"Effect":"Allow","Action":["iot:Publish"],"Resource":["arn:aws:iot:us-east-1:123456789012:topic/${iot:Connection.Thing.ThingName}/*"]}]}`
	// pub-sub-policy.html, "Unregistered devices (6)".
	guideClientIDSubscribe = `{"Version":"2012-10-17","Statement":[
	 {"Effect":"Allow","Action":["iot:Connect"],"Resource":["arn:aws:iot:us-east-1:123456789012:client/client1","arn:aws:iot:us-east-1:123456789012:client/client2","arn:aws:iot:us-east-1:123456789012:client/client3"]},
	 {"Effect":"Allow","Action":["iot:Subscribe"],"Resource":["arn:aws:iot:us-east-1:123456789012:topicfilter/${iot:ClientId}/room*"]},
	 {"Effect":"Allow","Action":["iot:Receive"],"Resource":["arn:aws:iot:us-east-1:123456789012:topic/${iot:ClientId}/room*"]}]}`
	// pub-sub-policy.html, "Registered devices (4)", first policy: + is literal.
	guideLiteralPlus = `{"Version":"2012-10-17","Statement":[
	 {"Effect":"Allow","Action":["iot:Connect"],"Resource":["arn:aws:iot:us-east-1:123456789012:client/${iot:Connection.Thing.ThingName}"]},
	 {"Effect":"Allow","Action":["iot:Subscribe"],"Resource":["arn:aws:iot:us-east-1:123456789012:topicfilter/some/+/topic"]}]}`
	// pub-sub-policy.html, "Registered devices (4)", second policy: * is a wildcard.
	guideStarFilter = `{"Version":"2012-10-17","Statement":[
	 {"Effect":"Allow","Action":["iot:Connect"],"Resource":["arn:aws:iot:us-east-1:123456789012:client/${iot:Connection.Thing.ThingName}"]},
	 {"Effect":"Allow","Action":["iot:Subscribe"],"Resource":["arn:aws:iot:us-east-1:123456789012:topicfilter/some/*/topic"]}]}`
	// pub-sub-policy.html, "Unregistered devices (9)": publish under the client ID except .../bar.
	guideDenyBar = `{"Version":"2012-10-17","Statement":[
	 {"Effect":"Allow","Action":["iot:Connect"],"Resource":["arn:aws:iot:us-east-1:123456789012:client/client1","arn:aws:iot:us-east-1:123456789012:client/client2"]},
	 {"Effect":"Allow","Action":["iot:Publish"],"Resource":["arn:aws:iot:us-east-1:123456789012:topic/${iot:ClientId}/*"]},
	 {"Effect":"Deny","Action":["iot:Publish"],"Resource":["arn:aws:iot:us-east-1:123456789012:topic/${iot:ClientId}/bar"]}]}`
	// thing-policy-examples.html, first policy: connect only when the certificate is attached to the thing.
	guideIsAttached = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iot:Connect"],"Resource":["*"],
	 "Condition":{"Bool":{"iot:Connection.Thing.IsAttached":["true"]}}}]}`
	// thing-policy-examples.html, second policy: thing type and attribute conditions.
	guideAttributes = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iot:Publish"],
	 "Resource":"arn:aws:iot:us-east-1:123456789012:topic/device/stats",
	 "Condition":{"StringEquals":{"iot:Connection.Thing.Attributes[attributeName]":"attributeValue","iot:Connection.Thing.ThingTypeName":"Thing_Type_Name"},
	  "Bool":{"iot:Connection.Thing.IsAttached":"true"}}}]}`
	// basic-policy-variables.html: connect and publish under the client ID.
	guideBasicVariables = `{"Version":"2012-10-17","Statement":[
	 {"Effect":"Allow","Action":["iot:Connect"],"Resource":["arn:aws:iot:us-east-1:123451234510:client/${iot:ClientId}"]},
	 {"Effect":"Allow","Action":["iot:Publish"],"Resource":["arn:aws:iot:us-east-1:123451234510:topic/my/topic/${iot:ClientId}"]}]}`
)

func TestEvaluate(t *testing.T) {
	thing := Context{KeyClientID: "thing1", KeyThingName: "thing1", KeyThingIsAttached: "true"}
	noThing := Context{KeyClientID: "thing1"}
	client1 := Context{KeyClientID: "client1"}
	attrs := Context{KeyClientID: "t", KeyThingName: "t", KeyThingIsAttached: "true",
		KeyThingTypeName: "Thing_Type_Name", KeyThingAttributePrefix + "attributeName]": "attributeValue"}
	const (
		allow = "allow"
		deny  = "deny"
		none  = "implicit"
	)
	for _, tc := range []struct {
		name, doc, action, resource string
		vars                        Context
		want                        string
		stmt                        int // 0-based statement that decided, when allowed or denied
		missing                     string
	}{
		{"thing name connect", guideThingNamePublish, ActionConnect, ClientARN(region, account, "thing1"), thing, allow, 0, ""},
		{"thing name connect, other client ID", guideThingNamePublish, ActionConnect, ClientARN(region, account, "thing2"), thing, none, 0, ""},
		{"thing name publish", guideThingNamePublish, ActionPublish, TopicARN(region, account, "thing1/telemetry"), thing, allow, 1, ""},
		{"thing name publish, prefix of another thing", guideThingNamePublish, ActionPublish, TopicARN(region, account, "thing2/telemetry"), thing, none, 0, ""},
		{"no thing attached: ThingName unresolved", guideThingNamePublish, ActionConnect, ClientARN(region, account, "thing1"), noThing, none, 0, KeyThingName},
		{"action case does not matter", guideThingNamePublish, "IOT:publish", TopicARN(region, account, "thing1/x"), thing, allow, 1, ""},
		{"resource case matters", guideThingNamePublish, ActionPublish, TopicARN(region, account, "THING1/x"), thing, none, 0, ""},
		{"client ID subscribe", guideClientIDSubscribe, ActionSubscribe, TopicFilterARN(region, account, "client1/room1"), client1, allow, 1, ""},
		{"client ID subscribe, filter with + covered by *", guideClientIDSubscribe, ActionSubscribe, TopicFilterARN(region, account, "client1/room/+"), client1, allow, 1, ""},
		{"client ID receive", guideClientIDSubscribe, ActionReceive, TopicARN(region, account, "client1/room2"), client1, allow, 2, ""},
		{"subscribe is not receive", guideClientIDSubscribe, ActionReceive, TopicFilterARN(region, account, "client1/room2"), client1, none, 0, ""},
		{"client4 may not connect", guideClientIDSubscribe, ActionConnect, ClientARN(region, account, "client4"), Context{KeyClientID: "client4"}, none, 0, ""},
		{"literal + allows the literal filter", guideLiteralPlus, ActionSubscribe, TopicFilterARN(region, account, "some/+/topic"), thing, allow, 1, ""},
		{"literal + is no MQTT wildcard", guideLiteralPlus, ActionSubscribe, TopicFilterARN(region, account, "some/x/topic"), thing, none, 0, ""},
		{"* covers a level", guideStarFilter, ActionSubscribe, TopicFilterARN(region, account, "some/string1/topic"), thing, allow, 1, ""},
		{"* covers the + filter", guideStarFilter, ActionSubscribe, TopicFilterARN(region, account, "some/+/topic"), thing, allow, 1, ""},
		{"* is not confined to a level", guideStarFilter, ActionSubscribe, TopicFilterARN(region, account, "some/a/b/topic"), thing, allow, 1, ""},
		{"# is literal: some/# is not some/*/topic", guideStarFilter, ActionSubscribe, TopicFilterARN(region, account, "some/#"), thing, none, 0, ""},
		{"deny example: other topic allowed", guideDenyBar, ActionPublish, TopicARN(region, account, "client1/foo"), client1, allow, 1, ""},
		{"deny example: bar denied", guideDenyBar, ActionPublish, TopicARN(region, account, "client1/bar"), client1, deny, 2, ""},
		{"IsAttached true", guideIsAttached, ActionConnect, ClientARN(region, account, "t"), thing, allow, 0, ""},
		{"IsAttached false", guideIsAttached, ActionConnect, ClientARN(region, account, "t"), Context{KeyClientID: "t", KeyThingIsAttached: "false"}, none, 0, ""},
		{"IsAttached absent", guideIsAttached, ActionConnect, ClientARN(region, account, "t"), Context{KeyClientID: "t"}, none, 0, KeyThingIsAttached},
		{"attributes and type match", guideAttributes, ActionPublish, TopicARN(region, account, "device/stats"), attrs, allow, 0, ""},
		{"attribute differs", guideAttributes, ActionPublish, TopicARN(region, account, "device/stats"), Context{KeyThingIsAttached: "true", KeyThingTypeName: "Thing_Type_Name", KeyThingAttributePrefix + "attributeName]": "other"}, none, 0, ""},
		{"basic variables", guideBasicVariables, ActionPublish, "arn:aws:iot:us-east-1:123451234510:topic/my/topic/c9", Context{KeyClientID: "c9"}, allow, 1, ""},
		{"client ID + is literal after substitution", guideBasicVariables, ActionPublish, "arn:aws:iot:us-east-1:123451234510:topic/my/topic/x", Context{KeyClientID: "+"}, none, 0, ""},
		{"client ID * is literal after substitution", guideBasicVariables, ActionPublish, "arn:aws:iot:us-east-1:123451234510:topic/my/topic/x", Context{KeyClientID: "*"}, none, 0, ""},
		{"variable key case does not matter", guideBasicVariables, ActionConnect, "arn:aws:iot:us-east-1:123451234510:client/c9", Context{"IOT:clientid": "c9"}, allow, 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := Evaluate([]Document{mustParse(t, "P", tc.doc)}, Request{Action: tc.action, Resource: tc.resource, Vars: tc.vars})
			got := none
			if d.Allowed {
				got = allow
			} else if d.ExplicitDeny {
				got = deny
			}
			if got != tc.want {
				t.Fatalf("got %s (%s), want %s", got, d, tc.want)
			}
			if got != none && d.By.Statement != tc.stmt {
				t.Errorf("decided by %s, want statement index %d", d.By, tc.stmt)
			}
			if got == none && d.By != nil {
				t.Errorf("implicit deny names %s", d.By)
			}
			if m := strings.Join(d.Missing, ","); m != tc.missing {
				t.Errorf("missing %q, want %q", m, tc.missing)
			}
		})
	}
}

func TestExplicitDenyWinsAcrossPolicies(t *testing.T) {
	allowAll := mustParse(t, "AllowAll", `{"Statement":{"Effect":"Allow","Action":"iot:*","Resource":"*"}}`)
	denyPub := mustParse(t, "NoPublish", `{"Statement":[{"Sid":"ro","Effect":"Allow","Action":"iot:Receive","Resource":"*"},
		{"Sid":"nopub","Effect":"Deny","Action":"iot:Pub*","Resource":"arn:aws:iot:*:*:topic/secret/*"}]}`)
	req := Request{Action: ActionPublish, Resource: TopicARN(region, account, "secret/a")}
	d := Evaluate([]Document{allowAll, denyPub}, req)
	if d.Allowed || !d.ExplicitDeny || d.By.PolicyName != "NoPublish" || d.By.Statement != 1 || len(d.Allows) != 1 {
		t.Fatalf("decision %+v", d)
	}
	if s := d.String(); s != `explicitly denied by statement 2 (Sid "nopub") of policy "NoPublish"` {
		t.Errorf("String %q", s)
	}
	req.Resource = TopicARN(region, account, "open/a")
	d = Evaluate([]Document{allowAll, denyPub}, req)
	if !d.Allowed || d.String() != `allowed by statement 1 of policy "AllowAll"` {
		t.Errorf("decision %s", d)
	}
	d = Evaluate(nil, req)
	if !d.ImplicitDeny() || d.String() != "implicitly denied: no statement allows it" {
		t.Errorf("no policies: %s", d)
	}
}

func TestNotActionNotResourceAndEscapes(t *testing.T) {
	doc := mustParse(t, "P", `{"Statement":[
		{"Effect":"Allow","NotAction":"iot:Connect","Resource":"*"},
		{"Effect":"Deny","Action":"iot:*","NotResource":["arn:aws:iot:us-east-1:123456789012:topic/ok/*","arn:aws:iot:us-east-1:123456789012:topic/${$}aws/${*}"]}]}`)
	for _, tc := range []struct {
		action, topic string
		allowed       bool
	}{
		{ActionPublish, "ok/1", true},
		{ActionPublish, "bad/1", false},
		{ActionPublish, "$aws/*", true},       // ${$} and ${*} are literal
		{ActionPublish, "$aws/things", false}, // ${*} is no wildcard
		{ActionConnect, "ok/1", false},        // NotAction leaves Connect unallowed
	} {
		d := Evaluate([]Document{doc}, Request{Action: tc.action, Resource: TopicARN(region, account, tc.topic)})
		if d.Allowed != tc.allowed {
			t.Errorf("%s %s: %s", tc.action, tc.topic, d)
		}
	}
	// ? is one character; a default value fills an unresolved variable.
	doc = mustParse(t, "Q", `{"Statement":{"Effect":"Allow","Action":"iot:Subscribe","Resource":"arn:aws:iot:us-east-1:123456789012:topicfilter/${iot:Connection.Thing.ThingName, 'none'}/r??m"}}`)
	for filter, want := range map[string]bool{"none/room": true, "none/roooom": false, "none/r/m": false, "x/room": false} {
		if d := Evaluate([]Document{doc}, Request{Action: ActionSubscribe, Resource: TopicFilterARN(region, account, filter)}); d.Allowed != want {
			t.Errorf("%s: %s", filter, d)
		}
	}
}

func TestConditions(t *testing.T) {
	doc := mustParse(t, "C", `{"Statement":[
		{"Effect":"Allow","Action":"iot:Connect","Resource":"*","Condition":{"StringLike":{"iot:ClientId":"core-*"},"StringNotEquals":{"iot:Connection.Thing.ThingTypeName":"banned"}}},
		{"Effect":"Allow","Action":"iot:Publish","Resource":"*","Condition":{"StringEqualsIfExists":{"iot:Connection.Thing.ThingName":"${iot:ClientId}"},"Null":{"iot:Certificate.Subject.CommonName":"false"}}}]}`)
	for _, tc := range []struct {
		action string
		vars   Context
		want   bool
	}{
		{ActionConnect, Context{KeyClientID: "core-1"}, true},
		{ActionConnect, Context{KeyClientID: "other"}, false},
		{ActionConnect, Context{KeyClientID: "core-1", KeyThingTypeName: "banned"}, false},
		{ActionPublish, Context{KeyClientID: "a", "iot:Certificate.Subject.CommonName": "cn"}, true},
		{ActionPublish, Context{KeyClientID: "a", KeyThingName: "a", "iot:Certificate.Subject.CommonName": "cn"}, true},
		{ActionPublish, Context{KeyClientID: "a", KeyThingName: "b", "iot:Certificate.Subject.CommonName": "cn"}, false},
		{ActionPublish, Context{KeyClientID: "a"}, false},
	} {
		if d := Evaluate([]Document{doc}, Request{Action: tc.action, Resource: "arn:aws:iot:us-east-1:1:x", Vars: tc.vars}); d.Allowed != tc.want {
			t.Errorf("%s %v: %s", tc.action, tc.vars, d)
		}
	}
}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		doc, want   string
		unsupported bool
	}{
		{`{"Statement":{"Effect":"Allow","Action":"iot:Connect","Resource":"*"}}`, "", false},
		{`{"Statement":[]}`, "", false},
		{`not json`, "invalid character", false},
		{`{"Version":"2012-10-17"}`, "no Statement", false},
		{`{"Statement":{"Effect":"allow","Action":"iot:Connect","Resource":"*"}}`, "must be Allow or Deny", false},
		{`{"Statement":{"Effect":"Allow","Resource":"*"}}`, "Action and NotAction", false},
		{`{"Statement":{"Effect":"Allow","Action":"iot:Connect"}}`, "Resource and NotResource", false},
		{`{"Statement":{"Effect":"Allow","Action":"iot:Connect","Resource":"*","Bogus":1}}`, "unknown element", false},
		{`{"Statement":{"Effect":"Allow","Action":"iot:Connect","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}}`, "IpAddress", true},
		{`{"Statement":{"Effect":"Allow","Action":"iot:Connect","Resource":"*","Condition":{"ForAnyValue:StringLike":{"k":"v"}}}}`, "ForAnyValue", true},
		{`{"Statement":{"Effect":"Allow","Principal":"*","Action":"iot:Connect","Resource":"*"}}`, "Principal", true},
	} {
		_, err := Parse("P", tc.doc)
		if tc.want == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.doc, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err %v, want %q", tc.doc, err, tc.want)
		}
		if errors.Is(err, ErrUnsupported) != tc.unsupported {
			t.Errorf("%s: ErrUnsupported %v, want %v", tc.doc, errors.Is(err, ErrUnsupported), tc.unsupported)
		}
	}
}

func TestARNHelpers(t *testing.T) {
	if got := TopicFilterARN("eu-west-1", "1", "a/+/#"); got != "arn:aws:iot:eu-west-1:1:topicfilter/a/+/#" {
		t.Error(got)
	}
	if got := TopicARN("eu-west-1", "1", "$aws/things/x"); got != "arn:aws:iot:eu-west-1:1:topic/$aws/things/x" {
		t.Error(got)
	}
	if got := ClientARN("eu-west-1", "1", "c"); got != "arn:aws:iot:eu-west-1:1:client/c" {
		t.Error(got)
	}
}
