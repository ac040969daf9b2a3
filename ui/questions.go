package ui

// Every question of the wizard, once. The screens build their fields and
// lists from this list, and the plain prompts (accessible.go) walk it in
// order, as charmbracelet/huh runs one field list as a form and as
// accessible prompts: a question changed here changes in both.

import (
	"cmp"
	"fmt"
	"strconv"
	"strings"

	"fleetbake/app"
	"fleetbake/model"
)

// askKind is how a question is answered.
type askKind int

const (
	askText   askKind = iota // free text
	askChoice                // one of a few values: ←/→ on screen, typed in the prompts
	askPick                  // one of a long list: a filterable list on screen, ? lists it in the prompts
	askLayers                // several of a list: a checklist on screen, space separated in the prompts
)

// question is one question of the wizard.
type question struct {
	// Key is the setting it answers, as in fleetbake.toml (model.Settings);
	// every answer is checked with model.ValidateField(Key, answer).
	Key   string
	Step  Step
	Label string // what the screen labels it and the prompt asks
	Help  string // one or two sentences: under the focused field, after ? in the prompts
	// Empty is what an empty answer means ("" when one is needed): the
	// screen's placeholder, "(empty: ...)" in the prompt.
	Empty string
	Kind  askKind
	// Choices are the answers to choose from (askChoice, askPick,
	// askLayers); Labels, when set, name askChoice's choices.
	Choices func(a *answers) []string
	Labels  []string
	// setting reads and stores the answer.
	setting
	// Check is a rule beyond ValidateField (a count, one of the choices).
	Check func(v string) error
	// Path: a folder BitBake uses; its full path is checked too, on disk,
	// where it is typed (model.Project.CheckPathSetting): a space in the
	// project's folder or a character BitBake's fetcher reads otherwise.
	Path bool
	// Clearable: "-" empties it in the prompts (an empty answer keeps it).
	Clearable bool
	// Flag: a true/false setting, answered with its choices; ValidateField
	// knows no words for it, the choices are the check.
	Flag bool
	// DependsOn names the question whose answer decides whether this one
	// is asked; AskedWhen says for which answers.
	DependsOn string
	AskedWhen func(dep string) bool
}

// answers is what questions read and write: the project and what discovery
// found.
type answers struct {
	p       *model.Project
	ws      *Workspace
	guess   *ConfGuess
	regions []string
}

// questionFor returns the question of a setting.
func questionFor(key string) *question {
	for i := range questions {
		if questions[i].Key == key {
			return &questions[i]
		}
	}
	panic("ui: no question for " + key)
}

// stepQuestions are the questions of one step, in order.
func stepQuestions(s Step) []*question {
	var out []*question
	for i := range questions {
		if questions[i].Step == s {
			out = append(out, &questions[i])
		}
	}
	return out
}

// asked reports whether q is asked, given the answer of the question it
// depends on.
func (q *question) asked(dep string) bool {
	return q.AskedWhen == nil || q.AskedWhen(dep)
}

// check runs q's rules on an answer: its own, then the model's. The full
// path of a Path question is checked by checkPath, which reads the disk.
func (q *question) check(v string) error {
	if q.Check != nil {
		if err := q.Check(v); err != nil {
			return err
		}
	}
	if v != "" && !q.Flag {
		return model.ValidateField(q.Key, v)
	}
	return nil
}

// checkPath checks the full path of a Path question's answer for the
// project p; it reads the disk (run it in a command on a screen).
func (q *question) checkPath(p *model.Project, v string) error {
	if !q.Path || v == "" {
		return nil
	}
	return p.CheckPathSetting(q.Key, v)
}

// onOff are the answers of a yes-or-no choice.
var onOff = []string{"on", "off"}

func boolAnswer(b bool, yes, no string) string {
	if b {
		return yes
	}
	return no
}

func fixed(choices ...string) func(*answers) []string {
	return func(*answers) []string { return choices }
}

// setting reads and stores one answer in the project.
type setting struct {
	// Get is the answer as it stands: the project's, else the proposal
	// (an existing local.conf, then the default).
	Get func(a *answers) string
	// Set stores an answer that passed the checks.
	Set func(a *answers, v string)
}

// str is a string setting whose empty value reads as def.
func str(field func(p *model.Project) *string, def string) setting {
	return setting{
		Get: func(a *answers) string { return cmp.Or(*field(a.p), def) },
		Set: func(a *answers, v string) { *field(a.p) = v },
	}
}

// strOr is a string setting that is never empty: an empty answer stores def.
func strOr(field func(p *model.Project) *string, def string) setting {
	s := str(field, def)
	s.Set = func(a *answers, v string) { *field(a.p) = cmp.Or(v, def) }
	return s
}

// num is a whole-number setting where empty (0) is BitBake's default.
func num(field func(p *model.Project) *int) setting {
	return setting{
		Get: func(a *answers) string { return countString(*field(a.p)) },
		Set: func(a *answers, v string) { *field(a.p), _ = strconv.Atoi(v) },
	}
}

