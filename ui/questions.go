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
	// Get is the answer as it stands: the project's, else the proposal
	// (an existing local.conf, then the default).
	Get func(a *answers) string
	// Set stores an answer that passed the checks.
	Set func(a *answers, v string)
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

// textSetting is a plain string setting of the project.
func textSetting(get func(p *model.Project) *string, def func() string) (func(a *answers) string, func(a *answers, v string)) {
	return func(a *answers) string {
			if def != nil {
				return cmp.Or(*get(a.p), def())
			}
			return *get(a.p)
		}, func(a *answers, v string) {
			*get(a.p) = v
		}
}

// countSetting is a whole-number setting where empty (0) is BitBake's default.
func countSetting(get func(p *model.Project) *int) (func(a *answers) string, func(a *answers, v string)) {
	return func(a *answers) string { return countString(*get(a.p)) },
		func(a *answers, v string) { *get(a.p), _ = strconv.Atoi(v) }
}

// greengrassOn: the Greengrass names are asked only when it is on.
func greengrassOn(dep string) bool { return dep == "on" }

var defaults = model.Default()

var questions = func() []question {
	g := func(p *model.Project) *model.Greengrass { return &p.Greengrass }
	sh := func(p *model.Project) *model.Shared { return &p.Shared }
	qs := []question{
		{Key: "build_dir", Step: StepWorkspace, Label: "Build folder", Empty: defaults.BuildDir, Path: true,
			Help: "BitBake's build folder (holds conf/), relative to fleetbake.toml."},
		{Key: "release", Step: StepWorkspace, Label: "Release", Empty: "detected from oe-core",
			Help: "Yocto release code name; empty means the one detected from oe-core (" + model.DefaultRelease + " when there is none)."},
		{Key: "machine", Step: StepMachine, Label: "MACHINE", Kind: askPick,
			Help: "The MACHINE to build for: one of the layers on disk or of the built-in catalog."},
		{Key: "layers", Step: StepLayers, Label: "Layers", Kind: askLayers,
			Help: "The layers to build with; the layers they depend on are added."},
		{Key: "image", Step: StepImage, Label: "Image", Kind: askPick, Help: "The image recipe (bitbake target)."},
		{Key: "distro", Step: StepImage, Label: "DISTRO", Kind: askPick, Help: "The distro (DISTRO)."},
		{Key: "shared.bb_number_threads", Step: StepSettings, Label: "BB_NUMBER_THREADS", Empty: "one per CPU", Check: checkCount,
			Help: "Tasks BitBake runs at once; empty: one per CPU."},
		{Key: "shared.parallel_make", Step: StepSettings, Label: "PARALLEL_MAKE -j", Empty: "one per CPU", Check: checkCount,
			Help: "Jobs per make; empty: one per CPU."},
		{Key: "shared.dl_dir", Step: StepSettings, Label: "DL_DIR", Empty: "${TOPDIR}/downloads", Path: true, Clearable: true,
			Help: "Downloads folder; share it between builds to fetch once."},
		{Key: "shared.sstate_dir", Step: StepSettings, Label: "SSTATE_DIR", Empty: "${TOPDIR}/sstate-cache", Path: true, Clearable: true,
			Help: "Shared state cache folder."},
		{Key: "shared.sstate_mirrors", Step: StepSettings, Label: "SSTATE_MIRRORS", Empty: "none", Clearable: true,
			Help: "e.g. file://.* http://host/sstate/PATH;downloadfilename=PATH"},
		{Key: "shared.hashserve", Step: StepSettings, Label: "BB_HASHSERVE", Empty: "none", Clearable: true,
			Help: "Hash equivalence server: auto or host:port."},
		{Key: "shared.hashserve_upstream", Step: StepSettings, Label: "BB_HASHSERVE_UPSTREAM", Empty: "none", Clearable: true,
			Help: "A team hash server to ask first, host:port."},
		{Key: "shared.prserv_host", Step: StepSettings, Label: "PRSERV_HOST", Empty: "none", Clearable: true,
			Help: "PR service, host:port."},
		{Key: "greengrass.enabled", Step: StepGreengrass, Label: "Greengrass", Kind: askChoice, Choices: fixed(onOff...), Flag: true,
			Help: "Put the Greengrass nucleus and fleet provisioning in the image."},
		{Key: "greengrass.nucleus", Step: StepGreengrass, Label: "Nucleus", Kind: askChoice, Choices: fixed(model.NucleusBin, model.NucleusLite),
			Help: "greengrass-bin: the Java nucleus; greengrass-lite: the C nucleus for small devices."},
		{Key: "greengrass.region", Step: StepGreengrass, Label: "Region", Kind: askChoice, Choices: regionChoices,
			Help: "AWS region of the IoT endpoints."},
		{Key: "greengrass.prefix", Step: StepGreengrass, Label: "Name prefix", Empty: defaults.Greengrass.Prefix,
			Help: "Every AWS resource fleetbake creates is named from this unless set below."},
		{Key: "greengrass.thing_group", Step: StepGreengrass, Label: "Thing group", Empty: "derived from the prefix",
			Help: "Devices join this group when they provision; empty: derived from the prefix."},
		{Key: "greengrass.thing_name_prefix", Step: StepGreengrass, Label: "Thing name prefix", Empty: "derived from the prefix",
			Help: "Each device is named this plus its serial number."},
		{Key: "greengrass.provisioning_template", Step: StepGreengrass, Label: "Provisioning template", Empty: "derived from the prefix",
			Help: "1 to 36 of A-Z a-z 0-9 _ -; empty: derived."},
		{Key: "greengrass.role_alias", Step: StepGreengrass, Label: "Role alias", Empty: "derived from the prefix",
			Help: "Token exchange role alias; empty: derived."},
		{Key: "greengrass.aws_generated_key", Step: StepGreengrass, Label: "Claim key", Kind: askChoice, Flag: true,
			Choices: fixed("false", "true"), Labels: []string{"made here", "made by AWS"},
			Help: "Made here: a key and CSR on this machine, the key never leaves it. Made by AWS: the key comes back once over the network."},
		{Key: "greengrass.claim_dir", Step: StepGreengrass, Label: "Claim folder", Path: true,
			Help: "Where claim.cert.pem, claim.pkey.pem (0600) and claim.root.pem go."},
	}
	for i := range qs {
		q := &qs[i]
		switch q.Key {
		case "build_dir":
			q.Get, q.Set = textSetting(func(p *model.Project) *string { return &p.BuildDir }, func() string { return defaults.BuildDir })
			set := q.Set
			q.Set = func(a *answers, v string) { set(a, cmp.Or(v, defaults.BuildDir)) }
		case "release":
			q.Get = func(a *answers) string { return a.p.Release }
			// Nothing on disk names one: the default, as init does.
			q.Set = func(a *answers, v string) { a.p.Release = app.ReleaseToWrite(&model.Project{Release: v}, a.ws) }
		case "machine":
			q.Choices = func(a *answers) []string { return machineNames(a.ws) }
			q.Get = func(a *answers) string { return cmp.Or(a.p.Machine, guessMachine(a.guess), defaults.Machine) }
			q.Set = func(a *answers, v string) { a.p.Machine = v }
		case "layers":
			q.Choices = func(a *answers) []string { return layerNames(a.ws) }
			q.Get = func(a *answers) string { return strings.Join(proposedLayers(a), " ") }
			q.Set = func(a *answers, v string) { a.p.Layers = strings.Fields(v) }
			q.Check = func(v string) error {
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
		case "image":
			q.Choices = func(a *answers) []string { return wsList(a.ws, func(w *Workspace) []string { return w.Images }) }
			q.Get = func(a *answers) string { return cmp.Or(a.p.Image, defaults.Image) }
			q.Set = func(a *answers, v string) { a.p.Image = v }
		case "distro":
			q.Choices = func(a *answers) []string { return wsList(a.ws, func(w *Workspace) []string { return w.Distros }) }
			q.Get = func(a *answers) string { return cmp.Or(a.p.Distro, guessDistro(a.guess), defaults.Distro) }
			q.Set = func(a *answers, v string) { a.p.Distro = v }
		case "shared.bb_number_threads":
			q.Get, q.Set = countSetting(func(p *model.Project) *int { return &sh(p).BBNumberThreads })
		case "shared.parallel_make":
			q.Get, q.Set = countSetting(func(p *model.Project) *int { return &sh(p).ParallelMake })
		case "shared.dl_dir":
			q.Get, q.Set = textSetting(func(p *model.Project) *string { return &sh(p).DLDir }, nil)
		case "shared.sstate_dir":
			q.Get, q.Set = textSetting(func(p *model.Project) *string { return &sh(p).SstateDir }, nil)
		case "shared.sstate_mirrors":
			q.Get, q.Set = textSetting(func(p *model.Project) *string { return &sh(p).SstateMirrors }, nil)
		case "shared.hashserve":
			q.Get, q.Set = textSetting(func(p *model.Project) *string { return &sh(p).HashServe }, nil)
		case "shared.hashserve_upstream":
			q.Get, q.Set = textSetting(func(p *model.Project) *string { return &sh(p).HashServeUpstream }, nil)
		case "shared.prserv_host":
			q.Get, q.Set = textSetting(func(p *model.Project) *string { return &sh(p).PRServHost }, nil)
		case "greengrass.enabled":
			// On for a project whose Greengrass step was never answered.
			q.Get = func(a *answers) string {
				return boolAnswer(!greengrassAnswered(a.p) || a.p.Greengrass.Enabled, "on", "off")
			}
			q.Set = func(a *answers, v string) { g(a.p).Enabled = v == "on" }
		case "greengrass.nucleus":
			q.Get, q.Set = textSetting(func(p *model.Project) *string { return &g(p).Nucleus }, func() string { return defaults.Greengrass.Nucleus })
		case "greengrass.region":
			q.Get, q.Set = textSetting(func(p *model.Project) *string { return &g(p).Region }, func() string { return defaults.Greengrass.Region })
		case "greengrass.prefix":
			q.Get, q.Set = textSetting(func(p *model.Project) *string { return &g(p).Prefix }, func() string { return defaults.Greengrass.Prefix })
			set := q.Set
			q.Set = func(a *answers, v string) { set(a, cmp.Or(v, defaults.Greengrass.Prefix)) }
		case "greengrass.thing_group":
			q.Get, q.Set = textSetting(func(p *model.Project) *string { return &g(p).ThingGroup }, nil)
		case "greengrass.thing_name_prefix":
			q.Get, q.Set = textSetting(func(p *model.Project) *string { return &g(p).ThingNamePrefix }, nil)
		case "greengrass.provisioning_template":
			q.Get, q.Set = textSetting(func(p *model.Project) *string { return &g(p).ProvisioningTemplate }, nil)
		case "greengrass.role_alias":
			q.Get, q.Set = textSetting(func(p *model.Project) *string { return &g(p).RoleAlias }, nil)
		case "greengrass.aws_generated_key":
			q.Get = func(a *answers) string { return strconv.FormatBool(a.p.Greengrass.AWSGeneratedKey) }
			q.Set = func(a *answers, v string) { g(a.p).AWSGeneratedKey = v == "true" }
		case "greengrass.claim_dir":
			q.Get, q.Set = textSetting(func(p *model.Project) *string { return &g(p).ClaimDir }, func() string { return defaults.Greengrass.ClaimDir })
		}
		if q.Step == StepGreengrass && q.Key != "greengrass.enabled" {
			q.DependsOn, q.AskedWhen = "greengrass.enabled", greengrassOn
		}
		if q.Kind == askChoice && q.Check == nil {
			q.Check = oneOfChoices(q)
		}
	}
	return qs
}()
