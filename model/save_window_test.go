package model

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
)

// TestEditsDuringSaveAreKept: the engineer saves fleetbake.toml (by
// rename, or in place) after fleetbake read it for a save and before the
// new version is in place, many times. SaveUpdate (provision apply,
// rotate-claim) ends with both the edit and its update; Save (the UI)
// keeps the engineer's version and says so. Never is the edit lost.
func TestEditsDuringSaveAreKept(t *testing.T) {
	lost := 0
	for i := range 40 {
		for _, viaUpdate := range []bool{true, false} {
			p, path := savedProject(t)
			marker := fmt.Sprintf("edited-%d", i)
			once := false
			replaceHook = func(string) {
				if once {
					return
				}
				once = true
				data, _ := os.ReadFile(path)
				next := strings.Replace(string(data), `image = "core-image-minimal"`, `image = "`+marker+`"`, 1)
				if i%2 == 0 {
					os.WriteFile(path+".swp", []byte(next), 0o644)
					os.Rename(path+".swp", path)
				} else {
					os.WriteFile(path, []byte(next), 0o644)
				}
			}
			var err error
			if viaUpdate {
				_, err = p.SaveUpdate(func(q *Project) { q.Greengrass.DataEndpoint = "abc-ats.iot.example" })
			} else {
				p.Machine = "qemuarm64"
				err = p.Save()
			}
			replaceHook = nil
			got, lerr := Load(path)
			if lerr != nil {
				t.Fatal(lerr)
			}
			if got.Image != marker {
				lost++
				t.Errorf("run %d (update %v): the edit is lost: image %q, err %v", i, viaUpdate, got.Image, err)
				continue
			}
			var ce *ChangedOnDiskError
			switch {
			case viaUpdate && (err != nil || got.Greengrass.DataEndpoint != "abc-ats.iot.example"):
				t.Errorf("run %d: SaveUpdate did not merge onto the edit: err %v, endpoint %q", i, err, got.Greengrass.DataEndpoint)
			case !viaUpdate && !errors.As(err, &ce):
				t.Errorf("run %d: Save kept the edit but said %v, want ChangedOnDiskError", i, err)
			}
		}
	}
	if lost > 0 {
		t.Errorf("%d of 80 edits lost", lost)
	}
}
