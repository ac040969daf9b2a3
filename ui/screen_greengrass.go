package ui

import (
	"cmp"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"fleetbake/app"
	"fleetbake/model"
)

// greengrassScreen asks for the Greengrass nucleus and the fleet
// provisioning settings, and shows the AWS account in use.
type greengrassScreen struct {
	ctx  *Context
	form *form
	f    struct {
		enabled, nucleus, region, prefix, group, thingPrefix, template, alias, claimKey, claimDir *formField
	}
}

func newGreengrassScreen(c *Context) *greengrassScreen {
	s := &greengrassScreen{ctx: c, form: newForm(c)}
	f := s.form
	s.f.enabled = f.choice("", "Greengrass", "Put the Greengrass nucleus and fleet provisioning in the image.",
		[]string{"on", "off"}, nil)
	off := func() bool { return s.f.enabled.Value() == "off" }
	s.f.nucleus = f.choice("greengrass.nucleus", "Nucleus", "greengrass-bin: the Java nucleus; greengrass-lite: the C nucleus for small devices.",
		[]string{model.NucleusBin, model.NucleusLite}, nil)
	s.f.region = f.choice("greengrass.region", "Region", "AWS region of the IoT endpoints (←/→ to choose).", nil, nil)
	s.f.prefix = f.text("greengrass.prefix", "Name prefix", "Every AWS resource fleetbake creates is named from this unless set below.", "fleetbake")
	s.f.group = f.text("greengrass.thing_group", "Thing group", "Devices join this group when they provision; empty: derived from the prefix.", "(derived from the prefix)")
	s.f.thingPrefix = f.text("greengrass.thing_name_prefix", "Thing name prefix", "Each device is named this plus its serial number.", "(derived from the prefix)")
	s.f.template = f.text("greengrass.provisioning_template", "Provisioning template", "1 to 36 of A-Z a-z 0-9 _ -; empty: derived.", "(derived from the prefix)")
	s.f.alias = f.text("greengrass.role_alias", "Role alias", "Token exchange role alias; empty: derived.", "(derived from the prefix)")
	s.f.claimKey = f.choice("", "Claim key",
		"Made here: a key and CSR on this machine, the key never leaves it. Made by AWS: the key comes back once over the network.",
		[]string{"false", "true"}, []string{"made here", "made by AWS"})
	s.f.claimDir = f.text("greengrass.claim_dir", "Claim folder", "Where claim.cert.pem, claim.pkey.pem (0600) and claim.root.pem go.", "claim-certs")
	for _, ff := range f.fields[1:] {
		ff.hidden = off
	}
	return s
}

func (s *greengrassScreen) regions() []string {
	rs := s.ctx.Svc.Regions
	cur := s.ctx.Project.Greengrass.Region
	if cur == "" {
		cur = model.Default().Greengrass.Region
	}
	if len(rs) == 0 {
		return []string{cur}
	}
	for _, r := range rs {
		if r == cur {
			return rs
		}
	}
	return append([]string{cur}, rs...)
}

func (s *greengrassScreen) Enter() tea.Cmd {
	g := s.ctx.Project.Greengrass
	def := model.Default().Greengrass
	answered := greengrassAnswered(s.ctx.Project)
	if !answered {
		g.Enabled, g.Nucleus, g.Region, g.Prefix, g.ClaimDir = def.Enabled, def.Nucleus, def.Region, def.Prefix, def.ClaimDir
	}
	if g.Enabled {
		s.f.enabled.SetValue("on")
	} else {
		s.f.enabled.SetValue("off")
	}
	s.f.nucleus.SetValue(cmp.Or(g.Nucleus, def.Nucleus))
	s.f.region.choices = s.regions()
	s.f.region.SetValue(cmp.Or(g.Region, def.Region))
	s.f.prefix.SetValue(g.Prefix)
	s.f.group.SetValue(g.ThingGroup)
	s.f.thingPrefix.SetValue(g.ThingNamePrefix)
	s.f.template.SetValue(g.ProvisioningTemplate)
	s.f.alias.SetValue(g.RoleAlias)
	if g.AWSGeneratedKey {
		s.f.claimKey.SetValue("true")
	} else {
		s.f.claimKey.SetValue("false")
	}
	s.f.claimDir.SetValue(cmp.Or(g.ClaimDir, def.ClaimDir))
	for _, ff := range s.form.fields {
		ff.err = ""
	}
	return s.form.Start()
}

