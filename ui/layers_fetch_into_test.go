package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fleetbake/app"
	"fleetbake/internal/layertree"
	"fleetbake/model"
)

// The Layers step names the folder F clones into as app found it for the
// project: sources/ in a plain folder, the setup's layers/ in a
// bitbake-setup folder (model.FetchDir), relative to the project folder.
func TestLayersNamesTheFetchFolder(t *testing.T) {
	// The layers of spec but meta-aws, which is not checked out yet.
	withoutAWS := func(spec layertree.Spec) layertree.Spec {
		var keep []layertree.Layer
		for _, l := range spec.Layers {
			if l.Collection != "meta-aws" {
				keep = append(keep, l)
			}
		}
		spec.Layers = keep
		return spec
	}
	plain := func(t *testing.T) string {
		dir := t.TempDir()
		layertree.Write(t, filepath.Join(dir, "sources"), withoutAWS(layertree.Standard("scarthgap", true)))
		return dir
	}
	bbsetup := func(t *testing.T) string {
		setup := t.TempDir()
		spec := withoutAWS(layertree.BBSetup("wrynose", "2.18"))
		// No bblayers.conf to propose the layers from: the default set,
		// with meta-aws, as in the plain folder.
		delete(spec.Files, "build/conf/bblayers.conf")
		layertree.Write(t, setup, spec)
		layertree.BBSetupLinks(t, setup)
		return setup
	}
	for _, tc := range []struct {
		name string
		dir  func(t *testing.T) string // the project folder
		want string
	}{
		{"plain folder", plain, "into sources/)"},
		{"bitbake-setup folder", bbsetup, "into layers/)"},
		{"below a bitbake-setup folder", func(t *testing.T) string {
			dir := filepath.Join(bbsetup(t), "fleet")
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			return dir
		}, "into ../layers/)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The real discovery and resolution on the tree; the model
			// driven synchronously, so no key races a command.
			svc := Real(RealOptions{})
			fk := fakeServices()
			svc.Identity, svc.PlanFiles, svc.PlanAWS = fk.Identity, fk.PlanFiles, fk.PlanAWS
			p := app.NewProject(filepath.Join(tc.dir(t), model.DefaultFile))
			p.Machine = "qemuarm64"
			m := newTestModel(t, svc, p, true)
			resize(t, m, 80, 24)
			drive(t, m, m.Init())
			drive(t, m, gotoMsg{step: StepLayers})
			screen := frame(t, m)
			// The summary wraps at the terminal's width: compare words.
			if got := strings.Join(strings.Fields(screen), " "); !strings.Contains(got, "not on disk: F fetches them") || !strings.Contains(got, tc.want) {
				t.Errorf("Layers step lacks %q:\n%s", tc.want, screen)
			}
		})
	}
}
