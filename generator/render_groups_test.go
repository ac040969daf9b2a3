package generator

import (
	"io/fs"
	"path"
	"testing"

	"fleetbake/templates"
)

// Templates are parsed a group at a time (loadTemplates): every file must
// be found in its group, no base name may be in two groups (render names a
// template by base name), and an unknown name is an error.
func TestEveryTemplateFileLoadsFromItsGroup(t *testing.T) {
	seen := map[string]string{}
	for _, g := range templateGroups {
		files, err := fs.Glob(templates.FS, g)
		if err != nil || len(files) == 0 {
			t.Fatalf("group %s: %v files, %v", g, files, err)
		}
		for _, f := range files {
			name := path.Base(f)
			if other, dup := seen[name]; dup {
				t.Errorf("%s is in %s and %s", name, other, g)
			}
			seen[name] = g
			tm, err := loadTemplates(name)
			if err != nil || tm.Lookup(name) == nil {
				t.Errorf("%s: %v", f, err)
			}
		}
	}
	if _, err := loadTemplates("no-such.tmpl"); err == nil {
		t.Error("an unknown template name loaded")
	}
}
