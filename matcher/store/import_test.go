package store

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/allymatch/allymatch/fixtures"
	"github.com/allymatch/allymatch/fixtures/gen"
	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/bundle"
	"github.com/allymatch/allymatch/matcher/index"
)

// TestImportDoesNotMoveRecords: an import that gives a stored item or
// project another unit is a conflict naming the record's unit, and
// nothing is stored.
func TestImportDoesNotMoveRecords(t *testing.T) {
	s := mustOpen(t, t.TempDir())
	if _, err := s.Import(ctx, fixtures.Small(), "test"); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name         string
		givenBundle  func() *bundle.Bundle
		expectCode   string
		expectRecord string
		expectMsg    string
	}{
		{
			name: "item",
			givenBundle: func() *bundle.Bundle {
				it := fixtures.Item() // of lh-school
				it.Unit, it.Title = "lh-committee", "搬到居委会的护学需求"
				return &bundle.Bundle{Format: bundle.Format, Items: []matcher.Item{*fixtures.Resource(), *it}}
			},
			expectCode:   matcher.ECONFLICT,
			expectRecord: "items[1] (id LH-D01)",
			expectMsg:    `item "LH-D01" belongs to unit "lh-school", not "lh-committee"; an import does not move records between units`,
		},
		{
			name: "project",
			givenBundle: func() *bundle.Bundle {
				pr := fixtures.Project() // of lh-committee
				pr.Unit = "lh-school"
				return &bundle.Bundle{Format: bundle.Format, Projects: []matcher.Project{*pr}}
			},
			expectCode:   matcher.ECONFLICT,
			expectRecord: "projects[0] (id LH-P01)",
			expectMsg:    `project "LH-P01" belongs to unit "lh-committee", not "lh-school"; an import does not move records between units`,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			seq := s.Seq()
			_, err := s.Import(ctx, tc.givenBundle(), "test")
			var be *bundle.Error
			if !errors.As(err, &be) || len(be.Problems) != 1 {
				t.Fatalf("Import = %v, want one problem", err)
			}
			p := be.Problems[0]
			if got := matcher.ErrorCode(err); got != tc.expectCode || p.Record != tc.expectRecord || p.Field != "unit" || p.Msg != tc.expectMsg || p.Code != tc.expectCode {
				t.Errorf("Import = %s %+v\nwant %s %s: unit: %s", got, p, tc.expectCode, tc.expectRecord, tc.expectMsg)
			}
			if s.Seq() != seq {
				t.Error("a refused import changed the store")
			}
		})
	}
	if it, _ := s.Snapshot().Item("LH-D01"); it.Unit != "lh-school" {
		t.Errorf("LH-D01 is now of %s", it.Unit)
	}
}

// TestImportMovesIntoEmptyTables: the check that an import does not move
// a record reads the record stored before the import. Into tables that
// were empty (filled in bulk) it finds none, and a bundle cannot move a
// record within itself: an id listed twice, with two units, is refused as
// such before any put (the bulk insert would refuse the repeated key with
// no record named), and nothing is stored. Once stored, the records are
// not moved by the next import.
func TestImportMovesIntoEmptyTables(t *testing.T) {
	s := mustOpen(t, t.TempDir())
	base := fixtures.Small()
	base.Projects, base.Items, base.Claims = nil, nil, nil
	if _, err := s.Import(ctx, base, "test"); err != nil {
		t.Fatal(err)
	}
	it := fixtures.Item() // of lh-school
	twice := *it
	twice.Unit = "lh-committee"
	pr := fixtures.Project() // of lh-committee
	prTwice := *pr
	prTwice.Unit = "lh-school"
	seq := s.Seq()
	_, err := s.Import(ctx, &bundle.Bundle{Format: bundle.Format, Projects: []matcher.Project{*pr, prTwice}, Items: []matcher.Item{*it, twice}}, "test")
	var be *bundle.Error
	if !errors.As(err, &be) || len(be.Problems) != 2 {
		t.Fatalf("an id listed twice: %v, want two problems", err)
	}
	for i, want := range []string{"projects[1] (id LH-P01)", "items[1] (id LH-D01)"} {
		if p := be.Problems[i]; p.Record != want || p.Field != "id" || !strings.Contains(p.Msg, "used twice") {
			t.Errorf("problem %d: %+v, want %s: id: used twice", i, p, want)
		}
	}
	if s.Seq() != seq || s.Snapshot().Count(index.TableItems) != 0 {
		t.Fatal("a refused import changed the store")
	}
	if _, err := s.Import(ctx, &bundle.Bundle{Format: bundle.Format, Projects: []matcher.Project{*pr}, Items: []matcher.Item{*it}}, "test"); err != nil {
		t.Fatalf("into the empty tables: %v", err)
	}
	_, err = s.Import(ctx, &bundle.Bundle{Format: bundle.Format, Items: []matcher.Item{twice}}, "test")
	if matcher.ErrorCode(err) != matcher.ECONFLICT || !strings.Contains(err.Error(), `item "LH-D01" belongs to unit "lh-school", not "lh-committee"`) {
		t.Fatalf("moving the stored item: %v, want ECONFLICT", err)
	}
}

