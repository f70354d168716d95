package bundle_test

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/allymatch/allymatch/fixtures/gen"
	"github.com/allymatch/allymatch/matcher/bundle"
)

// benchFile is a generated bundle file, made once per size.
type benchFile struct {
	name  string
	units int
	once  sync.Once
	data  []byte
	err   error
}

var benchFiles = []*benchFile{
	{name: "district 55000 units", units: gen.DefaultUnits},
	{name: "street 5500 units", units: gen.DefaultUnits / 10},
}

// load writes the data set with gen.Write (one record per line, as
// `allymatch gen` does) and keeps its items file, the largest.
func (f *benchFile) load() ([]byte, error) {
	f.once.Do(func() {
		dir, err := os.MkdirTemp("", "allymatch-bench-")
		if err != nil {
			f.err = err
			return
		}
		defer os.RemoveAll(dir)
		if _, f.err = gen.Write(context.Background(), dir, gen.Config{Units: f.units, Seed: 1}, nil); f.err != nil {
			return
		}
		f.data, f.err = os.ReadFile(filepath.Join(dir, gen.ItemsFile))
	})
	return f.data, f.err
}

// BenchmarkDecodeJSON decodes a generated items file (the district's is
// about 250,000 items): the cost of reading an import body.
func BenchmarkDecodeJSON(b *testing.B) {
	for _, f := range benchFiles {
		b.Run(f.name, func(b *testing.B) {
			data, err := f.load()
			if err != nil {
				b.Fatal(err)
			}
			if _, err := bundle.DecodeJSON("items.json", data); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := bundle.DecodeJSON("items.json", data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
