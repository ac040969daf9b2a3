package app

import (
	"fleetbake/model"
	"fleetbake/provision"
)

// PolicyDocument is one document apply creates in AWS, for a review to show
// before anything is created.
type PolicyDocument struct {
	Title string // what it is, e.g. "claim policy (IoT policy)"
	Name  string // the resource's name
	Body  string // indented JSON
}

// documentTitles say what each document is, in the words of the AWS consoles.
var documentTitles = map[provision.Kind]string{
	provision.KindClaimPolicy:          "claim policy (IoT policy of the claim certificate)",
	provision.KindCorePolicy:           "core device policy (IoT policy of every device)",
	provision.KindProvisioningTemplate: "provisioning template body",
	provision.KindTokenExchangeRole:    "token exchange role: trust policy (IAM)",
	provision.KindTokenExchangePolicy:  "token exchange role: access policy (IAM)",
	provision.KindProvisioningRole:     "provisioning role: trust policy (IAM)",
}

// PolicyDocuments renders the documents apply would create for p, without
// any AWS call: for the account of id when it is known, else with
// provision.AccountPlaceholder for the account. The meta-aws generation is
// the one apply uses (Generation); ws may be nil, then it discovers.
func PolicyDocuments(p *model.Project, ws *Workspace, id *Identity) ([]PolicyDocument, error) {
	gen, _ := Generation(p, ws)
	o := provision.DocumentOptions{Generation: gen, Release: releaseOf(p, ws)}
	if id != nil {
		o.Account, o.CallerARN = id.Account, id.ARN
	}
	docs, err := provision.Documents(p, o)
	if err != nil {
		return nil, err
	}
	out := make([]PolicyDocument, 0, len(docs))
	for _, d := range docs {
		out = append(out, PolicyDocument{Title: documentTitles[d.Kind], Name: d.Name, Body: d.Body})
	}
	return out, nil
}
