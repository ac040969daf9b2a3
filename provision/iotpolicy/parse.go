package iotpolicy

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Parse reads a policy document. Statement may be one object or a list (iot-policies.html: "one or more
// policy statements"); Action, NotAction, Resource and NotResource may each be a string or a list of
// strings. Effect must be Allow or Deny, and a statement needs one of Action/NotAction and one of
// Resource/NotResource. Conditions with operators outside the supported set are refused with an error
// wrapping ErrUnsupported (see the package comment); so are Principal and NotPrincipal, which IoT
// policies do not have.
func Parse(name, doc string) (Document, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal([]byte(doc), &top); err != nil {
		return Document{}, fmt.Errorf("policy %s: %w", name, err)
	}
	raw, ok := top["Statement"]
	if !ok {
		return Document{}, fmt.Errorf("policy %s: no Statement", name)
	}
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		list = []json.RawMessage{raw}
	}
	d := Document{Name: name}
	for i, r := range list {
		st, err := parseStatement(r)
		if err != nil {
			return Document{}, fmt.Errorf("policy %s statement %d: %w", name, i+1, err)
		}
		d.Statements = append(d.Statements, st)
	}
	return d, nil
}

func parseStatement(raw json.RawMessage) (Statement, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return Statement{}, fmt.Errorf("not an object: %w", err)
	}
	var st Statement
	for k, v := range m {
		var err error
		switch k {
		case "Sid":
			err = json.Unmarshal(v, &st.Sid)
		case "Effect":
			err = json.Unmarshal(v, &st.Effect)
		case "Action":
			st.Action, err = stringList(v)
		case "NotAction":
			st.NotAction, err = stringList(v)
		case "Resource":
			st.Resource, err = stringList(v)
		case "NotResource":
			st.NotResource, err = stringList(v)
		case "Condition":
			st.Conditions, err = parseConditions(v)
		case "Principal", "NotPrincipal":
			err = fmt.Errorf("%s: %w (IoT policies have no principal element)", k, ErrUnsupported)
		default:
			err = fmt.Errorf("unknown element %q", k)
		}
		if err != nil {
			return Statement{}, fmt.Errorf("%s: %w", k, err)
		}
	}
	if st.Effect != Allow && st.Effect != Deny {
		return Statement{}, fmt.Errorf("Effect %q: must be Allow or Deny", st.Effect)
	}
	if (st.Action == nil) == (st.NotAction == nil) {
		return Statement{}, fmt.Errorf("needs exactly one of Action and NotAction")
	}
	if (st.Resource == nil) == (st.NotResource == nil) {
		return Statement{}, fmt.Errorf("needs exactly one of Resource and NotResource")
	}
	return st, nil
}

// stringList reads a string or a list of strings; never returns nil without an error.
func stringList(raw json.RawMessage) ([]string, error) {
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}, nil
	}
	var many []string
	if err := json.Unmarshal(raw, &many); err != nil {
		return nil, fmt.Errorf("want a string or a list of strings")
	}
	if many == nil {
		many = []string{}
	}
	return many, nil
}

// conditionOperators are the operators Evaluate understands, each also with the IfExists suffix.
var conditionOperators = []string{"StringEquals", "StringNotEquals", "StringEqualsIgnoreCase",
	"StringNotEqualsIgnoreCase", "StringLike", "StringNotLike", "Bool", "Null"}

func parseConditions(raw json.RawMessage) ([]Condition, error) {
	var ops map[string]map[string]json.RawMessage
	if err := json.Unmarshal(raw, &ops); err != nil {
		return nil, fmt.Errorf("want {operator: {key: value(s)}}")
	}
	var out []Condition
	for _, op := range sortedKeys(ops) {
		base := strings.TrimSuffix(op, "IfExists")
		if !slices.Contains(conditionOperators, base) || (base == "Null" && op != base) {
			return nil, fmt.Errorf("operator %s: %w", op, ErrUnsupported)
		}
		for _, key := range sortedKeys(ops[op]) {
			vals, err := conditionValues(ops[op][key])
			if err != nil {
				return nil, fmt.Errorf("%s %s: %w", op, key, err)
			}
			out = append(out, Condition{Operator: op, Key: key, Values: vals})
		}
	}
	return out, nil
}

// conditionValues reads a condition value: a string, bool or number, or a list of those.
func conditionValues(raw json.RawMessage) ([]string, error) {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, err
	}
	list, ok := v.([]any)
	if !ok {
		list = []any{v}
	}
	var out []string
	for _, e := range list {
		switch x := e.(type) {
		case string:
			out = append(out, x)
		case bool:
			out = append(out, strconv.FormatBool(x))
		case float64:
			out = append(out, strconv.FormatFloat(x, 'f', -1, 64))
		default:
			return nil, fmt.Errorf("value %v is not a string, bool or number", e)
		}
	}
	return out, nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