func (s *greengrassScreen) store() {
	g := &s.ctx.Project.Greengrass
	g.Enabled = s.f.enabled.Value() == "on"
	g.Nucleus = s.f.nucleus.Value()
	g.Region = s.f.region.Value()
	set := func(ff *formField, dst *string) {
		if ff.err == "" {
			*dst = ff.Value()
		}
	}
	set(s.f.prefix, &g.Prefix)
	if g.Prefix == "" {
		g.Prefix = model.Default().Greengrass.Prefix
	}
	set(s.f.group, &g.ThingGroup)
	set(s.f.thingPrefix, &g.ThingNamePrefix)
	set(s.f.template, &g.ProvisioningTemplate)
	set(s.f.alias, &g.RoleAlias)
	g.AWSGeneratedKey = s.f.claimKey.Value() == "true"
	set(s.f.claimDir, &g.ClaimDir)
}

func (s *greengrassScreen) Update(msg tea.Msg) tea.Cmd {
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		if _, isID := msg.(identityMsg); isID {
			return nil
		}
		cmd, _ := s.form.Update(msg)
		return cmd
	}
	if key.Matches(km, s.ctx.Keys.Back) {
		return back
	}
	focus, before := s.form.focus, s.form.Focused().Value()
	cmd, submit := s.form.Update(msg)
	if submit {
		s.store()
		return tea.Batch(cmd, s.ctx.SaveProject(), nextFrom(s))
	}
	if s.form.focus != focus || s.form.Focused().kind == choiceField && s.form.Focused().Value() != before {
		s.store()
		return tea.Batch(cmd, s.ctx.SaveProject())
	}
	return cmd
}

func (s *greengrassScreen) View(height int) string {
	c := s.ctx
	st := c.Styles
	w := max(10, c.Width-2)
	var head []string
	switch {
	case c.Identity != nil:
		head = append(head, st.OK.Render("AWS account "+c.Identity.Account)+st.Subtle.Render("  "+c.Identity.ARN))
	case c.IdentityErr != nil:
		// What to do first, then going on without AWS, the SDK's text last.
		fix, detail := app.AWSAdvice(c.IdentityErr)
		if fix == "" {
			fix, detail = app.AWSTrouble(c.IdentityErr)+": "+detail, ""
		}
		for _, l := range wrap(capitalize(fix)+".", w) {
			head = append(head, st.Warn.Render(l))
		}
		for _, l := range wrap(skipAWSScreen, w) {
			head = append(head, st.Subtle.Render(l))
		}
		if detail != "" {
			for _, l := range wrap("AWS SDK: "+detail, w) {
				head = append(head, st.Subtle.Render(l))
			}
		}
	case c.Svc.Identity != nil:
		head = append(head, st.Subtle.Render("Looking up the AWS account…"))
	}
	head = append(head, "")
	return strings.Join(head, "\n") + "\n" + s.form.View(w, max(1, height-len(head)))
}

func (s *greengrassScreen) Capturing() bool { return s.form.Capturing() }

func (s *greengrassScreen) ShortHelp() []key.Binding {
	k := s.ctx.Keys
	if s.form.Focused().kind == choiceField {
		return []key.Binding{k.Tab, k.Left, k.Enter, k.Back, k.Help, k.Quit}
	}
	return []key.Binding{k.Tab, k.Enter, k.Back, k.ForceQuit}
}

func (s *greengrassScreen) FullHelp() [][]key.Binding {
	k := s.ctx.Keys
	return [][]key.Binding{{k.Tab, k.ShiftTab, k.Left, k.Toggle}, {k.Enter, k.Back}, {k.Help, k.Quit, k.ForceQuit}}
}

// skipAWSScreen is how the screens go on without AWS.
const skipAWSScreen = "Or go on without AWS: at Review, s writes the conf files without the endpoints, and you can build."

// capitalize upper-cases the first letter of a sentence.
func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
