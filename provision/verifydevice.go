package provision

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iot"
	iotypes "github.com/aws/aws-sdk-go-v2/service/iot/types"

	"fleetbake/model"
)

// This file reads and deletes the devices `fleetbake verify --register` provisions: a thing whose name
// carries VerifyMarker after the project's thing name prefix, and its certificate. Nothing else in the
// account is touched: a name without the prefix and the marker is never deleted.

// VerifyMarker is in the serial (and so the thing name) of every device verify provisions.
const VerifyMarker = "fleetbake-verify-"

// IsVerifyThing reports whether name is a thing verify made for this project: the project's thing name
// prefix, then "-" or "_" (the template's join, or the old generation's GGV2_THING_NAME + "_"), then the
// marker.
func (n Names) IsVerifyThing(name string) bool {
	rest, ok := strings.CutPrefix(name, n.ThingNamePrefix)
	return ok && len(rest) > 1 && (rest[0] == '-' || rest[0] == '_') && strings.HasPrefix(rest[1:], VerifyMarker)
}

// VerifyThings lists the things a verify run made for this project and did not delete (a run that was
// killed), with the certificates attached to each.
func (pv *Provisioner) VerifyThings(ctx context.Context) (map[string][]string, error) {
	found := map[string][]string{}
	p := iot.NewListThingsPaginator(pv.iot, &iot.ListThingsInput{MaxResults: aws.Int32(250)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, wrapErr("iot:ListThings", "", err)
		}
		for _, th := range out.Things {
			name := aws.ToString(th.ThingName)
			if !pv.names.IsVerifyThing(name) {
				continue
			}
			pr, err := pv.iot.ListThingPrincipals(ctx, &iot.ListThingPrincipalsInput{ThingName: aws.String(name)})
			if isNotFound(err) {
				continue
			}
			if err != nil {
				return nil, wrapErr("iot:ListThingPrincipals", name, err)
			}
			var certs []string
			for _, arn := range pr.Principals {
				if i := strings.LastIndex(arn, ":cert/"); i >= 0 {
					certs = append(certs, arn[i+len(":cert/"):])
				}
			}
			found[name] = certs
		}
	}
	return found, nil
}

// DeleteVerifyDevice deletes what RegisterThing made for a verify device, in the order AWS IoT allows:
// the core policy (every policy) detached from each certificate, the thing out of the project's group,
// each certificate detached from the thing, the thing deleted, each certificate deactivated and deleted.
// thing may be "" (RegisterThing was refused: only the certificate exists). A thing whose name is not a
// verify thing of this project is refused. What is already gone is skipped.
func (pv *Provisioner) DeleteVerifyDevice(ctx context.Context, thing string, certIDs []string) error {
	if thing != "" && !pv.names.IsVerifyThing(thing) {
		return fmt.Errorf("refusing to delete thing %s: its name is not %s followed by %s", thing, pv.names.ThingNamePrefix, VerifyMarker)
	}
	id, err := pv.Identity(ctx)
	if err != nil {
		return err
	}
	for _, c := range certIDs {
		arn := pv.iotARN(id, "cert", c)
		pols, err := pv.iot.ListAttachedPolicies(ctx, &iot.ListAttachedPoliciesInput{Target: aws.String(arn)})
		if err != nil && !isNotFound(err) {
			return wrapErr("iot:ListAttachedPolicies", c, err)
		}
		if pols != nil {
			for _, p := range pols.Policies {
				if _, err := pv.iot.DetachPolicy(ctx, &iot.DetachPolicyInput{PolicyName: p.PolicyName, Target: aws.String(arn)}); err != nil && !isNotFound(err) {
					return wrapErr("iot:DetachPolicy", aws.ToString(p.PolicyName)+" from "+c, err)
				}
			}
		}
	}
	if thing != "" {
		_, err := pv.iot.RemoveThingFromThingGroup(ctx, &iot.RemoveThingFromThingGroupInput{ThingGroupName: aws.String(pv.names.ThingGroup), ThingName: aws.String(thing)})
		if err != nil && !isNotFound(err) {
			return wrapErr("iot:RemoveThingFromThingGroup", thing+" from "+pv.names.ThingGroup, err)
		}
		for _, c := range certIDs {
			_, err := pv.iot.DetachThingPrincipal(ctx, &iot.DetachThingPrincipalInput{ThingName: aws.String(thing), Principal: aws.String(pv.iotARN(id, "cert", c))})
			if err != nil && !isNotFound(err) {
				return wrapErr("iot:DetachThingPrincipal", c+" from "+thing, err)
			}
		}
		// DetachThingPrincipal "is asynchronous. It might take several seconds for the detachment to
		// propagate" (IoT API reference): DeleteThing is retried while it still sees the principal.
		err = whilePropagating(ctx, func() error {
			_, err := pv.iot.DeleteThing(ctx, &iot.DeleteThingInput{ThingName: aws.String(thing)})
			return err
		})
		if err != nil && !isNotFound(err) {
			return wrapErr("iot:DeleteThing", thing, err)
		}
	}
	for _, c := range certIDs {
		_, err := pv.iot.UpdateCertificate(ctx, &iot.UpdateCertificateInput{CertificateId: aws.String(c), NewStatus: iotypes.CertificateStatusInactive})
		if isNotFound(err) {
			continue
		}
		if err != nil {
			return wrapErr("iot:UpdateCertificate", c, err)
		}
		err = whilePropagating(ctx, func() error {
			_, err := pv.iot.DeleteCertificate(ctx, &iot.DeleteCertificateInput{CertificateId: aws.String(c)})
			return err
		})
		if err != nil && !isNotFound(err) {
			return wrapErr("iot:DeleteCertificate", c, err)
		}
	}
	return nil
}

// whilePropagating retries f for up to 20 s while AWS IoT answers that an attachment is still there
// (DeleteConflictException, or InvalidRequestException from DeleteThing).
func whilePropagating(ctx context.Context, f func() error) error {
	deadline := time.Now().Add(20 * time.Second)
	wait := 250 * time.Millisecond
	for {
		err := f()
		code := apiCode(err)
		if err == nil || code != "DeleteConflictException" && code != "InvalidRequestException" || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(wait):
		}
		wait = min(2*wait, 2*time.Second)
	}
}

// VerifyParams are the template parameters a device of profile d sends (model.DeviceProfile.Params), with
// serial where the device puts its MAC: SerialNumber is the serial; on the old generation ThingName is
// GGV2_THING_NAME (the thing name prefix, as generator writes it) + "_" + serial and ThingGroupName is
// GGV2_THING_GROUP (the project's group); on scarthgap's merged config the GGV2_* are empty.
func VerifyParams(d model.DeviceProfile, n Names, serial string) map[string]string {
	params := map[string]string{}
	for _, p := range d.Params {
		switch {
		case p.Name == "SerialNumber":
			params[p.Name] = serial
		case p.Name == "ThingName" && d.Generation == model.GenerationOld:
			params[p.Name] = n.ThingNamePrefix + "_" + serial
		case p.Name == "ThingName":
			params[p.Name] = "_" + serial
		case p.Name == "ThingGroupName" && d.Generation == model.GenerationOld:
			params[p.Name] = n.ThingGroup
		default:
			params[p.Name] = ""
		}
	}
	return params
}
