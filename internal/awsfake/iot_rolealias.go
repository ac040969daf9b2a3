package awsfake

import (
	"encoding/json"
	"regexp"
	"slices"
)

func iotDescribeEndpoint(c *call) (any, *apiError) {
	var host string
	switch t := c.query.Get("endpointType"); t {
	case "", "iot:Data":
		host = "abc123xyz.iot." + c.region + ".amazonaws.com"
	case "iot:Data-ATS":
		host = "abc123xyz-ats.iot." + c.region + ".amazonaws.com"
	case "iot:CredentialProvider":
		host = "c1x2y3.credentials.iot." + c.region + ".amazonaws.com"
	case "iot:Jobs":
		host = "c1x2y3.jobs.iot." + c.region + ".amazonaws.com"
	default:
		return nil, iotInvalid("Endpoint type %s is not valid. Valid types are iot:Data, iot:Data-ATS, iot:CredentialProvider and iot:Jobs", t)
	}
	return map[string]any{"endpointAddress": host}, nil
}

var roleARNPattern = regexp.MustCompile(`^arn:aws[a-z-]*:iam::(\d{12}):role/(?:[\x21-\x7e]*/)?([\w+=,.@-]{1,64})$`)

// checkAssumable refuses a role ARN that AWS IoT could not assume now: malformed, missing in this
// account, or created more recently than the configured IAM propagation delay. needService, when set,
// is the service principal the role's trust policy must allow.
func (c *call) checkAssumable(arn, member, needService string) *apiError {
	m := roleARNPattern.FindStringSubmatch(arn)
	if m == nil {
		return iotInvalid("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must be a valid IAM role ARN", arn, member)
	}
	cannot := iotInvalid("AWS IoT (iot.amazonaws.com) is unable to assume role (sts:AssumeRole) on resource: %s. If the role was just created or updated, please try again in a few seconds.", arn)
	if m[1] != c.s.account {
		return nil // another account's role: nothing to check here
	}
	r := c.s.st.role(m[2])
	if r == nil || r.arn != arn {
		return cannot
	}
	if d := c.s.ctl.roleDelay; d > 0 && c.now.Sub(r.ready) < d {
		return cannot
	}
	if needService != "" && !trustAllows(r.trust, needService) {
		return cannot
	}
	return nil
}

// trustAllows reports whether a trust policy lets a service principal call sts:AssumeRole.
func trustAllows(doc, service string) bool {
	var p struct {
		Statement json.RawMessage
	}
	if json.Unmarshal([]byte(doc), &p) != nil {
		return false
	}
	var stmts []map[string]any
	if json.Unmarshal(p.Statement, &stmts) != nil {
		var one map[string]any
		if json.Unmarshal(p.Statement, &one) != nil {
			return false
		}
		stmts = []map[string]any{one}
	}
	for _, s := range stmts {
		if s["Effect"] != "Allow" || !slices.Contains(stringsOf(s["Action"]), "sts:AssumeRole") {
			continue
		}
		pr, _ := s["Principal"].(map[string]any)
		if slices.Contains(stringsOf(pr["Service"]), service) {
			return true
		}
	}
	return false
}

// stringsOf reads a policy value that is a string or a list of strings.
func stringsOf(v any) []string {
	switch t := v.(type) {
	case string:
		return []string{t}
	case []any:
		var out []string
		for _, e := range t {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func checkDuration(d *int) *apiError {
	if d != nil && (*d < 900 || *d > 43200) {
		return iotInvalid("1 validation error detected: Value '%d' at 'credentialDurationSeconds' failed to satisfy constraint: Member must have value between 900 and 43200", *d)
	}
	return nil
}

func iotCreateRoleAlias(c *call) (any, *apiError) {
	name := c.labels["roleAlias"]
	if e := iotRoleAlias.iot(name); e != nil {
		return nil, e
	}
	var in struct {
		RoleArn  *string `json:"roleArn"`
		Duration *int    `json:"credentialDurationSeconds"`
		Tags     []tag   `json:"tags"`
	}
	if e := c.decode(&in); e != nil {
		return nil, e
	}
	if in.RoleArn == nil {
		return nil, iotInvalid("1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null")
	}
	if e := checkDuration(in.Duration); e != nil {
		return nil, e
	}
	if e := iotTagsIn(in.Tags); e != nil {
		return nil, e
	}
	st := c.s.st
	arn := c.iotARN("rolealias/" + name)
	if st.roleAliases[name] != nil {
		return nil, iotExists(name, arn, "Role alias %s already exists.", name)
	}
	if e := c.checkAssumable(*in.RoleArn, "roleArn", ""); e != nil {
		return nil, e
	}
	dur := 3600
	if in.Duration != nil {
		dur = *in.Duration
	}
	st.roleAliases[name] = &roleAlias{name: name, arn: arn, roleArn: *in.RoleArn, duration: dur, created: c.now, modified: c.now}
	if len(in.Tags) > 0 {
		st.iotTags["rolealias/"+name] = setTags(nil, in.Tags)
	}
	return map[string]any{"roleAlias": name, "roleAliasArn": arn}, nil
}

func (c *call) roleAlias() (*roleAlias, *apiError) {
	name := c.labels["roleAlias"]
	if e := iotRoleAlias.iot(name); e != nil {
		return nil, e
	}
	ra := c.s.st.roleAliases[name]
	if ra == nil {
		return nil, iotNotFound("Role alias %s does not exist", name)
	}
	return ra, nil
}

func iotDescribeRoleAlias(c *call) (any, *apiError) {
	ra, e := c.roleAlias()
	if e != nil {
		return nil, e
	}
	return map[string]any{"roleAliasDescription": map[string]any{
		"roleAlias": ra.name, "roleAliasArn": c.iotARN("rolealias/" + ra.name), "roleArn": ra.roleArn,
		"owner": c.s.account, "credentialDurationSeconds": ra.duration,
		"creationDate": epoch(ra.created), "lastModifiedDate": epoch(ra.modified),
	}}, nil
}

func iotUpdateRoleAlias(c *call) (any, *apiError) {
	ra, e := c.roleAlias()
	if e != nil {
		return nil, e
	}
	var in struct {
		RoleArn  *string `json:"roleArn"`
		Duration *int    `json:"credentialDurationSeconds"`
	}
	if e := c.decode(&in); e != nil {
		return nil, e
	}
	if e := checkDuration(in.Duration); e != nil {
		return nil, e
	}
	if in.RoleArn != nil {
		if e := c.checkAssumable(*in.RoleArn, "roleArn", ""); e != nil {
			return nil, e
		}
		ra.roleArn = *in.RoleArn
	}
	if in.Duration != nil {
		ra.duration = *in.Duration
	}
	ra.modified = c.now
	return map[string]any{"roleAlias": ra.name, "roleAliasArn": c.iotARN("rolealias/" + ra.name)}, nil
}

func iotDeleteRoleAlias(c *call) (any, *apiError) {
	ra, e := c.roleAlias()
	if e != nil {
		return nil, e
	}
	delete(c.s.st.roleAliases, ra.name)
	delete(c.s.st.iotTags, "rolealias/"+ra.name)
	return nil, nil
}

func iotListRoleAliases(c *call) (any, *apiError) {
	names := sortedKeys(c.s.st.roleAliases)
	if c.query.Get("isAscendingOrder") == "false" {
		slices.Reverse(names)
	}
	items, next, e := page(names, c.query.Get("marker"), queryInt(c, "pageSize"))
	if e != nil {
		return nil, e
	}
	return listAnswer("roleAliases", items, "nextMarker", next), nil
}
