package service

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/match"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got (indented JSON) with testdata/name, rewritten with
// -update.
func golden(t *testing.T, name string, got any) {
	t.Helper()
	b, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	b = append(b, '\n')
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -run %s -update writes it)", err, t.Name())
	}
	if string(b) != string(want) {
		t.Errorf("%s differs (go test -run %s -update, and review the diff); got\n%s", path, t.Name(), b)
	}
}

// clock sets s's time to t0 and returns a function that moves it on.
func clock(s *Service) (t0 time.Time, advance func(time.Duration) time.Time) {
	now := s.Now()
	s.Now = func() time.Time { return now }
	return now, func(d time.Duration) time.Time { now = now.Add(d); return now }
}

// TestAnswerDeadline: the coordinator proposes with a deadline, proposes
// again (the new proposals keep it), moves it; the meeting then shows who
// has not answered, and what is overdue.
func TestAnswerDeadline(t *testing.T) {
	s := newService(t)
	t0, advance := clock(s)
	lh := matcher.Coordinator("lh")
	due1 := t0.Add(48 * time.Hour)
	pr1, err := s.ProposeBy(ctx, lh, "lh", match.DefaultSettings(), due1)
	if err != nil {
		t.Fatal(err)
	}
	p1 := planOf(t, s, pr1)
	if !p1.AnswerBy.Equal(due1) {
		t.Errorf("Proposals.AnswerBy = %s, want %s", p1.AnswerBy, due1)
	}
	run := s.Store.Seq()
	for _, c := range p1.Claims {
		if !c.AnswerBy.Equal(due1) || c.Run != run {
			t.Errorf("claim %s: answer_by %s run %d, want %s and the run's store index %d", c.ID, c.AnswerBy, c.Run, due1, run)
		}
	}
	// The committee accepts its escort claim: it waits for the school.
	kept := claimOn(t, p1, "LH-D01")
	if _, err := s.AnswerClaim(ctx, matcher.UnitActor(kept.ResourceUnit), kept.ID, Accept, "", ""); err != nil {
		t.Fatal(err)
	}

	// A second run an hour later replaces the unanswered proposals; the
	// new ones keep the meeting's deadline.
	advance(time.Hour)
	p2 := mustPropose(t, s, lh, "lh")
	if len(p2.Claims) == 0 || !p2.AnswerBy.Equal(due1) {
		t.Fatalf("second run: %d claims due %s, want some due %s", len(p2.Claims), p2.AnswerBy, due1)
	}
	for _, c := range p2.Claims {
		if !c.AnswerBy.Equal(due1) {
			t.Errorf("new claim %s due %s, want the meeting's %s", c.ID, c.AnswerBy, due1)
		}
	}

	// Bad deadlines, strangers, a meeting with nothing waiting.
	advance(time.Hour)
	cases := []struct {
		name                    string
		actor                   matcher.Actor
		meeting                 string
		due                     time.Time
		expectCode, expectField string
	}{
		{"in the past", lh, "lh", t0, matcher.EINVALID, "answer_by"},
		{"now", lh, "lh", s.Now(), matcher.EINVALID, "answer_by"},
		{"too far ahead", lh, "lh", s.Now().Add(400 * 24 * time.Hour), matcher.EINVALID, "answer_by"},
		{"a foreign coordinator", matcher.Coordinator("tw"), "lh", due1, matcher.ENOTFOUND, ""},
		{"a unit", matcher.UnitActor("lh-school"), "lh", due1, matcher.ENOTFOUND, ""},
		{"nothing waits", matcher.Coordinator("tw"), "tw", due1, matcher.ECONFLICT, ""},
	}
	for _, tc := range cases {
		refuse(t, s, "SetDeadline: "+tc.name, tc.expectCode, tc.expectField, func() error {
			_, err := s.SetDeadline(ctx, tc.actor, tc.meeting, tc.due)
			return err
		})
	}
	refuse(t, s, "ProposeBy in the past", matcher.EINVALID, "answer_by", func() error {
		_, err := s.ProposeBy(ctx, lh, "lh", match.DefaultSettings(), t0)
		return err
	})

	// The coordinator moves the deadline forward for every waiting claim.
	due2 := t0.Add(24 * time.Hour)
	d, err := s.SetDeadline(ctx, lh, "lh", due2)
	if err != nil {
		t.Fatal(err)
	}
	if d.Claims != len(p2.Claims)+1 || !d.AnswerBy.Equal(due2) {
		t.Errorf("SetDeadline = %+v, want %d claims due %s", d, len(p2.Claims)+1, due2)
	}
	seq := s.Store.Seq()
	if again, err := s.SetDeadline(ctx, lh, "lh", due2); err != nil || again.Claims != d.Claims || s.Store.Seq() != seq {
		t.Errorf("the same deadline again = %+v, %v (seq %d → %d); want the same answer, nothing written", again, err, seq, s.Store.Seq())
	}
	sn := s.Store.Snapshot()
	if got := MeetingDeadline(sn.Reader, "lh"); !got.Equal(due2) {
		t.Errorf("MeetingDeadline = %s, want %s", got, due2)
	}

	// Before the deadline nothing is overdue; after it, everything.
	w, err := s.MeetingWaiting(lh, "lh")
	if err != nil || w.Claims != d.Claims || w.Overdue != 0 {
		t.Fatalf("MeetingWaiting before the deadline = %+v, %v; want %d claims, none overdue", w, err, d.Claims)
	}
	advance(28 * time.Hour) // t0 + 30h
	w, err = s.MeetingWaiting(matcher.Coordinator("st-lzw"), "lh")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "waiting-lh.golden", w)
	var due []string
	for c := range s.Store.Snapshot().ClaimsDueBy(s.Now()) {
		due = append(due, c.ID)
	}
	if len(due) != d.Claims {
		t.Errorf("ClaimsDueBy(now) = %d claims, want the %d overdue", len(due), d.Claims)
	}
	if _, err := s.MeetingWaiting(matcher.Coordinator("tw"), "lh"); matcher.ErrorCode(err) != matcher.ENOTFOUND {
		t.Errorf("a foreign coordinator's MeetingWaiting = %v, want not found", err)
	}

	// What waits for the school (on either side): the committee's
	// accepted claim first (the oldest), then the rest by id; all overdue.
	q, err := s.UnitWaitingFor(matcher.UnitActor("lh-school"), "lh-school")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, wc := range q.Items {
		got = append(got, wc.Claim.ID)
		if wc.Claim.UnitOf(wc.Side) != "lh-school" || wc.Claim.Accepted(wc.Side) || !wc.Overdue {
			t.Errorf("claim %s: side %s overdue %v, want the school's side, not accepted, overdue", wc.Claim.ID, wc.Side, wc.Overdue)
		}
	}
	var want []string
	for _, c := range p2.Claims {
		if c.DemandUnit == "lh-school" || c.ResourceUnit == "lh-school" {
			want = append(want, c.ID)
		}
	}
	slices.Sort(want)
	want = append([]string{kept.ID}, want...)
	if !slices.Equal(got, want) || q.Overdue != len(want) {
		t.Errorf("waiting for the school: %v (%d overdue), want %v, all overdue", got, q.Overdue, want)
	}
	for _, tc := range []struct {
		actor matcher.Actor
		code  string
	}{
		{matcher.Coordinator("lh"), ""}, {matcher.Admin, ""},
		{matcher.UnitActor("lh-bank"), matcher.ENOTFOUND}, {matcher.Coordinator("tw"), matcher.ENOTFOUND},
	} {
		if _, err := s.UnitWaitingFor(tc.actor, "lh-school"); matcher.ErrorCode(err) != tc.code {
			t.Errorf("%s: UnitWaitingFor(lh-school) = %v, want code %q", tc.actor, err, tc.code)
		}
	}

	// Past the deadline, a new run sets none of its own.
	p3 := mustPropose(t, s, lh, "lh")
	for _, c := range p3.Claims {
		if !c.AnswerBy.IsZero() {
			t.Errorf("claim %s of a run after the deadline is due %s, want none", c.ID, c.AnswerBy)
		}
	}
}

// ProposeBy also moves the deadline of the claims it keeps (one side
// accepted them).
func TestProposeByMovesKeptClaims(t *testing.T) {
	s := newService(t)
	t0, _ := clock(s)
	lh := matcher.Coordinator("lh")
	p1 := mustPropose(t, s, lh, "lh")
	kept := claimOn(t, p1, "LH-D01")
	if _, err := s.AnswerClaim(ctx, matcher.UnitActor(kept.DemandUnit), kept.ID, Accept, "", ""); err != nil {
		t.Fatal(err)
	}
	due := t0.Add(72 * time.Hour)
	if _, err := s.ProposeBy(ctx, lh, "lh", match.DefaultSettings(), due); err != nil {
		t.Fatal(err)
	}
	if c, _ := s.Store.Snapshot().Claim(kept.ID); !c.AnswerBy.Equal(due) || c.Status != matcher.ClaimProposed {
		t.Errorf("kept claim: %s due %s, want proposed, due %s", c.Status, c.AnswerBy, due)
	}
}
