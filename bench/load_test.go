package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/allymatch/allymatch/fixtures"
	"github.com/allymatch/allymatch/fixtures/gen"
	"github.com/allymatch/allymatch/matcher/bundle"
	"github.com/allymatch/allymatch/matcher/store"
)

// districtEnv gates the district-scale data sets (55,000 units, about
// 250,000 items): their setup takes tens of seconds and gigabytes, too much
// for CI's `go test -bench=. ./...`.
const districtEnv = "ALLYMATCH_BENCH_DISTRICT"

// tmpRoot holds every data set's store files; TestMain removes it.
var tmpRoot string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "allymatch-bench-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	tmpRoot = dir
	code := m.Run()
	for _, f := range cleanups {
		f()
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// dataset is one size of data: the bundle and a closed store file holding
// it, built once on first use.
type dataset struct {
	name     string
	units    int  // generated with gen (seed 1); 0 means the Banan sample
	district bool // gated by $ALLYMATCH_BENCH_DISTRICT

	once   sync.Once
	err    error
	bundle *bundle.Bundle
	dir    string // the store's data folder (store closed)
	setup  time.Duration
}

var (
	dsBanan    = &dataset{name: "banan"}
	ds1k       = &dataset{name: "1k units", units: 1000}
	ds20k      = &dataset{name: "20k units", units: 20000}
	dsDistrict = &dataset{name: "district 55000 units", units: gen.DefaultUnits, district: true}
)

// get returns the data set built, skips b when the set is gated off, and
// fails b when the setup failed.
func (d *dataset) get(b testing.TB) *dataset {
	b.Helper()
	if d.district && os.Getenv(districtEnv) != "1" {
		b.Skipf("district-scale data: set %s=1 to run", districtEnv)
	}
	d.once.Do(func() {
		d.build()
		if d.err == nil {
			b.Logf("%s: %d records, set up in %s", d.name, d.bundle.Len(), d.setup.Round(time.Millisecond))
		}
	})
	if d.err != nil {
		b.Fatalf("setup %s: %v", d.name, d.err)
	}
	return d
}

func (d *dataset) build() {
	start := time.Now()
	if d.units == 0 {
		d.bundle, d.err = fixtures.Banan()
	} else {
		d.bundle, d.err = gen.Generate(gen.Config{Units: d.units, Seed: 1})
	}
	if d.err != nil {
		return
	}
	d.dir, d.err = os.MkdirTemp(tmpRoot, "store-")
	if d.err != nil {
		return
	}
	d.err = importInto(d.dir, d.bundle)
	d.setup = time.Since(start)
}

// importInto imports b into a new store in dir.
func importInto(dir string, b *bundle.Bundle) error {
	ctx := context.Background()
	st, _, err := store.Open(ctx, store.Options{Dir: dir})
	if err != nil {
		return err
	}
	if _, err := st.Import(ctx, b, "bench"); err != nil {
		st.Close()
		return err
	}
	return st.Close()
}

// liveHeap returns the live heap after full collections (two: objects
// kept only by a finalizer are freed by the second).
func liveHeap() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

const mib = 1 << 20

// BenchmarkStoreOpen measures a restart: opening the bbolt file, checking
// it and rebuilding the in-memory index from it. MiB-heap is the live heap
// the open store holds (after a GC, less the heap before Open).
func BenchmarkStoreOpen(b *testing.B) {
	for _, d := range []*dataset{dsBanan, ds1k, ds20k, dsDistrict} {
		b.Run(d.name, func(b *testing.B) {
			d := d.get(b)
			ctx := context.Background()
			opts := store.Options{Dir: d.dir}

			// The heap the open store holds, measured once outside the loop.
			base := liveHeap()
			st, stats, err := store.Open(ctx, opts)
			if err != nil {
				b.Fatalf("open: %v", err)
			}
			held := liveHeap()
			runtime.KeepAlive(st)
			if err := st.Close(); err != nil {
				b.Fatal(err)
			}
			if stats.Records < d.bundle.Len() {
				b.Fatalf("open loaded %d records, the bundle has %d", stats.Records, d.bundle.Len())
			}

			b.ReportAllocs()
			for b.Loop() {
				st, _, err := store.Open(ctx, opts)
				if err != nil {
					b.Fatal(err)
				}
				st.Close()
			}
			b.ReportMetric(b.Elapsed().Seconds()*1000/float64(b.N), "ms/open")
			b.ReportMetric(float64(stats.Records), "records")
			b.ReportMetric(float64(int64(held)-int64(base))/mib, "MiB-heap")
			if fi, err := os.Stat(filepath.Join(d.dir, store.FileName)); err == nil {
				b.ReportMetric(float64(fi.Size())/mib, "MiB-file")
			}
		})
	}
}

// BenchmarkImport stores a whole bundle into an empty store: validation,
// the index and one synced bbolt transaction. Creating the empty store is
// not timed.
func BenchmarkImport(b *testing.B) {
	for _, d := range []*dataset{dsBanan, ds1k, ds20k, dsDistrict} {
		b.Run(d.name, func(b *testing.B) {
			d := d.get(b)
			ctx := context.Background()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				b.StopTimer()
				dir := filepath.Join(tmpRoot, fmt.Sprintf("import-%d", i))
				i++
				st, _, err := store.Open(ctx, store.Options{Dir: dir})
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				if _, err := st.Import(ctx, d.bundle, "bench"); err != nil {
					b.Fatalf("import: %v", err)
				}
				b.StopTimer()
				st.Close()
				os.RemoveAll(dir)
				b.StartTimer()
			}
			b.ReportMetric(b.Elapsed().Seconds()*1000/float64(b.N), "ms/import")
			b.ReportMetric(float64(d.bundle.Len()), "records")
		})
	}
}
