package awsfake

import (
	"fmt"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iot"
)

// TestIoTListPages: the SDK's paginators walk the fake's List answers to
// the end, page by page, in both styles: marker/pageSize answered with
// nextMarker (ListRoleAliases) and nextToken/maxResults answered with
// nextToken (ListProvisioningTemplateVersions).
func TestIoTListPages(t *testing.T) {
	c := newClients(t)
	var want []string
	for i := range 5 {
		name := fmt.Sprintf("alias-%d", i)
		c.s.CreateRoleAliasDirect(name, "arn:aws:iam::123456789012:role/r")
		want = append(want, name)
	}
	var got []string
	pages := 0
	for p := iot.NewListRoleAliasesPaginator(c.iot, &iot.ListRoleAliasesInput{PageSize: aws.Int32(2)}); p.HasMorePages(); pages++ {
		out, err := p.NextPage(c.ctx)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, out.RoleAliases...)
	}
	slices.Sort(got)
	if pages != 3 || !slices.Equal(got, want) {
		t.Errorf("ListRoleAliases by 2: %d pages, %v; want 3 pages, %v", pages, got, want)
	}

	role := c.createRole(t, "prov", trustIoT)
	if _, err := c.iot.CreateProvisioningTemplate(c.ctx, &iot.CreateProvisioningTemplateInput{TemplateName: aws.String("t"),
		TemplateBody: aws.String(templateBody), ProvisioningRoleArn: aws.String(role)}); err != nil {
		t.Fatal(err)
	}
	for range 4 {
		if _, err := c.iot.CreateProvisioningTemplateVersion(c.ctx, &iot.CreateProvisioningTemplateVersionInput{TemplateName: aws.String("t"),
			TemplateBody: aws.String(templateBody)}); err != nil {
			t.Fatal(err)
		}
	}
	var ids []int32
	pages = 0
	for p := iot.NewListProvisioningTemplateVersionsPaginator(c.iot, &iot.ListProvisioningTemplateVersionsInput{TemplateName: aws.String("t"),
		MaxResults: aws.Int32(2)}); p.HasMorePages(); pages++ {
		out, err := p.NextPage(c.ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range out.Versions {
			ids = append(ids, aws.ToInt32(v.VersionId))
		}
	}
	if pages != 3 || !slices.Equal(ids, []int32{1, 2, 3, 4, 5}) {
		t.Errorf("ListProvisioningTemplateVersions by 2: %d pages, versions %v; want 3 pages, 1..5", pages, ids)
	}
}
