package awsfake

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

func TestGetCallerIdentity(t *testing.T) {
	s := New(Options{Account: "210987654321", UserID: "AIDAOTHER"})
	defer s.Close()
	out, err := sts.NewFromConfig(s.AWSConfig()).GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(out.Account); got != "210987654321" {
		t.Errorf("account %q", got)
	}
	if got := aws.ToString(out.Arn); got != "arn:aws:iam::210987654321:user/fleetbake-test" {
		t.Errorf("arn %q", got)
	}
	if got := aws.ToString(out.UserId); got != "AIDAOTHER" {
		t.Errorf("user id %q", got)
	}
}

func TestRoleLifecycle(t *testing.T) {
	c := newClients(t)
	out, err := c.iam.CreateRole(c.ctx, &iam.CreateRoleInput{
		RoleName: aws.String("fb-tes"), AssumeRolePolicyDocument: aws.String(trustCredentials),
		Description: aws.String("token exchange"),
		Tags:        []iamtypes.Tag{{Key: aws.String("fleetbake"), Value: aws.String("proj")}, {Key: aws.String("b"), Value: aws.String("2")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(out.Role.Arn); got != "arn:aws:iam::123456789012:role/fb-tes" {
		t.Errorf("arn %q", got)
	}
	if !strings.HasPrefix(aws.ToString(out.Role.RoleId), "AROA") || len(aws.ToString(out.Role.RoleId)) != 21 {
		t.Errorf("role id %q", aws.ToString(out.Role.RoleId))
	}
	if len(out.Role.Tags) != 2 {
		t.Errorf("tags %v", out.Role.Tags)
	}

	// The trust policy comes back URL-encoded, as from AWS.
	got, err := c.iam.GetRole(c.ctx, &iam.GetRoleInput{RoleName: aws.String("fb-tes")})
	if err != nil {
		t.Fatal(err)
	}
	enc := aws.ToString(got.Role.AssumeRolePolicyDocument)
	if strings.Contains(enc, "{") || strings.Contains(enc, "+") {
		t.Errorf("trust not URL-encoded: %q", enc)
	}
	if dec, _ := url.QueryUnescape(enc); dec != trustCredentials {
		t.Errorf("decoded trust %q", dec)
	}
	if aws.ToString(got.Role.Description) != "token exchange" || aws.ToInt32(got.Role.MaxSessionDuration) != 3600 {
		t.Errorf("role %+v", got.Role)
	}

	// Names are unique regardless of case.
	_, err = c.iam.CreateRole(c.ctx, &iam.CreateRoleInput{RoleName: aws.String("FB-TES"), AssumeRolePolicyDocument: aws.String(trustIoT)})
	var exists *iamtypes.EntityAlreadyExistsException
	if !errors.As(err, &exists) {
		t.Fatalf("want EntityAlreadyExists, got %v", err)
	}

	if _, err := c.iam.UpdateAssumeRolePolicy(c.ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("fb-tes"), PolicyDocument: aws.String(trustIoT)}); err != nil {
		t.Fatal(err)
	}
	got, _ = c.iam.GetRole(c.ctx, &iam.GetRoleInput{RoleName: aws.String("fb-tes")})
	if dec, _ := url.QueryUnescape(aws.ToString(got.Role.AssumeRolePolicyDocument)); dec != trustIoT {
		t.Errorf("trust after update %q", dec)
	}

	if _, err := c.iam.TagRole(c.ctx, &iam.TagRoleInput{RoleName: aws.String("fb-tes"), Tags: []iamtypes.Tag{{Key: aws.String("b"), Value: aws.String("3")}, {Key: aws.String("c"), Value: aws.String("4")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.iam.UntagRole(c.ctx, &iam.UntagRoleInput{RoleName: aws.String("fb-tes"), TagKeys: []string{"fleetbake"}}); err != nil {
		t.Fatal(err)
	}
	tags, err := c.iam.ListRoleTags(c.ctx, &iam.ListRoleTagsInput{RoleName: aws.String("fb-tes")})
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, tg := range tags.Tags {
		m[aws.ToString(tg.Key)] = aws.ToString(tg.Value)
	}
	if len(m) != 2 || m["b"] != "3" || m["c"] != "4" || tags.IsTruncated {
		t.Errorf("tags %v truncated %v", m, tags.IsTruncated)
	}

	// Inline policy.
	if _, err := c.iam.PutRolePolicy(c.ctx, &iam.PutRolePolicyInput{RoleName: aws.String("fb-tes"), PolicyName: aws.String("inline"), PolicyDocument: aws.String(iamDoc)}); err != nil {
		t.Fatal(err)
	}
	rp, err := c.iam.GetRolePolicy(c.ctx, &iam.GetRolePolicyInput{RoleName: aws.String("fb-tes"), PolicyName: aws.String("inline")})
	if err != nil {
		t.Fatal(err)
	}
	if dec, _ := url.QueryUnescape(aws.ToString(rp.PolicyDocument)); dec != iamDoc {
		t.Errorf("inline doc %q", dec)
	}
	lp, err := c.iam.ListRolePolicies(c.ctx, &iam.ListRolePoliciesInput{RoleName: aws.String("fb-tes")})
	if err != nil || len(lp.PolicyNames) != 1 || lp.PolicyNames[0] != "inline" {
		t.Fatalf("ListRolePolicies %v %v", lp, err)
	}
	_, err = c.iam.DeleteRole(c.ctx, &iam.DeleteRoleInput{RoleName: aws.String("fb-tes")})
	wantCode(t, err, "DeleteConflict")
	var conflict *iamtypes.DeleteConflictException
	if !errors.As(err, &conflict) {
		t.Fatalf("want *DeleteConflictException, got %T", err)
	}

	// Managed policy attachment, AWS managed included.
	if _, err := c.iam.AttachRolePolicy(c.ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("fb-tes"), PolicyArn: aws.String(ThingsRegistrationPolicyARN)}); err != nil {
		t.Fatal(err)
	}
	ap, err := c.iam.ListAttachedRolePolicies(c.ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String("fb-tes")})
	if err != nil || len(ap.AttachedPolicies) != 1 || aws.ToString(ap.AttachedPolicies[0].PolicyName) != "AWSIoTThingsRegistration" {
		t.Fatalf("ListAttachedRolePolicies %+v %v", ap, err)
	}
	_, err = c.iam.AttachRolePolicy(c.ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("fb-tes"), PolicyArn: aws.String("arn:aws:iam::123456789012:policy/nope")})
	wantCode(t, err, "NoSuchEntity")

	if _, err := c.iam.DeleteRolePolicy(c.ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String("fb-tes"), PolicyName: aws.String("inline")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.iam.DeleteRole(c.ctx, &iam.DeleteRoleInput{RoleName: aws.String("fb-tes")})
	wantCode(t, err, "DeleteConflict")
	if _, err := c.iam.DetachRolePolicy(c.ctx, &iam.DetachRolePolicyInput{RoleName: aws.String("fb-tes"), PolicyArn: aws.String(ThingsRegistrationPolicyARN)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.iam.DetachRolePolicy(c.ctx, &iam.DetachRolePolicyInput{RoleName: aws.String("fb-tes"), PolicyArn: aws.String(ThingsRegistrationPolicyARN)})
	wantCode(t, err, "NoSuchEntity")
	if _, err := c.iam.DeleteRole(c.ctx, &iam.DeleteRoleInput{RoleName: aws.String("fb-tes")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.iam.GetRole(c.ctx, &iam.GetRoleInput{RoleName: aws.String("fb-tes")})
	var nse *iamtypes.NoSuchEntityException
	if !errors.As(err, &nse) {
		t.Fatalf("want NoSuchEntityException, got %v", err)
	}
	if n := c.s.Resources().Total(); n != 0 {
		t.Errorf("resources left: %v", c.s.Resources())
	}
}

func TestRoleValidation(t *testing.T) {
	c := newClients(t)
	cases := []struct {
		name, role, trust, code string
	}{
		{"bad name", "has space", trustIoT, "ValidationError"},
		{"long name", strings.Repeat("r", 65), trustIoT, "ValidationError"},
		{"not json", "r1", `{"Version":`, "MalformedPolicyDocument"},
		{"no principal", "r2", iamDoc, "MalformedPolicyDocument"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.iam.CreateRole(c.ctx, &iam.CreateRoleInput{RoleName: aws.String(tc.role), AssumeRolePolicyDocument: aws.String(tc.trust)})
			ae := wantCode(t, err, tc.code)
			if tc.code == "ValidationError" && !strings.Contains(ae.ErrorMessage(), "roleName") {
				t.Errorf("message %q does not name the member", ae.ErrorMessage())
			}
		})
	}
	_, err := c.iam.CreateRole(c.ctx, &iam.CreateRoleInput{RoleName: aws.String("p"), Path: aws.String("no-slash"), AssumeRolePolicyDocument: aws.String(trustIoT)})
	wantCode(t, err, "ValidationError")
	if n := c.s.Resources().Total(); n != 0 {
		t.Errorf("failed creates left resources: %v", c.s.Resources())
	}
}

func TestManagedPolicyVersions(t *testing.T) {
	c := newClients(t)
	out, err := c.iam.CreatePolicy(c.ctx, &iam.CreatePolicyInput{PolicyName: aws.String("fb-tes-access"), PolicyDocument: aws.String(iamDoc),
		Tags: []iamtypes.Tag{{Key: aws.String("fleetbake"), Value: aws.String("x")}}})
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(out.Policy.Arn)
	if arn != "arn:aws:iam::123456789012:policy/fb-tes-access" || aws.ToString(out.Policy.DefaultVersionId) != "v1" {
		t.Fatalf("policy %+v", out.Policy)
	}
	_, err = c.iam.CreatePolicy(c.ctx, &iam.CreatePolicyInput{PolicyName: aws.String("fb-tes-access"), PolicyDocument: aws.String(iamDoc)})
	wantCode(t, err, "EntityAlreadyExists")

	gp, err := c.iam.GetPolicy(c.ctx, &iam.GetPolicyInput{PolicyArn: aws.String(arn)})
	if err != nil || len(gp.Policy.Tags) != 1 || aws.ToInt32(gp.Policy.AttachmentCount) != 0 {
		t.Fatalf("GetPolicy %+v %v", gp, err)
	}
	for i := 2; i <= 5; i++ {
		v, err := c.iam.CreatePolicyVersion(c.ctx, &iam.CreatePolicyVersionInput{PolicyArn: aws.String(arn), PolicyDocument: aws.String(iamDoc), SetAsDefault: true})
		if err != nil {
			t.Fatal(err)
		}
		if want := "v" + string(rune('0'+i)); aws.ToString(v.PolicyVersion.VersionId) != want || !v.PolicyVersion.IsDefaultVersion {
			t.Fatalf("version %+v, want %s default", v.PolicyVersion, want)
		}
	}
	_, err = c.iam.CreatePolicyVersion(c.ctx, &iam.CreatePolicyVersionInput{PolicyArn: aws.String(arn), PolicyDocument: aws.String(iamDoc)})
	var limit *iamtypes.LimitExceededException
	if !errors.As(err, &limit) {
		t.Fatalf("want LimitExceeded, got %v", err)
	}
	lv, err := c.iam.ListPolicyVersions(c.ctx, &iam.ListPolicyVersionsInput{PolicyArn: aws.String(arn)})
	if err != nil || len(lv.Versions) != 5 || aws.ToString(lv.Versions[0].VersionId) != "v5" || !lv.Versions[0].IsDefaultVersion {
		t.Fatalf("ListPolicyVersions %+v %v", lv, err)
	}
	gv, err := c.iam.GetPolicyVersion(c.ctx, &iam.GetPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v3")})
	if err != nil {
		t.Fatal(err)
	}
	if dec, _ := url.QueryUnescape(aws.ToString(gv.PolicyVersion.Document)); dec != iamDoc || gv.PolicyVersion.IsDefaultVersion {
		t.Errorf("v3 %q default=%v", dec, gv.PolicyVersion.IsDefaultVersion)
	}
	_, err = c.iam.DeletePolicyVersion(c.ctx, &iam.DeletePolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v5")})
	wantCode(t, err, "DeleteConflict")
	_, err = c.iam.GetPolicyVersion(c.ctx, &iam.GetPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v9")})
	wantCode(t, err, "NoSuchEntity")

	// Deleting needs the extra versions gone and no attachment.
	c.createRole(t, "holder", trustIoT)
	if _, err := c.iam.AttachRolePolicy(c.ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("holder"), PolicyArn: aws.String(arn)}); err != nil {
		t.Fatal(err)
	}
	gp, _ = c.iam.GetPolicy(c.ctx, &iam.GetPolicyInput{PolicyArn: aws.String(arn)})
	if aws.ToInt32(gp.Policy.AttachmentCount) != 1 {
		t.Errorf("attachment count %d", aws.ToInt32(gp.Policy.AttachmentCount))
	}
	_, err = c.iam.DeletePolicy(c.ctx, &iam.DeletePolicyInput{PolicyArn: aws.String(arn)})
	wantCode(t, err, "DeleteConflict")
	if _, err := c.iam.DetachRolePolicy(c.ctx, &iam.DetachRolePolicyInput{RoleName: aws.String("holder"), PolicyArn: aws.String(arn)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.iam.DeletePolicy(c.ctx, &iam.DeletePolicyInput{PolicyArn: aws.String(arn)})
	wantCode(t, err, "DeleteConflict") // still has non-default versions
	for _, v := range []string{"v1", "v2", "v3", "v4"} {
		if _, err := c.iam.DeletePolicyVersion(c.ctx, &iam.DeletePolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String(v)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.iam.DeletePolicy(c.ctx, &iam.DeletePolicyInput{PolicyArn: aws.String(arn)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.iam.GetPolicy(c.ctx, &iam.GetPolicyInput{PolicyArn: aws.String(arn)})
	wantCode(t, err, "NoSuchEntity")

	// Size limit and malformed documents.
	big := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":[` + strings.Repeat(`"arn:aws:s3:::bucket-name-long/*",`, 200) + `"*"]}]}`
	_, err = c.iam.CreatePolicy(c.ctx, &iam.CreatePolicyInput{PolicyName: aws.String("big"), PolicyDocument: aws.String(big)})
	wantCode(t, err, "LimitExceeded")
	_, err = c.iam.CreatePolicy(c.ctx, &iam.CreatePolicyInput{PolicyName: aws.String("bad"), PolicyDocument: aws.String(`{"Statement":[{"Effect":"Maybe","Action":"x"}]}`)})
	wantCode(t, err, "MalformedPolicyDocument")

	// AWS managed policy: readable, not deletable.
	mp, err := c.iam.GetPolicy(c.ctx, &iam.GetPolicyInput{PolicyArn: aws.String(ThingsRegistrationPolicyARN)})
	if err != nil || aws.ToString(mp.Policy.Path) != "/service-role/" {
		t.Fatalf("managed policy %+v %v", mp, err)
	}
	_, err = c.iam.DeletePolicy(c.ctx, &iam.DeletePolicyInput{PolicyArn: aws.String(ThingsRegistrationPolicyARN)})
	if err == nil {
		t.Fatal("deleting an AWS managed policy succeeded")
	}
}

func TestPolicyTags(t *testing.T) {
	c := newClients(t)
	arn := c.s.CreateIAMPolicyDirect("theirs", iamDoc, nil)
	if _, err := c.iam.TagPolicy(c.ctx, &iam.TagPolicyInput{PolicyArn: aws.String(arn), Tags: []iamtypes.Tag{{Key: aws.String("k"), Value: aws.String("v")}}}); err != nil {
		t.Fatal(err)
	}
	lt, err := c.iam.ListPolicyTags(c.ctx, &iam.ListPolicyTagsInput{PolicyArn: aws.String(arn)})
	if err != nil || len(lt.Tags) != 1 {
		t.Fatalf("ListPolicyTags %+v %v", lt, err)
	}
	if _, err := c.iam.UntagPolicy(c.ctx, &iam.UntagPolicyInput{PolicyArn: aws.String(arn), TagKeys: []string{"k"}}); err != nil {
		t.Fatal(err)
	}
	lt, _ = c.iam.ListPolicyTags(c.ctx, &iam.ListPolicyTagsInput{PolicyArn: aws.String(arn)})
	if len(lt.Tags) != 0 {
		t.Errorf("tags after untag %v", lt.Tags)
	}
	_, err = c.iam.TagPolicy(c.ctx, &iam.TagPolicyInput{PolicyArn: aws.String(arn), Tags: []iamtypes.Tag{{Key: aws.String("aws:x"), Value: aws.String("v")}}})
	wantCode(t, err, "InvalidInput")

	// 50 tags per customer managed policy, counting the ones it has: 30 and
	// 30 more is refused whole, 30 and the same 30 again is not.
	thirty := func(prefix string) []iamtypes.Tag {
		var tags []iamtypes.Tag
		for i := range 30 {
			tags = append(tags, iamtypes.Tag{Key: aws.String(fmt.Sprintf("%s%d", prefix, i)), Value: aws.String("v")})
		}
		return tags
	}
	if _, err := c.iam.TagPolicy(c.ctx, &iam.TagPolicyInput{PolicyArn: aws.String(arn), Tags: thirty("a")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.iam.TagPolicy(c.ctx, &iam.TagPolicyInput{PolicyArn: aws.String(arn), Tags: thirty("a")}); err != nil {
		t.Fatalf("the same 30 tags again: %v", err)
	}
	_, err = c.iam.TagPolicy(c.ctx, &iam.TagPolicyInput{PolicyArn: aws.String(arn), Tags: thirty("b")})
	wantCode(t, err, "LimitExceeded")
	if lt, _ := c.iam.ListPolicyTags(c.ctx, &iam.ListPolicyTagsInput{PolicyArn: aws.String(arn), MaxItems: aws.Int32(100)}); len(lt.Tags) != 30 {
		t.Errorf("%d tags after a refused TagPolicy, want the 30 it had", len(lt.Tags))
	}
}

func TestIAMPagination(t *testing.T) {
	c := newClients(t)
	c.createRole(t, "many", trustIoT)
	for i := range 7 {
		name := "p" + string(rune('a'+i))
		if _, err := c.iam.PutRolePolicy(c.ctx, &iam.PutRolePolicyInput{RoleName: aws.String("many"), PolicyName: aws.String(name), PolicyDocument: aws.String(iamDoc)}); err != nil {
			t.Fatal(err)
		}
	}
	p := iam.NewListRolePoliciesPaginator(c.iam, &iam.ListRolePoliciesInput{RoleName: aws.String("many"), MaxItems: aws.Int32(3)})
	var names []string
	pages := 0
	for p.HasMorePages() {
		out, err := p.NextPage(c.ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		names = append(names, out.PolicyNames...)
	}
	if pages != 3 || len(names) != 7 || names[0] != "pa" || names[6] != "pg" {
		t.Errorf("pages %d names %v", pages, names)
	}
}

func TestUpdateRole(t *testing.T) {
	c := newClients(t)
	c.createRole(t, "r", trustIoT)
	if _, err := c.iam.UpdateRole(c.ctx, &iam.UpdateRoleInput{RoleName: aws.String("r"), Description: aws.String("d"), MaxSessionDuration: aws.Int32(7200)}); err != nil {
		t.Fatal(err)
	}
	g, _ := c.iam.GetRole(c.ctx, &iam.GetRoleInput{RoleName: aws.String("r")})
	if aws.ToString(g.Role.Description) != "d" || aws.ToInt32(g.Role.MaxSessionDuration) != 7200 {
		t.Errorf("role %+v", g.Role)
	}
	_, err := c.iam.UpdateRole(c.ctx, &iam.UpdateRoleInput{RoleName: aws.String("r"), MaxSessionDuration: aws.Int32(60)})
	wantCode(t, err, "ValidationError")
}
