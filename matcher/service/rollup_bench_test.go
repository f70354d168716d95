package service

import (
	"testing"
	"time"

	"github.com/allymatch/allymatch/matcher"
)

// BenchmarkRollup times the district roll-up on the generated district
// (55,000 units; the first street's communities proposed): counted from
// nothing (a service that has kept nothing: every meeting counted, the
// whole audit log read), viewed again on the same state, and viewed after
// one answer in the busiest community (one meeting counted again, one
// event read). It reports the time of a view (ms/view), the CPU time the
// process spent on it (cpu-ms/view: every goroutine's, the collector's
// too; on a shared machine it inflates less than the wall time) and the
// meetings counted afresh per view (rebuilt/view). The desk's page around it is
// BenchmarkDeskPages in api/web.
func BenchmarkRollup(b *testing.B) {
	s := districtService(b)
	sn := s.Store.Snapshot()
	var top string
	for a := range sn.AlliancesAt(matcher.District) {
		if a.Parent == "" {
			top = a.ID
			break
		}
	}
	var waiting []*matcher.Claim
	for c := range sn.ClaimsOfMeetingWith(district.busiest, matcher.ClaimProposed) {
		if len(c.AcceptedBy) == 0 {
			waiting = append(waiting, c)
		}
	}
	for _, c := range []struct {
		name   string
		fresh  bool // a new service each view
		answer bool // one answer before each view
	}{{"cold", true, false}, {"same state", false, false}, {"after an answer", false, true}} {
		b.Run(c.name, func(b *testing.B) {
			svc := s
			if _, err := svc.Rollup(matcher.Admin, top); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			var total, cpu time.Duration
			views, built := 0, 0
			for b.Loop() {
				b.StopTimer()
				if c.fresh {
					svc = New(s.Store)
					svc.Now = s.Now
				}
				if c.answer {
					if views >= len(waiting) {
						b.Fatalf("only %d claims to answer", len(waiting))
					}
					w := waiting[views]
					if _, err := s.AnswerClaim(ctx, matcher.UnitActor(w.ResourceUnit), w.ID, Accept, "", ""); err != nil {
						b.Fatal(err)
					}
				}
				before := svc.RollupStats().MeetingsBuilt
				b.StartTimer()
				start, c0 := time.Now(), cpuTime()
				r, err := svc.Rollup(matcher.Admin, top)
				total, cpu = total+time.Since(start), cpu+cpuTime()-c0
				if err != nil {
					b.Fatal(err)
				}
				if r.Demands.Demands == 0 {
					b.Fatal("no demands in the district")
				}
				views++
				built += svc.RollupStats().MeetingsBuilt - before
			}
			b.ReportMetric(float64(total.Microseconds())/1000/float64(views), "ms/view")
			b.ReportMetric(float64(cpu.Microseconds())/1000/float64(views), "cpu-ms/view")
			b.ReportMetric(float64(built)/float64(views), "rebuilt/view")
		})
	}
}
