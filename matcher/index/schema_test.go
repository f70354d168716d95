package index

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	memdb "github.com/allymatch/allymatch/internal/third_party/memdb"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func TestSchemaValid(t *testing.T) {
	if err := Schema().Validate(); err != nil {
		t.Fatalf("Schema().Validate() = %v, want nil", err)
	}
	if _, err := memdb.NewMemDB(Schema()); err != nil {
		t.Fatalf("memdb.NewMemDB(Schema()) = %v, want nil", err)
	}
	for _, name := range Tables {
		if _, ok := Schema().Tables[name]; !ok {
			t.Errorf("Tables lists %q, but the schema has no such table", name)
		}
	}
	if got, want := len(Schema().Tables), len(Tables)+2; got != want { // + meta, changes
		t.Errorf("schema has %d tables, Tables lists %d", got, want)
	}
}

// renderSchema lists every table's indexes, one a line: name, unique or
// not, whether objects may be missing from it, and the indexer's type.
func renderSchema(s *memdb.DBSchema) string {
	var b strings.Builder
	tables := make([]string, 0, len(s.Tables))
	for name := range s.Tables {
		tables = append(tables, name)
	}
	slices.Sort(tables)
	for _, name := range tables {
		fmt.Fprintf(&b, "%s\n", name)
		t := s.Tables[name]
		indexes := make([]string, 0, len(t.Indexes))
		for ix := range t.Indexes {
			indexes = append(indexes, ix)
		}
		slices.Sort(indexes)
		for _, ix := range indexes {
			is := t.Indexes[ix]
			flags := ""
			if is.Unique {
				flags += " unique"
			}
			if is.AllowMissing {
				flags += " allow-missing"
			}
			typ := strings.ReplaceAll(fmt.Sprintf("%T", is.Indexer), "github.com/allymatch/allymatch/", "")
			fmt.Fprintf(&b, "  %-16s %s%s\n", ix, typ, flags)
		}
	}
	return b.String()
}

// TestSchemaGolden: the schema reads as testdata/schema.golden, so that a
// change of the index is seen in review (go test -run SchemaGolden -update
// rewrites it).
func TestSchemaGolden(t *testing.T) {
	got := renderSchema(Schema())
	path := filepath.Join("testdata", "schema.golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run SchemaGolden -update)", err)
	}
	if got != string(want) {
		t.Errorf("the schema differs from %s (go test -run SchemaGolden -update, and review the diff):\n%s", path, got)
	}
}
