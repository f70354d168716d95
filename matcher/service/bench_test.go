package service

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/allymatch/allymatch/fixtures/gen"
	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/match"
	"github.com/allymatch/allymatch/matcher/store"
)

// district is a generated district (55,000 units) whose first street's
// community meetings have proposed with a deadline, built once.
var district struct {
	once    sync.Once
	s       *Service
	street  string
	busiest string // the community meeting with the most claims waiting
	unit    string // the unit with the most claims waiting for it there
	err     error
}

func districtService(b *testing.B) *Service {
	b.Helper()
	district.once.Do(func() {
		bd, err := gen.Generate(gen.Config{Units: gen.DefaultUnits, Seed: 1})
		if err != nil {
			district.err = err
			return
		}
		st, _, err := store.Open(ctx, store.Options{Dir: b.TempDir()})
		if err != nil {
			district.err = err
			return
		}
		if _, err := st.Import(ctx, bd, "bench"); err != nil {
			district.err = err
			return
		}
		s := New(st)
		now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
		s.Now = func() time.Time { return now }
		sn := st.Snapshot()
		for a := range sn.AlliancesAt(matcher.Street) {
			district.street = a.ID
			break
		}
		most := -1
		for a := range sn.Children(district.street) {
			p, err := s.ProposeBy(ctx, matcher.Admin, a.ID, match.DefaultSettings(), now.Add(48*time.Hour))
			if err != nil {
				district.err = err
				return
			}
			if p.Totals.Proposals > most {
				most, district.busiest = p.Totals.Proposals, a.ID
			}
		}
		w, err := s.MeetingWaiting(matcher.Admin, district.busiest)
		if err != nil || len(w.Units) == 0 {
			district.err = fmt.Errorf("waiting of %s: %+v, %v", district.busiest, w, err)
			return
		}
		district.unit = w.Units[0].Unit
		now = now.Add(72 * time.Hour) // everything overdue
		district.s = s
	})
	if district.err != nil {
		b.Fatal(district.err)
	}
	return district.s
}

// BenchmarkWaiting times the reads of who has not answered on a generated
// district (55,000 units) whose first street's communities proposed:
// the busiest meeting's per-unit summary, its busiest unit's list, and
// the overdue claims of the whole store through the deadline index.
func BenchmarkWaiting(b *testing.B) {
	s := districtService(b)
	b.Run("meeting", func(b *testing.B) {
		b.ReportAllocs()
		var claims int
		for b.Loop() {
			w, err := s.MeetingWaiting(matcher.Admin, district.busiest)
			if err != nil {
				b.Fatal(err)
			}
			claims = w.Claims
		}
		b.ReportMetric(float64(claims), "claims")
	})
	b.Run("unit", func(b *testing.B) {
		b.ReportAllocs()
		var n int
		for b.Loop() {
			q, err := s.UnitWaitingFor(matcher.Admin, district.unit)
			if err != nil {
				b.Fatal(err)
			}
			n = len(q.Items)
		}
		b.ReportMetric(float64(n), "claims")
	})
	b.Run("overdue", func(b *testing.B) {
		b.ReportAllocs()
		var n int
		for b.Loop() {
			n = 0
			for range s.Store.Snapshot().ClaimsDueBy(s.now()) {
				n++
			}
		}
		b.ReportMetric(float64(n), "claims")
	})
}

// BenchmarkEscalateStreet times the implicit escalation of a generated
// street meeting (its scope's demands walked, nothing at its level seen:
// every one held back), the write's worst case of reading.
func BenchmarkEscalateStreet(b *testing.B) {
	s := districtService(b)
	b.ReportAllocs()
	var held int
	for b.Loop() {
		esc, err := s.Escalate(ctx, matcher.Admin, district.street)
		if err != nil {
			b.Fatal(err)
		}
		held = len(esc.Held)
	}
	b.ReportMetric(float64(held), "held")
}
