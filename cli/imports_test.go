package cli

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The command line parses flags and prints; the work and its results come
// from package app (DESIGN.md: packages depend downward, app is the only
// one composing generator, provision and engine). A direct import of one
// of those from cli's product files fails here.
func TestCLIImportsAppAndModelOnly(t *testing.T) {
	allowed := map[string]bool{"fleetbake/app": true, "fleetbake/model": true, "fleetbake/ui": true}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		ast, err := parser.ParseFile(fset, f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range ast.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if strings.HasPrefix(path, "fleetbake/") && !allowed[path] {
				t.Errorf("%s imports %s: call package app instead", f, path)
			}
		}
	}
}