// TestImportProblemsCap: an import with more problems than
// matcher.MaxProblems lists the first ones and counts the rest.
func TestImportProblemsCap(t *testing.T) {
	s := mustOpen(t, t.TempDir())
	if _, err := s.Import(ctx, fixtures.Small(), "test"); err != nil {
		t.Fatal(err)
	}
	b := &bundle.Bundle{Format: bundle.Format}
	for i := range 2500 {
		it := fixtures.Item()
		it.ID, it.Unit = fmt.Sprintf("X-%04d", i), "no-such-unit"
		b.Items = append(b.Items, *it)
	}
	_, err := s.Import(ctx, b, "test")
	var be *bundle.Error
	if !errors.As(err, &be) {
		t.Fatalf("Import = %v (%T), want a *bundle.Error", err, err)
	}
	if len(be.Problems) != matcher.MaxProblems || be.More != 1500 {
		t.Fatalf("Import = %d problems and %d more, want %d and 1500", len(be.Problems), be.More, matcher.MaxProblems)
	}
	if p := be.Problems[0]; p.Record != "items[0] (id X-0000)" || p.Field != "unit" {
		t.Errorf("first problem = %s, want items[0] (id X-0000): unit", p)
	}
}

// TestImportCheckedKeepsProblems: the problems of ImportChecked's check,
// already located, come back as they are, every one of them.
func TestImportCheckedKeepsProblems(t *testing.T) {
	s := mustOpen(t, t.TempDir())
	want := &bundle.Error{Problems: []bundle.Problem{
		{Record: "items[0] (id LH-D01)", Field: "unit", Msg: "no unit \"x\" in this meeting"},
		{Record: "items[1] (id LH-R12)", Field: "unit", Msg: "no unit \"y\" in this meeting"},
	}}
	b := &bundle.Bundle{Format: bundle.Format, Items: []matcher.Item{*fixtures.Item(), *fixtures.Resource()}}
	_, err := s.ImportChecked(ctx, b, "test", nil, func(*Tx) error { return want })
	var be *bundle.Error
	if !errors.As(err, &be) || len(be.Problems) != 2 || be.Problems[1].String() != want.Problems[1].String() {
		t.Fatalf("ImportChecked = %v, want the check's two problems", err)
	}
}

