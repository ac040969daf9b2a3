// Package iotpolicy evaluates AWS IoT Core policies the way the AWS IoT developer guide documents it, so that
// fleetbake can tell, without calling AWS, whether a device's policies let it connect, publish, subscribe and
// receive, and name the statement that decided.
//
// The rules implemented, each with the guide page it follows (AWS IoT Core developer guide, under
// https://docs.aws.amazon.com/iot/latest/developerguide/):
//
//   - Evaluation (iot-policies.html, "AWS IoT Core policies"): IoT policies "follow the same policy
//     evaluation logic as IAM policies. By default, all policies are implicitly denied. An explicit allow in
//     any identity-based or resource-based policy overrides the default behavior. An explicit deny in any
//     policy overrides any allows." Evaluate looks at every statement of every document it is given.
//   - Actions (iot-policy-actions.html): iot:Connect, iot:Publish, iot:Subscribe, iot:Receive and the
//     shadow and job actions. Action names match with * and ? wildcards and without regard to case, as IAM
//     action names do (IAM User Guide, reference_policies_elements_action.html).
//   - Resources (pub-sub-policy.html, "Using wildcard characters in MQTT and AWS IoT Core policies"):
//     "In a policy document, the * represents any combination of characters and a question mark ?
//     represents any single character. In policy documents, the MQTT wildcard characters, + and # are
//     treated as those characters with no special meaning." So topicfilter/a/+ allows only a subscription
//     to the literal filter a/+, and topicfilter/a/* allows a/+ as well. Resource ARNs compare with
//     regard to case (IAM User Guide, reference_policies_elements_resource.html).
//   - Which resource an action is checked against (pub-sub-policy.html and iot-policy-actions.html):
//     iot:Connect against client/<clientId>, iot:Publish and iot:Receive against topic/<topic name>,
//     iot:Subscribe against topicfilter/<topic filter as the client sent it>. See ClientARN, TopicARN and
//     TopicFilterARN.
//   - Policy variables (iot-policy-variables.html, basic-policy-variables.html,
//     thing-policy-variables.html): ${iot:ClientId}, ${iot:Connection.Thing.ThingName},
//     ${iot:Connection.Thing.ThingTypeName}, ${iot:Connection.Thing.Attributes[name]},
//     ${iot:Connection.Thing.IsAttached}, ${iot:Certificate.*} and any other key the caller puts in the
//     Context are replaced by the request's values before matching. A variable the request has no value
//     for is not resolved, and thing-policy-examples.html says of that case: "If the device certificate is
//     not associated with the thing, this variable won't be resolved and will result in an access denied
//     error". So a Resource pattern with an unresolved variable matches nothing (the key is reported in
//     Decision.Missing). IAM's default-value form ${key, 'default'} (IAM User Guide,
//     reference_policies_variables.html) is honoured.
//   - Special characters (iot-policy-variables.html, which points to the IAM page for them): ${*}, ${?}
//     and ${$} stand for a literal *, ? and $. (The IoT page prints them as $(*), $(?), $($); the IAM
//     page it refers to defines the ${...} form, which is what is implemented.) A value substituted for a
//     variable is literal too: a client ID of "*" does not turn into a wildcard.
//
// Conditions: the Condition element is evaluated for the operators StringEquals, StringNotEquals,
// StringEqualsIgnoreCase, StringNotEqualsIgnoreCase, StringLike, StringNotLike, Bool and Null, each also
// with the IfExists suffix (thing-policy-examples.html uses Bool on iot:Connection.Thing.IsAttached and
// StringEquals on thing attributes). Parse refuses any other operator (Numeric*, Date*, IpAddress, Arn*,
// ForAnyValue:/ForAllValues: set operators) with an error wrapping ErrUnsupported, rather than guess.
package iotpolicy

import (
	"errors"
	"fmt"
	"strings"
)

// Policy variable and condition keys AWS IoT Core defines (basic-policy-variables.html,
// thing-policy-variables.html, cert-policy-variables.html).
const (
	KeyClientID        = "iot:ClientId"
	KeyThingName       = "iot:Connection.Thing.ThingName"
	KeyThingTypeName   = "iot:Connection.Thing.ThingTypeName"
	KeyThingIsAttached = "iot:Connection.Thing.IsAttached"
	// KeyThingAttributePrefix + name + "]" is the key of a thing attribute.
	KeyThingAttributePrefix = "iot:Connection.Thing.Attributes["
	// KeyCertificatePrefix starts the X.509 certificate keys, e.g. iot:Certificate.Subject.CommonName.
	KeyCertificatePrefix = "iot:Certificate."
)

