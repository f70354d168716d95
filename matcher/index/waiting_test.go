package index

import (
	"slices"
	"testing"
	"time"

	"github.com/allymatch/allymatch/matcher"
)

var t0 = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

// claimAt is a claim of meeting made by run, on a pair of two Longhua
// units, due by due (zero: none).
func claimAt(id, meeting string, run uint64, status matcher.ClaimStatus, due time.Time, accepted ...matcher.Side) *matcher.Claim {
	return &matcher.Claim{ID: id, Resource: "LH-R12", Demand: "LH-D01", ResourceUnit: "lh-committee", DemandUnit: "lh-school",
		Quantity: 1, Origin: matcher.OriginSolver, Status: status, AcceptedBy: accepted, Meeting: meeting, Run: run,
		AnswerBy: due, Created: t0, Updated: t0}
}

func mustIndex(t *testing.T, claims ...*matcher.Claim) Reader {
	t.Helper()
	db, err := New()
	if err != nil {
		t.Fatal(err)
	}
	txn := db.Txn(true)
	for _, c := range claims {
		if err := txn.Insert(TableClaims, c); err != nil {
			t.Fatal(err)
		}
	}
	txn.Commit()
	return NewReader(db.Txn(false))
}

func ids(seq func(func(*matcher.Claim) bool)) []string {
	var out []string
	for c := range seq {
		out = append(out, c.ID)
	}
	return out
}

func TestWaitingIndexes(t *testing.T) {
	day := 24 * time.Hour
	r := mustIndex(t,
		claimAt("lh.5.1", "lh", 5, matcher.ClaimExpired, t0.Add(day)),
		claimAt("lh.9.1", "lh", 9, matcher.ClaimProposed, t0.Add(3*day)),
		claimAt("lh.9.2", "lh", 9, matcher.ClaimProposed, t0.Add(day), matcher.ResourceSide),
		claimAt("lh.9.3", "lh", 9, matcher.ClaimConfirmed, t0.Add(day), matcher.DemandSide, matcher.ResourceSide),
		claimAt("lh.9.4", "lh", 9, matcher.ClaimProposed, time.Time{}, matcher.DemandSide),
		claimAt("lh-2.12.1", "lh-2", 12, matcher.ClaimProposed, t0.Add(2*day)),
		&matcher.Claim{ID: "H.11", Resource: "LH-R12", Demand: "LH-D01", ResourceUnit: "lh-committee", DemandUnit: "lh-school",
			Quantity: 1, Origin: matcher.OriginResource, Status: matcher.ClaimProposed, AcceptedBy: []matcher.Side{matcher.ResourceSide},
			Meeting: "lh", Created: t0, Updated: t0},
	)
	cases := []struct {
		name   string
		got    []string
		expect []string
	}{
		{"waiting for the school", ids(r.ClaimsWaitingFor("lh-school")), []string{"H.11", "lh-2.12.1", "lh.9.1", "lh.9.2"}},
		{"waiting for the committee", ids(r.ClaimsWaitingFor("lh-committee")), []string{"lh-2.12.1", "lh.9.1", "lh.9.4"}},
		{"waiting for a stranger", ids(r.ClaimsWaitingFor("tw-company")), nil},
		{"due by now", ids(r.ClaimsDueBy(t0)), nil},
		{"due within a day", ids(r.ClaimsDueBy(t0.Add(day))), []string{"lh.9.2"}},
		{"due within three days", ids(r.ClaimsDueBy(t0.Add(3 * day))), []string{"lh.9.2", "lh-2.12.1", "lh.9.1"}},
	}
	for _, tc := range cases {
		if !slices.Equal(tc.got, tc.expect) {
			t.Errorf("%s: %v, want %v", tc.name, tc.got, tc.expect)
		}
	}
	for meeting, expect := range map[string]uint64{"lh": 9, "lh-2": 12, "l": 0, "lh-": 0, "tw": 0} {
		if got := r.LastRun(meeting); got != expect {
			t.Errorf("LastRun(%q) = %d, want %d", meeting, got, expect)
		}
	}
}

// A claim's new version moves it in the indexes: answered, it waits no
// more; confirmed, it is due no more.
func TestWaitingIndexesFollowChanges(t *testing.T) {
	db, err := New()
	if err != nil {
		t.Fatal(err)
	}
	put := func(c *matcher.Claim) {
		txn := db.Txn(true)
		if err := txn.Insert(TableClaims, c); err != nil {
			t.Fatal(err)
		}
		txn.Commit()
	}
	due := t0.Add(time.Hour)
	put(claimAt("lh.9.1", "lh", 9, matcher.ClaimProposed, due))
	read := func() Reader { return NewReader(db.Txn(false)) }
	if got := ids(read().ClaimsWaitingFor("lh-school")); !slices.Equal(got, []string{"lh.9.1"}) {
		t.Fatalf("waiting for the school: %v", got)
	}
	put(claimAt("lh.9.1", "lh", 9, matcher.ClaimProposed, due, matcher.DemandSide))
	if got := ids(read().ClaimsWaitingFor("lh-school")); got != nil {
		t.Errorf("after the school's accept, waiting for it: %v", got)
	}
	put(claimAt("lh.9.1", "lh", 9, matcher.ClaimConfirmed, due, matcher.DemandSide, matcher.ResourceSide))
	r := read()
	if got := ids(r.ClaimsWaitingFor("lh-committee")); got != nil {
		t.Errorf("confirmed, waiting for the committee: %v", got)
	}
	if got := ids(r.ClaimsDueBy(due)); got != nil {
		t.Errorf("confirmed, due: %v", got)
	}
}
