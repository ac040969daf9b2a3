package provision

import "fleetbake/model"

// UpdateProject writes what `fleetbake generate` needs into the project:
// region, endpoints, and the names local.conf refers to (template, role
// alias, thing group, thing name prefix) and the claim folder. The caller saves.
func (r *Result) UpdateProject(p *model.Project) {
	g := &p.Greengrass
	if r.Region != "" {
		g.Region = r.Region
	}
	if r.Endpoints.Data != "" {
		g.DataEndpoint = r.Endpoints.Data
	}
	if r.Endpoints.Credential != "" {
		g.CredentialEndpoint = r.Endpoints.Credential
	}
	g.ProvisioningTemplate = r.Names.ProvisioningTemplate
	g.RoleAlias = r.Names.RoleAlias
	g.ThingGroup = r.Names.ThingGroup
	g.ThingNamePrefix = r.Names.ThingNamePrefix
	if g.ClaimDir == "" {
		g.ClaimDir = model.DefaultClaimDir // where apply wrote them: say so in the file
	}
}