// greengrassOn: the Greengrass names are asked only when it is on.
func greengrassOn(dep string) bool { return dep == "on" }

var defaults = model.Default()

func sh(p *model.Project) *model.Shared     { return &p.Shared }
func gg(p *model.Project) *model.Greengrass { return &p.Greengrass }

// questions are the wizard's questions in the order the steps ask them.
var questions = func() []question {
	dg := defaults.Greengrass
	qs := []question{
		{Key: "build_dir", Step: StepWorkspace, Label: "Build folder", Empty: defaults.BuildDir, Path: true,
			Help:    "BitBake's build folder (holds conf/), relative to fleetbake.toml.",
			setting: strOr(func(p *model.Project) *string { return &p.BuildDir }, defaults.BuildDir)},
		{Key: "release", Step: StepWorkspace, Label: "Release", Empty: "detected from oe-core",
			Help: "Yocto release code name; empty means the one detected from oe-core (" + model.DefaultRelease + " when there is none).",
			setting: setting{
				Get: func(a *answers) string { return a.p.Release },
				// Nothing on disk names one: the default, as init does.
				Set: func(a *answers, v string) { a.p.Release = app.ReleaseToWrite(&model.Project{Release: v}, a.ws) },
			}},
		{Key: "machine", Step: StepMachine, Label: "MACHINE", Kind: askPick,
			Help:    "The MACHINE to build for: one of the layers on disk or of the built-in catalog.",
			Choices: func(a *answers) []string { return machineNames(a.ws) },
			setting: setting{
				Get: func(a *answers) string { return cmp.Or(a.p.Machine, guessMachine(a.guess), defaults.Machine) },
				Set: func(a *answers, v string) { a.p.Machine = v },
			}},
		{Key: "layers", Step: StepLayers, Label: "Layers", Kind: askLayers,
			Help:    "The layers to build with; the layers they depend on are added.",
			Choices: func(a *answers) []string { return layerNames(a.ws) },
			Check:   checkLayers,
			setting: setting{
				Get: func(a *answers) string { return strings.Join(proposedLayers(a), " ") },
				Set: func(a *answers, v string) { a.p.Layers = strings.Fields(v) },
			}},
		{Key: "image", Step: StepImage, Label: "Image", Kind: askPick, Help: "The image recipe (bitbake target).",
			Choices: func(a *answers) []string { return wsList(a.ws, func(w *Workspace) []string { return w.Images }) },
			setting: str(func(p *model.Project) *string { return &p.Image }, defaults.Image)},
		{Key: "distro", Step: StepImage, Label: "DISTRO", Kind: askPick, Help: "The distro (DISTRO).",
			Choices: func(a *answers) []string { return wsList(a.ws, func(w *Workspace) []string { return w.Distros }) },
			setting: setting{
				Get: func(a *answers) string { return cmp.Or(a.p.Distro, guessDistro(a.guess), defaults.Distro) },
				Set: func(a *answers, v string) { a.p.Distro = v },
			}},
		{Key: "shared.bb_number_threads", Step: StepSettings, Label: "BB_NUMBER_THREADS", Empty: "one per CPU", Check: checkCount,
			Help:    "Tasks BitBake runs at once; empty: one per CPU.",
			setting: num(func(p *model.Project) *int { return &sh(p).BBNumberThreads })},
		{Key: "shared.parallel_make", Step: StepSettings, Label: "PARALLEL_MAKE -j", Empty: "one per CPU", Check: checkCount,
			Help:    "Jobs per make; empty: one per CPU.",
			setting: num(func(p *model.Project) *int { return &sh(p).ParallelMake })},
		{Key: "shared.dl_dir", Step: StepSettings, Label: "DL_DIR", Empty: "${TOPDIR}/downloads", Path: true, Clearable: true,
			Help:    "Downloads folder; share it between builds to fetch once.",
			setting: str(func(p *model.Project) *string { return &sh(p).DLDir }, "")},
		{Key: "shared.sstate_dir", Step: StepSettings, Label: "SSTATE_DIR", Empty: "${TOPDIR}/sstate-cache", Path: true, Clearable: true,
			Help:    "Shared state cache folder.",
			setting: str(func(p *model.Project) *string { return &sh(p).SstateDir }, "")},
		{Key: "shared.sstate_mirrors", Step: StepSettings, Label: "SSTATE_MIRRORS", Empty: "none", Clearable: true,
			Help:    "e.g. file://.* http://host/sstate/PATH;downloadfilename=PATH",
			setting: str(func(p *model.Project) *string { return &sh(p).SstateMirrors }, "")},
		{Key: "shared.hashserve", Step: StepSettings, Label: "BB_HASHSERVE", Empty: "none", Clearable: true,
			Help:    "Hash equivalence server: auto or host:port.",
			setting: str(func(p *model.Project) *string { return &sh(p).HashServe }, "")},
		{Key: "shared.hashserve_upstream", Step: StepSettings, Label: "BB_HASHSERVE_UPSTREAM", Empty: "none", Clearable: true,
			Help:    "A team hash server to ask first, host:port.",
			setting: str(func(p *model.Project) *string { return &sh(p).HashServeUpstream }, "")},
		{Key: "shared.prserv_host", Step: StepSettings, Label: "PRSERV_HOST", Empty: "none", Clearable: true,
			Help:    "PR service, host:port.",
			setting: str(func(p *model.Project) *string { return &sh(p).PRServHost }, "")},
		{Key: "greengrass.enabled", Step: StepGreengrass, Label: "Greengrass", Kind: askChoice, Choices: fixed(onOff...), Flag: true,
			Help: "Put the Greengrass nucleus and fleet provisioning in the image.",
			setting: setting{
				// On for a project whose Greengrass step was never answered.
				Get: func(a *answers) string {
					return boolAnswer(!greengrassAnswered(a.p) || a.p.Greengrass.Enabled, "on", "off")
				},
				Set: func(a *answers, v string) { gg(a.p).Enabled = v == "on" },
			}},
		{Key: "greengrass.nucleus", Step: StepGreengrass, Label: "Nucleus", Kind: askChoice, Choices: fixed(model.NucleusBin, model.NucleusLite),
			Help:    "greengrass-bin: the Java nucleus; greengrass-lite: the C nucleus for small devices.",
			setting: str(func(p *model.Project) *string { return &gg(p).Nucleus }, dg.Nucleus)},
		{Key: "greengrass.region", Step: StepGreengrass, Label: "Region", Kind: askChoice, Choices: regionChoices,
			Help:    "AWS region of the IoT endpoints.",
			setting: str(func(p *model.Project) *string { return &gg(p).Region }, dg.Region)},
		{Key: "greengrass.prefix", Step: StepGreengrass, Label: "Name prefix", Empty: dg.Prefix,
			Help:    "Every AWS resource fleetbake creates is named from this unless set below.",
			setting: strOr(func(p *model.Project) *string { return &gg(p).Prefix }, dg.Prefix)},
		{Key: "greengrass.thing_group", Step: StepGreengrass, Label: "Thing group", Empty: "derived from the prefix",
			Help:    "Devices join this group when they provision; empty: derived from the prefix.",
			setting: str(func(p *model.Project) *string { return &gg(p).ThingGroup }, "")},
		{Key: "greengrass.thing_name_prefix", Step: StepGreengrass, Label: "Thing name prefix", Empty: "derived from the prefix",
			Help:    "Each device is named this plus its serial number.",
			setting: str(func(p *model.Project) *string { return &gg(p).ThingNamePrefix }, "")},
		{Key: "greengrass.provisioning_template", Step: StepGreengrass, Label: "Provisioning template", Empty: "derived from the prefix",
			Help:    "1 to 36 of A-Z a-z 0-9 _ -; empty: derived.",
			setting: str(func(p *model.Project) *string { return &gg(p).ProvisioningTemplate }, "")},
		{Key: "greengrass.role_alias", Step: StepGreengrass, Label: "Role alias", Empty: "derived from the prefix",
			Help:    "Token exchange role alias; empty: derived.",
			setting: str(func(p *model.Project) *string { return &gg(p).RoleAlias }, "")},
		{Key: "greengrass.aws_generated_key", Step: StepGreengrass, Label: "Claim key", Kind: askChoice, Flag: true,
			Choices: fixed("false", "true"), Labels: []string{"made here", "made by AWS"},
			Help: "Made here: a key and CSR on this machine, the key never leaves it. Made by AWS: the key comes back once over the network.",
			setting: setting{
				Get: func(a *answers) string { return strconv.FormatBool(a.p.Greengrass.AWSGeneratedKey) },
				Set: func(a *answers, v string) { gg(a.p).AWSGeneratedKey = v == "true" },
			}},
		{Key: "greengrass.claim_dir", Step: StepGreengrass, Label: "Claim folder", Path: true,
			Help:    "Where claim.cert.pem, claim.pkey.pem (0600) and claim.root.pem go.",
			setting: str(func(p *model.Project) *string { return &gg(p).ClaimDir }, dg.ClaimDir)},
	}
	for i := range qs {
		q := &qs[i]
		// Every Greengrass question but the switch is asked only when on.
		if q.Step == StepGreengrass && q.Key != "greengrass.enabled" {
			q.DependsOn, q.AskedWhen = "greengrass.enabled", greengrassOn
		}
		if q.Kind == askChoice && q.Check == nil {
			q.Check = oneOfChoices(q)
		}
	}
	return qs
}()

// checkLayers: at least one layer, each a name ValidateField takes.
func checkLayers(v string) error {
	if len(strings.Fields(v)) == 0 {
		return fmt.Errorf("choose at least one layer")
	}
	for _, l := range strings.Fields(v) {
		if err := model.ValidateField("layers", l); err != nil {
			return err
		}
	}
	return nil
}
