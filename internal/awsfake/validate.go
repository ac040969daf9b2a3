package awsfake

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// constraint is one member's length and pattern rule from the service model.
type constraint struct {
	member   string // member name as AWS reports it, e.g. "roleName"
	min, max int
	pattern  string // "" for no pattern
	re       *regexp.Regexp
}

func newConstraint(member string, min, max int, pattern string) constraint {
	c := constraint{member: member, min: min, max: max, pattern: pattern}
	if pattern != "" {
		c.re = regexp.MustCompile(`^(?:` + pattern + `)$`)
	}
	return c
}

// Rules from the IoT and IAM models.
var (
	iamRoleName     = newConstraint("roleName", 1, 64, `[\w+=,.@-]+`)
	iamPolicyName   = newConstraint("policyName", 1, 128, `[\w+=,.@-]+`)
	iamPath         = newConstraint("path", 1, 512, `(\x{002F})|(\x{002F}[\x{0021}-\x{007E}]+\x{002F})`)
	iamPolicyArn    = newConstraint("policyArn", 20, 2048, "")
	iamVersionID    = newConstraint("versionId", 2, 128, `v[1-9][0-9]*(\.[A-Za-z0-9-]*)?`)
	iamPolicyDoc    = newConstraint("policyDocument", 1, 131072, "")
	iamTrustDoc     = newConstraint("assumeRolePolicyDocument", 1, 131072, "")
	iotPolicyName   = newConstraint("policyName", 1, 128, `[\w+=,.@-]+`)
	iotRoleAlias    = newConstraint("roleAlias", 1, 128, `[\w=,@-]+`)
	iotGroupName    = newConstraint("thingGroupName", 1, 128, `[a-zA-Z0-9:_-]+`)
	iotTemplateName = newConstraint("templateName", 1, 36, `[0-9A-Za-z_-]+`)
	iotCertID       = newConstraint("certificateId", 64, 64, `(0x)?[a-fA-F0-9]+`)
	iotRoleArn      = newConstraint("roleArn", 20, 2048, "")
	iotVersionID    = newConstraint("policyVersionId", 1, 64, `[0-9]+`)
)

// check returns AWS's "1 validation error detected: ..." message, or "" when v is acceptable.
func (c constraint) check(v string, present bool) string {
	if !present {
		return fmt.Sprintf("1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", c.member)
	}
	n := utf8.RuneCountInString(v)
	if n < c.min {
		return fmt.Sprintf("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must have length greater than or equal to %d", v, c.member, c.min)
	}
	if n > c.max {
		return fmt.Sprintf("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", v, c.member, c.max)
	}
	if c.re != nil && !c.re.MatchString(v) {
		return fmt.Sprintf("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: %s", v, c.member, c.pattern)
	}
	return ""
}

// iam checks a form parameter for IAM and STS, answering ValidationError.
func (c constraint) iam(form map[string][]string, param string) (string, *apiError) {
	vs, ok := form[param]
	v := ""
	if ok {
		v = vs[0]
	}
	if msg := c.check(v, ok); msg != "" {
		return "", iamValidation("%s", msg)
	}
	return v, nil
}

// iot checks an IoT member, answering InvalidRequestException.
func (c constraint) iot(v string) *apiError {
	if msg := c.check(v, true); msg != "" {
		return iotInvalid("%s", msg)
	}
	return nil
}

// compactLen is the length of a policy document without whitespace, the measure IoT and IAM limit.
func compactLen(doc string) int {
	return len(strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\n' || r == '\r' {
			return -1
		}
		return r
	}, doc))
}

// policyProblem returns why a policy document is not one AWS accepts, or "".
func policyProblem(doc string) string {
	var v map[string]any
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		return "Syntax errors in policy."
	}
	st, ok := v["Statement"]
	if !ok {
		return "Policy document must contain a Statement."
	}
	var stmts []any
	switch t := st.(type) {
	case []any:
		stmts = t
	case map[string]any:
		stmts = []any{t}
	default:
		return "Statement must be an object or a list of objects."
	}
	for _, s := range stmts {
		m, ok := s.(map[string]any)
		if !ok {
			return "Statement must be an object or a list of objects."
		}
		if e, _ := m["Effect"].(string); e != "Allow" && e != "Deny" {
			return "Invalid effect: must be Allow or Deny."
		}
		if m["Action"] == nil && m["NotAction"] == nil {
			return "Policy statement must contain actions."
		}
	}
	return ""
}