// The MQTT actions of iot-policy-actions.html.
const (
	ActionConnect   = "iot:Connect"
	ActionPublish   = "iot:Publish"
	ActionSubscribe = "iot:Subscribe"
	ActionReceive   = "iot:Receive"
)

// ErrUnsupported is wrapped by Parse's error for a policy element this package does not evaluate.
var ErrUnsupported = errors.New("not supported by the policy evaluator")

// Context holds the request's values for policy variables and condition keys, by key
// (e.g. KeyClientID: "core-1"). A key that is absent has no value: a variable naming it is unresolved.
// Keys are looked up without regard to case, as IAM does ("Key names are case-insensitive",
// reference_policies_variables.html).
type Context map[string]string

// Lookup returns the value of key.
func (c Context) Lookup(key string) (string, bool) {
	if v, ok := c[key]; ok {
		return v, true
	}
	for k, v := range c {
		if strings.EqualFold(k, key) {
			return v, true
		}
	}
	return "", false
}

// Request is one action a principal asks for.
type Request struct {
	Action   string // e.g. ActionPublish
	Resource string // full ARN, e.g. TopicARN("us-east-1", "123456789012", "a/b")
	Vars     Context
}

// Effect is a statement's Effect.
type Effect string

const (
	Allow Effect = "Allow"
	Deny  Effect = "Deny"
)

// Statement is one statement of a policy document. Exactly one of Action and NotAction is set, and exactly
// one of Resource and NotResource.
type Statement struct {
	Sid                   string
	Effect                Effect
	Action, NotAction     []string
	Resource, NotResource []string
	Conditions            []Condition
}

// Condition is one operator/key pair of a Condition element: it holds when the request's value of Key
// satisfies Operator against any of Values.
type Condition struct {
	Operator string // as written, e.g. "StringLike" or "BoolIfExists"
	Key      string
	Values   []string
}

// Document is a parsed policy document.
type Document struct {
	Name       string // the policy's name, as the caller named it; used in Decision
	Statements []Statement
}

// Match names one statement: Statement is the 0-based index into the Statements of Docs[Policy].
type Match struct {
	Policy     int    // index of the document in the slice given to Evaluate
	PolicyName string // its Document.Name
	Statement  int    // 0-based index of the statement in the document
	Sid        string
}

// String renders the match for people, numbering statements from 1: `statement 2 of policy "X"`.
func (m Match) String() string {
	s := fmt.Sprintf("statement %d", m.Statement+1)
	if m.Sid != "" {
		s += fmt.Sprintf(" (Sid %q)", m.Sid)
	}
	return s + fmt.Sprintf(" of policy %q", m.PolicyName)
}

// Decision is the outcome of Evaluate.
type Decision struct {
	// Allowed: some statement allows the request and none denies it.
	Allowed bool
	// ExplicitDeny: a Deny statement applies. Neither Allowed nor ExplicitDeny is an implicit deny.
	ExplicitDeny bool
	// By is the statement that decided: the first denying statement for an explicit deny, the first
	// allowing one when allowed, nil for an implicit deny.
	By *Match
	// Allows and Denies are every statement that applies, in document and statement order.
	Allows, Denies []Match
	// Missing are the keys a statement's Resource or Condition needed that the request has no value for,
	// sorted and without repeats (TestAuthorization's missingContextValues).
	Missing []string
}

// ImplicitDeny reports that no statement allows the request and none denies it.
func (d Decision) ImplicitDeny() bool { return !d.Allowed && !d.ExplicitDeny }

// String says what decided, e.g. `explicitly denied by statement 3 of policy "P"`.
func (d Decision) String() string {
	switch {
	case d.ExplicitDeny:
		return "explicitly denied by " + d.By.String()
	case d.Allowed:
		return "allowed by " + d.By.String()
	}
	s := "implicitly denied: no statement allows it"
	if len(d.Missing) > 0 {
		s += " (no value for " + strings.Join(d.Missing, ", ") + ")"
	}
	return s
}

// ARN of an IoT resource: arn:aws:iot:<region>:<account>:<resource>.
func arn(region, account, resource string) string {
	return "arn:aws:iot:" + region + ":" + account + ":" + resource
}

// ClientARN is the resource iot:Connect is authorized against: client/<clientId>.
func ClientARN(region, account, clientID string) string {
	return arn(region, account, "client/"+clientID)
}

// TopicARN is the resource iot:Publish and iot:Receive are authorized against: topic/<topic name>.
func TopicARN(region, account, topic string) string { return arn(region, account, "topic/"+topic) }

// TopicFilterARN is the resource iot:Subscribe is authorized against: topicfilter/<filter as sent>, MQTT
// wildcards included (a subscription to a/+ is checked against topicfilter/a/+).
func TopicFilterARN(region, account, filter string) string {
	return arn(region, account, "topicfilter/"+filter)
}
