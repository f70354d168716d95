package bench

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/allymatch/allymatch/internal/pgtest"
	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/store"
)

// The PostgreSQL benchmarks run on a server of their own with fsync on
// (pgtest, Durable), as a system of record runs; they are skipped where
// PostgreSQL is not installed (and fail in CI).
var (
	pgOnce sync.Once
	pgSrv  *pgtest.Server
	pgErr  error
)

func durablePostgres(b *testing.B) *pgtest.Server {
	b.Helper()
	pgOnce.Do(func() {
		pgSrv, pgErr = pgtest.Start(pgtest.Options{Durable: true})
		if pgErr == nil {
			cleanups = append(cleanups, pgSrv.Close)
		}
	})
	if pgErr != nil {
		pgtest.Require(b) // skips (fails in CI) when PostgreSQL is absent
		b.Fatal(pgErr)
	}
	return pgSrv
}

// cleanups run at the end of TestMain.
var cleanups []func()

// pgCopy returns the URL of a new database holding d's store.
func pgCopy(b *testing.B, d *dataset) string {
	b.Helper()
	srv := durablePostgres(b)
	u, err := srv.CreateDB()
	if err != nil {
		b.Fatal(err)
	}
	if _, err := store.Copy(context.Background(), store.Options{Dir: d.dir}, store.Options{URL: u}); err != nil {
		b.Fatal(err)
	}
	return u
}

// BenchmarkWrite is one acknowledged write (an item's quantity changed:
// the record and its audit event, committed durably) on the Banan store,
// on each engine.
func BenchmarkWrite(b *testing.B) {
	for _, engine := range []string{"bbolt", "postgres"} {
		b.Run(engine, func(b *testing.B) {
			d := dsBanan.get(b)
			ctx := context.Background()
			opts := store.Options{Dir: filepath.Join(b.TempDir(), "data")}
			if engine == "postgres" {
				opts = store.Options{URL: pgCopy(b, d)}
			} else if _, err := store.Copy(ctx, store.Options{Dir: d.dir}, opts); err != nil {
				b.Fatal(err)
			}
			st, _, err := store.Open(ctx, opts)
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			var id string
			for it := range st.Snapshot().Items() {
				id = it.ID
				break
			}
			b.ReportAllocs()
			n := int64(0)
			for b.Loop() {
				n++
				if _, err := st.Update(ctx, "bench", "edit", nil, func(tx *store.Tx) error {
					it, err := tx.Item(id)
					if err != nil {
						return err
					}
					c := *it
					c.Quantity = 1 + n%50
					return tx.PutItem(c)
				}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/write")
		})
	}
}

// BenchmarkReplicaOpen is the start of a replica: connecting to the
// database, checking its schema, reading every record (and checking it as
// the file's are) and building the index, ready to serve.
func BenchmarkReplicaOpen(b *testing.B) {
	for _, d := range []*dataset{dsBanan, ds1k, ds20k, dsDistrict} {
		b.Run(d.name, func(b *testing.B) {
			d := d.get(b)
			ctx := context.Background()
			opts := store.Options{URL: pgCopy(b, d)}
			var records int
			b.ReportAllocs()
			for b.Loop() {
				st, stats, err := store.Open(ctx, opts)
				if err != nil {
					b.Fatal(err)
				}
				records = stats.Records
				st.Close()
			}
			b.ReportMetric(b.Elapsed().Seconds()*1000/float64(b.N), "ms/open")
			b.ReportMetric(float64(records), "records")
		})
	}
}

// BenchmarkFollow writes on one replica at 200 writes a second and
// measures how long until the other replica serves each write (p50 and
// p99 over the run's writes: run with -benchtime=1000x for a figure).
func BenchmarkFollow(b *testing.B) {
	d := dsBanan.get(b)
	ctx := context.Background()
	opts := store.Options{URL: pgCopy(b, d)}
	w, _, err := store.Open(ctx, opts)
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	r, _, err := store.Open(ctx, opts)
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	var lags []time.Duration
	tick := time.NewTicker(5 * time.Millisecond) // 200 writes/s
	defer tick.Stop()
	n := 0
	b.ReportAllocs()
	for b.Loop() {
		<-tick.C
		n++
		ev, err := w.Update(ctx, "bench", "unit", nil, func(tx *store.Tx) error {
			return tx.PutUnit(matcher.Unit{ID: fmt.Sprintf("follow-%d", n), Name: "跟随测试单位", Kind: matcher.KindAgency, Location: &matcher.GeoPoint{Lat: 29.35, Lon: 106.53}})
		})
		if err != nil {
			b.Fatal(err)
		}
		acked := time.Now()
		wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err = r.WaitSeq(wctx, ev.Seq)
		cancel()
		if err != nil {
			b.Fatalf("the other replica did not follow seq %d: %v", ev.Seq, err)
		}
		lags = append(lags, time.Since(acked))
	}
	slices.Sort(lags)
	q := func(p float64) float64 { return float64(lags[int(p*float64(len(lags)-1))].Microseconds()) / 1000 }
	b.ReportMetric(q(0.5), "ms-p50")
	b.ReportMetric(q(0.99), "ms-p99")
}
