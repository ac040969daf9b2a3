package awsfake

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iot"
	iottypes "github.com/aws/aws-sdk-go-v2/service/iot/types"
)

// A provisioned device is deleted only in the order AWS IoT allows: its
// certificate not while a thing holds it, its thing not while a principal
// is attached; the thing is listed, with its principal and group, until then.
func TestDeleteProvisionedDeviceInOrder(t *testing.T) {
	d := newDeviceAccount(t)
	res, err := d.s.ProvisionDevice(d.request())
	if err != nil {
		t.Fatal(err)
	}
	certARN := "arn:aws:iot:us-east-1:123456789012:cert/" + res.CertificateID
	th := aws.String(res.ThingName)
	list, err := d.iot.ListThings(d.ctx, &iot.ListThingsInput{})
	if err != nil || len(list.Things) != 1 || aws.ToString(list.Things[0].ThingName) != res.ThingName {
		t.Fatalf("ListThings: %v %+v", err, list)
	}
	pr, err := d.iot.ListThingPrincipals(d.ctx, &iot.ListThingPrincipalsInput{ThingName: th})
	if err != nil || len(pr.Principals) != 1 || pr.Principals[0] != certARN {
		t.Fatalf("ListThingPrincipals: %v %+v", err, pr)
	}
	groups, err := d.iot.ListThingGroupsForThing(d.ctx, &iot.ListThingGroupsForThingInput{ThingName: th})
	if err != nil || len(groups.ThingGroups) != 1 || aws.ToString(groups.ThingGroups[0].GroupName) != "Group" {
		t.Fatalf("ListThingGroupsForThing: %v %+v", err, groups)
	}
	if _, err := d.iot.DetachPolicy(d.ctx, &iot.DetachPolicyInput{PolicyName: aws.String("CorePolicy"), Target: aws.String(certARN)}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.iot.UpdateCertificate(d.ctx, &iot.UpdateCertificateInput{CertificateId: aws.String(res.CertificateID), NewStatus: iottypes.CertificateStatusInactive}); err != nil {
		t.Fatal(err)
	}
	_, err = d.iot.DeleteCertificate(d.ctx, &iot.DeleteCertificateInput{CertificateId: aws.String(res.CertificateID)})
	wantCode(t, err, "DeleteConflictException")
	_, err = d.iot.DeleteThing(d.ctx, &iot.DeleteThingInput{ThingName: th})
	wantCode(t, err, "InvalidRequestException")

	if _, err := d.iot.RemoveThingFromThingGroup(d.ctx, &iot.RemoveThingFromThingGroupInput{ThingGroupName: aws.String("Group"), ThingName: th}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.iot.DetachThingPrincipal(d.ctx, &iot.DetachThingPrincipalInput{ThingName: th, Principal: aws.String(certARN)}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.iot.DeleteThing(d.ctx, &iot.DeleteThingInput{ThingName: th}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.iot.DeleteCertificate(d.ctx, &iot.DeleteCertificateInput{CertificateId: aws.String(res.CertificateID)}); err != nil {
		t.Fatal(err)
	}
	if got := d.s.Things(); len(got) != 0 {
		t.Errorf("things %v", got)
	}
	_, err = d.iot.ListThingPrincipals(d.ctx, &iot.ListThingPrincipalsInput{ThingName: th})
	wantCode(t, err, "ResourceNotFoundException")
}
