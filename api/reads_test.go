package api

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// No handler or page takes a snapshot of the store itself: its reads come
// from the service (a service.View, or the snapshot a service read such
// as Meeting or WritableUnit handed out with its record), so that what it
// shows went through the caller's visibility, and the scenarios through
// service.Scenarios. A .Snapshot() call in api/ or api/web would read
// around both.
func TestNoSnapshotInHandlers(t *testing.T) {
	fset := token.NewFileSet()
	n := 0
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		n++
		ast.Inspect(f, func(x ast.Node) bool {
			if call, ok := x.(*ast.CallExpr); ok {
				if sel, ok := call.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Snapshot" {
					t.Errorf("%s: a handler or page takes a snapshot of the store itself; read through the service instead (Service.View, or the snapshot a service read hands out), so that the caller's visibility applies", fset.Position(call.Pos()))
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 20 {
		t.Fatalf("read %d Go files under api/; the walk missed the handlers", n)
	}
}
