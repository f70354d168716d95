package bench

import (
	"context"
	"fmt"
	"runtime/metrics"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/match"
	"github.com/allymatch/allymatch/matcher/store"
)

// snapshots holds, per data set, the index a pipeline benchmark reads: the
// store is opened from the data set's file, a snapshot taken and the store
// closed again (a snapshot is in-memory and never changes).
var snapshots sync.Map // *dataset → func() (store.Snapshot, error)

func snapshotOf(b testing.TB, d *dataset) store.Snapshot {
	b.Helper()
	f, _ := snapshots.LoadOrStore(d, sync.OnceValues(func() (store.Snapshot, error) {
		st, _, err := store.Open(context.Background(), store.Options{Dir: d.dir})
		if err != nil {
			return store.Snapshot{}, err
		}
		sn := st.Snapshot()
		return sn, st.Close()
	}))
	sn, err := f.(func() (store.Snapshot, error))()
	if err != nil {
		b.Fatalf("open %s: %v", d.name, err)
	}
	return sn
}

// meeting is what one pipeline benchmark matches: one joint meeting, or a
// list of them run one after the other (the whole district's matching).
type meeting struct {
	name string
	ids  func(sn store.Snapshot) []string
}

func one(id string) func(store.Snapshot) []string {
	return func(store.Snapshot) []string { return []string{id} }
}

// firstAt returns the first alliance (by id) at level l.
func firstAt(l matcher.Level) func(store.Snapshot) []string {
	return func(sn store.Snapshot) []string { return allAt(l)(sn)[:1] }
}

// allAt returns every alliance at the given levels, by id.
func allAt(levels ...matcher.Level) func(store.Snapshot) []string {
	return func(sn store.Snapshot) []string {
		var ids []string
		for a := range sn.Alliances() {
			if slices.Contains(levels, a.Level) {
				ids = append(ids, a.ID)
			}
		}
		slices.Sort(ids)
		return ids
	}
}

// Generated data (fixtures/gen) puts about 92% of the items of community
// units at the community level, so the district meeting A-D matches only
// the few items escalated to it (and those of district units); most of the
// work is in the community meetings. "all meetings" runs every joint
// meeting of every level once: the district's whole matching.
var genMeetings = []meeting{
	{"district A-D", one("A-D")},
	{"first street", firstAt(matcher.Street)},
	{"first community", firstAt(matcher.Community)},
	{"all meetings", allAt(matcher.District, matcher.Street, matcher.Community)},
}

var pipelineSets = []struct {
	d        *dataset
	meetings []meeting
}{
	{dsBanan, []meeting{{"lh", one("lh")}, {"bn-district", one("bn-district")}, {"all meetings", allAt(matcher.District, matcher.Street, matcher.Community)}}},
	{ds1k, genMeetings},
	{ds20k, genMeetings},
	{dsDistrict, genMeetings},
}

// runAll matches every meeting of ids (match.RunMany: independent meetings
// on all CPUs) and sums their statistics.
func runAll(sn store.Snapshot, ids []string, set match.Settings) (match.Stats, error) {
	var sum match.Stats
	results, err := match.RunMany(context.Background(), sn.Reader, sn.Vocab, ids, set)
	if err != nil {
		return sum, err
	}
	for i, res := range results {
		id := ids[i]
		if !res.Optimal {
			return sum, fmt.Errorf("meeting %s: not solved to optimality", id)
		}
		if c := res.Certificate; (set.Mode == match.Welfare || set.Mode == match.Coverage) && (c == nil || !c.Certified) {
			return sum, fmt.Errorf("meeting %s: plan not certified: %+v", id, c)
		}
		if set.Mode == match.Stable && (res.BlockingPairs == nil || *res.BlockingPairs != 0) {
			return sum, fmt.Errorf("meeting %s: stable plan with blocking pairs %+v", id, res.Blocking)
		}
		s := res.Stats
		sum.Demands += s.Demands
		sum.Resources += s.Resources
		sum.Edges += s.Edges
		sum.Components += s.Components
		sum.Pivots += s.Pivots
		sum.Solves += s.Solves
		sum.Candidates += s.Candidates
		sum.Solve += s.Solve
	}
	return sum, nil
}

