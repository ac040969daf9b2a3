package ui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"fleetbake/app"
	"fleetbake/model"
)

// fakeServices are deterministic services for the golden views: a small
// workspace, a resolution by LAYERDEPENDS, a fixed diff and AWS plan. The
// flows in flow_test.go use the real packages instead.
func fakeServices() *Services {
	layer := func(name, coll string, onDisk bool, compat []string, deps ...string) *model.Layer {
		l := &model.Layer{Name: name, Collection: coll, OnDisk: onDisk, SeriesCompat: compat, Path: "/src/" + name}
		for _, d := range deps {
			l.Depends = append(l.Depends, model.Dependency{Collection: d})
		}
		return l
	}
	sc := []string{"scarthgap"}
	ws := &Workspace{
		Roots:      []string{"/src"},
		Release:    "scarthgap",
		Generation: model.GenerationNew,
		Layers: []*model.Layer{
			layer("meta", "core", true, sc),
			layer("meta-poky", "yocto", true, sc, "core"),
			layer("meta-oe", "openembedded-layer", true, sc, "core"),
			layer("meta-python", "meta-python", true, sc, "core", "openembedded-layer"),
			layer("meta-networking", "networking-layer", true, sc, "core", "openembedded-layer"),
			layer("meta-multimedia", "multimedia-layer", true, sc, "core", "openembedded-layer"),
			layer("meta-aws", "meta-aws", false, sc, "core", "openembedded-layer", "multimedia-layer", "networking-layer", "meta-python"),
			layer("meta-raspberrypi", "raspberrypi", true, []string{"kirkstone"}, "core"),
		},
		Machines: []model.Machine{
			{Name: "beaglebone-yocto", Description: "BeagleBone Black", Layer: "meta-yocto-bsp"},
			{Name: "genericx86-64", Description: "Generic x86_64 PC", Layer: "meta-yocto-bsp"},
			{Name: "qemuarm64", Description: "QEMU ARMv8 emulated machine", Layer: "meta"},
			{Name: "qemux86-64", Description: "QEMU x86-64 emulated machine", Layer: "meta"},
			{Name: "raspberrypi4-64", Description: "Raspberry Pi 4 in 64-bit mode, the long description cut at the edge of the terminal", Layer: "meta-raspberrypi"},
			{Name: "raspberrypi5", Description: "Raspberry Pi 5", Layer: "meta-raspberrypi"},
		},
		Distros: []string{"poky", "poky-altcfg", "poky-tiny"},
		Images:  []string{"core-image-base", "core-image-full-cmdline", "core-image-minimal", "core-image-weston"},
	}
	byColl := map[string]*model.Layer{}
	for _, l := range ws.Layers {
		byColl[l.Collection] = l
		// The machines of the layers on disk; meta-yocto-bsp's come from
		// the catalog.
		for _, m := range ws.Machines {
			if m.Layer == l.Name {
				l.Machines = append(l.Machines, m)
			}
		}
	}
	return &Services{
		Save:          func(*model.Project) error { return nil },
		ValidateField: model.ValidateField,
		Regions:       []string{"us-east-1", "us-west-2", "eu-central-1", "eu-west-1", "ap-northeast-1"},
		Discover:      func(*model.Project) (*Workspace, error) { return ws, nil },
		Resolve: func(p *model.Project, w *Workspace) (*Resolution, error) {
			res := &Resolution{Release: w.Release}
			added := map[string]string{}
			var order []string
			var visit func(name, by string)
			visit = func(name, by string) {
				if slices.Contains(order, name) {
					return
				}
				var l *model.Layer
				for _, c := range w.Layers {
					if c.Name == name || c.Collection == name {
						l = c
					}
				}
				if l == nil {
					res.Missing = append(res.Missing, fmt.Sprintf("%s, needed by %s", name, by))
					return
				}
				for _, d := range l.Depends {
					visit(byColl[d.Collection].Name, "needed by "+l.Name)
				}
				if !slices.Contains(order, l.Name) {
					order = append(order, l.Name)
					if !slices.Contains(p.Layers, l.Name) {
						added[l.Name] = by
					}
					r := ResolvedLayer{Name: l.Name, Collection: l.Collection, OnDisk: l.OnDisk, Path: l.Path, AddedBy: added[l.Name]}
					if !slices.Contains(l.SeriesCompat, w.Release) {
						r.Mismatch = fmt.Sprintf("LAYERSERIES_COMPAT is %v, release is %s", l.SeriesCompat, w.Release)
						res.Incompatible = append(res.Incompatible, l.Name+": "+r.Mismatch)
					}
					res.Layers = append(res.Layers, r)
				}
			}
			for _, n := range p.Layers {
				visit(n, "chosen")
			}
			return res, nil
		},
		Identity: func(context.Context, *model.Project) (*Identity, error) {
			return &Identity{Account: "123456789012", ARN: "arn:aws:iam::123456789012:user/builder"}, nil
		},
		PlanFiles: func(p *model.Project, w *Workspace) (*FilePlan, error) {
			var empty []string
			if p.Greengrass.Enabled && p.Greengrass.DataEndpoint == "" {
				empty = []string{"IOT_DATA_ENDPOINT:pn-greengrass-plugin-fleetprovisioning", "IOT_CRED_ENDPOINT:pn-greengrass-plugin-fleetprovisioning"}
			}
			return &FilePlan{EmptyVars: empty, Diff: "--- build/conf/local.conf\n+++ build/conf/local.conf\n@@ -1,2 +1,4 @@\n-MACHINE ??= \"qemux86-64\"\n+MACHINE = \"" + p.Machine + "\"\n+DISTRO = \"" + p.Distro + "\"\n # keep this line\n"}, nil
		},
		PlanAWS: func(context.Context, *model.Project, *Workspace) ([]PlanRow, error) {
			return []PlanRow{
				{Action: "create", Kind: "iam-role", Name: "fleetbake-TokenExchangeRole", Detail: "trust credentials.iot.amazonaws.com"},
				{Action: "exists", Kind: "role-alias", Name: "fleetbake-TokenExchangeRoleAlias"},
				{Action: "create", Kind: "thing-group", Name: "fleetbake-group"},
			}, nil
		},
		Documents:  app.PolicyDocuments, // no I/O for a workspace discovery made: deterministic
		WriteFiles: func(*FilePlan) error { return nil },
		ApplyAWS: func(ctx context.Context, p *model.Project, ws *Workspace, report func(ResourceEvent)) (func(*model.Project), error) {
			report(ResourceEvent{Kind: "iam-role", Name: "fleetbake-TokenExchangeRole", State: ResourceDone, Detail: "created"})
			report(ResourceEvent{Kind: "role-alias", Name: "fleetbake-TokenExchangeRoleAlias", State: ResourceDone, Detail: "already there"})
			report(ResourceEvent{Kind: "thing-group", Name: "fleetbake-group", State: ResourceFailed,
				Detail: "AccessDeniedException: not authorized to perform iot:CreateThingGroup", Hint: "give this user iot:CreateThingGroup, then press r"})
			return nil, errors.New("1 resource failed")
		},
	}
}

// fakeBuild is a Build whose snapshots the test sends.
type fakeBuild struct {
	ch       chan BuildStatus
	detached bool
	canceled bool
}

func newFakeBuild() *fakeBuild { return &fakeBuild{ch: make(chan BuildStatus, 8)} }

func (b *fakeBuild) Updates() <-chan BuildStatus { return b.ch }
func (b *fakeBuild) Cancel() error               { b.canceled = true; return nil }
func (b *fakeBuild) Detach()                     { b.detached = true }
func (b *fakeBuild) ReattachHint() string        { return "run fleetbake again in this folder to follow it" }

var buildStarted = fixedNow.Add(-12*time.Minute - 5*time.Second)
