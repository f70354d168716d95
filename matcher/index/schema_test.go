package index

import (
	"testing"

	memdb "github.com/hashicorp/go-memdb"
)

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