// heapDuring runs f while sampling the heap every millisecond. peak is the
// most heap in use (live objects and garbage not yet collected) and live the
// largest live heap a collection found, both less the live heap before f.
// peak depends on GOGC and on everything else the process holds (the heap
// may grow to twice the live heap before a collection); live does not, but
// is 0 when no collection ran during f.
func heapDuring(f func()) (peak, live uint64) {
	base := liveHeap()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/gc/heap/live:bytes"}}
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(sample)
			peak = max(peak, sample[0].Value.Uint64())
			live = max(live, sample[1].Value.Uint64())
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	f()
	close(stop)
	<-done
	return max(peak, base) - base, max(live, base) - base
}

// BenchmarkPipeline runs match.Run (scope, instance, candidates, scores,
// solve, projects, explanations) by data set, meeting and mode. Metrics are
// per op, summed over the meetings of the op: the instance (demands,
// resources, candidate edges), the solver's components and pivots, the
// time match.Stats puts on candidate generation and on solving, the CPU
// time of the whole process per op (cpu-ms: the collector's too, and not
// inflated by waiting for a core on a shared machine), and the
// heap one op needs above the index it reads (see heapDuring: MiB-peak and
// MiB-live).
func BenchmarkPipeline(b *testing.B) {
	for _, ps := range pipelineSets {
		b.Run(ps.d.name, func(b *testing.B) {
			d := ps.d.get(b)
			sn := snapshotOf(b, d)
			for _, m := range ps.meetings {
				ids := m.ids(sn)
				b.Run(m.name, func(b *testing.B) {
					for _, mode := range []match.Mode{match.Welfare, match.Coverage, match.Stable} {
						b.Run(string(mode), func(b *testing.B) {
							set := match.DefaultSettings()
							set.Mode = mode
							var st match.Stats
							var err error
							peak, live := heapDuring(func() { st, err = runAll(sn, ids, set) })
							if err != nil {
								b.Fatal(err)
							}
							if st.Demands == 0 || st.Resources == 0 || st.Edges == 0 {
								b.Fatalf("%s %v: nothing to match: %d demands, %d resources, %d edges",
									d.name, ids[:min(3, len(ids))], st.Demands, st.Resources, st.Edges)
							}
							var cand, solve time.Duration
							pivots := 0
							b.ReportAllocs()
							c0 := cpuTime()
							for b.Loop() {
								st, err = runAll(sn, ids, set)
								if err != nil {
									b.Fatal(err)
								}
								cand += st.Candidates
								solve += st.Solve
								pivots += st.Pivots
							}
							n := float64(b.N)
							b.ReportMetric(float64((cpuTime()-c0).Microseconds())/1000/n, "cpu-ms")
							b.ReportMetric(float64(len(ids)), "meetings")
							b.ReportMetric(float64(st.Demands), "demands")
							b.ReportMetric(float64(st.Resources), "resources")
							b.ReportMetric(float64(st.Edges), "edges")
							b.ReportMetric(float64(st.Components), "components")
							b.ReportMetric(float64(pivots)/n, "pivots/op")
							b.ReportMetric(cand.Seconds()*1000/n, "cand-ms")
							b.ReportMetric(solve.Seconds()*1000/n, "solve-ms")
							b.ReportMetric(float64(peak)/mib, "MiB-peak")
							b.ReportMetric(float64(live)/mib, "MiB-live")
						})
					}
				})
			}
		})
	}
}

// TestCertificatesVerify: every welfare and coverage plan of every meeting
// of the generated data sets carries a certificate that match.Verify,
// rebuilding the network from the store without the solver, accepts (the
// district with $ALLYMATCH_BENCH_DISTRICT=1).
func TestCertificatesVerify(t *testing.T) {
	for _, d := range []*dataset{ds1k, dsDistrict} {
		t.Run(d.name, func(t *testing.T) {
			sn := snapshotOf(t, d.get(t))
			var ids []string
			for a := range sn.Alliances() {
				ids = append(ids, a.ID)
			}
			for _, mode := range []match.Mode{match.Welfare, match.Coverage} {
				set := match.DefaultSettings()
				set.Mode = mode
				results, err := match.RunMany(context.Background(), sn.Reader, sn.Vocab, ids, set)
				if err != nil {
					t.Fatal(err)
				}
				for _, res := range results {
					if err := match.Verify(context.Background(), sn.Reader, sn.Vocab, res); err != nil {
						t.Fatalf("%s %s: %v", res.Meeting, mode, err)
					}
				}
			}
			t.Logf("%d meetings × 2 modes verified", len(ids))
		})
	}
}