// TestLargeImport: an import into a new store, its tables filled in bulk,
// its records validated once and checked by several workers, stores what
// the puts one by one and one checker store, and refuses a bundle with the
// very error they give.
func TestLargeImport(t *testing.T) {
	b, err := gen.Generate(gen.Config{Units: 4000, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	if b.Len() < parallelCheck {
		t.Fatalf("the bundle has %d records, fewer than the %d of a parallel check", b.Len(), parallelCheck)
	}
	classic := func(fn func()) {
		defer func(bulk bool, par int) { bulkImports, parallelCheck = bulk, par }(bulkImports, parallelCheck)
		bulkImports, parallelCheck = false, 1<<62
		fn()
	}
	fast := mustOpen(t, t.TempDir())
	if _, err := fast.Import(ctx, b, "test"); err != nil {
		t.Fatal(err)
	}
	slow := mustOpen(t, t.TempDir())
	classic(func() {
		if _, err := slow.Import(ctx, b, "test"); err != nil {
			t.Fatal(err)
		}
	})
	f, s := fast.Snapshot(), slow.Snapshot()
	ids := func(seq func(func(*matcher.Item) bool)) (out []string) {
		for it := range seq {
			out = append(out, it.ID)
		}
		return out
	}
	for u := range s.Units() {
		got, want := f.UnitRaw(u.ID), s.UnitRaw(u.ID)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("unit %s: %+v, one by one %+v", u.ID, got, want)
		}
		if a, b := ids(f.ItemsOf(u.ID)), ids(s.ItemsOf(u.ID)); !slices.Equal(a, b) {
			t.Fatalf("items of %s: %v, one by one %v", u.ID, a, b)
		}
		fu, _ := f.Unit(u.ID)
		su, _ := s.Unit(u.ID)
		if !slices.Equal(fu.Alliances, su.Alliances) {
			t.Fatalf("alliances of %s: %v, one by one %v", u.ID, fu.Alliances, su.Alliances)
		}
	}
	for _, l := range []matcher.Level{matcher.Community, matcher.Street, matcher.District} {
		if a, b := ids(f.ItemsAtLevel(l)), ids(s.ItemsAtLevel(l)); !slices.Equal(a, b) {
			t.Fatalf("items at %s: %d, one by one %d", l, len(a), len(b))
		}
	}
	for it := range s.Items() {
		got, _ := f.Item(it.ID)
		if !reflect.DeepEqual(got, it) {
			t.Fatalf("item %s: %+v, one by one %+v", it.ID, got, it)
		}
	}
	for _, table := range index.Tables {
		if a, b := f.Count(table), s.Count(table); a != b {
			t.Fatalf("%s: %d records, one by one %d", table, a, b)
		}
	}

	// Problems spread over the workers' shares, beyond the first page.
	bad := *b
	bad.Items = slices.Clone(b.Items)
	for i := 0; i < len(bad.Items); i += len(bad.Items) / 7 {
		bad.Items[i].Unit = fmt.Sprintf("no-such-unit-%d", i)
	}
	bad.Items[len(bad.Items)-1].Project = "no-such-project"
	var want error
	classic(func() { _, want = mustOpen(t, t.TempDir()).Import(ctx, &bad, "test") })
	_, got := mustOpen(t, t.TempDir()).Import(ctx, &bad, "test")
	if want == nil || got == nil || got.Error() != want.Error() {
		t.Fatalf("a bad bundle:\n%v\nwant, as one by one:\n%v", got, want)
	}
}

// TestImportFillsPages: an import into tables that were empty writes their
// bbolt pages full (kvBucket.fillPages), not half full; the next import,
// into tables holding records, writes them as bbolt does by default.
func TestImportFillsPages(t *testing.T) {
	b, err := gen.Generate(gen.Config{Units: 500, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	s := mustOpen(t, t.TempDir())
	if _, err := s.Import(ctx, b, "test"); err != nil {
		t.Fatal(err)
	}
	fill := func(table string) float64 {
		var st bolt.BucketStats
		s.kv.(boltEngine).db.View(func(btx *bolt.Tx) error {
			st = btx.Bucket([]byte(table)).Stats()
			return nil
		})
		return float64(st.LeafInuse) / float64(st.LeafAlloc)
	}
	for _, table := range []string{index.TableUnits, index.TableItems} {
		if f := fill(table); f < 0.9 {
			t.Errorf("%s: leaf pages %.0f%% full after an import into the empty table, want 90%% or more", table, 100*f)
		}
	}
	more := &bundle.Bundle{Format: bundle.Format}
	for i, it := range b.Items {
		if i%2 == 0 {
			it.ID += "-b"
			more.Items = append(more.Items, it)
		}
	}
	if _, err := s.Import(ctx, more, "test"); err != nil {
		t.Fatal(err)
	}
	if f := fill(index.TableItems); f > 0.8 {
		t.Errorf("items: leaf pages %.0f%% full after an import between stored records, want bbolt's splits in half", 100*f)
	}
}
