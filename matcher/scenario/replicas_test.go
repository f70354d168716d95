package scenario

import (
	"os"
	"slices"
	"testing"

	"github.com/allymatch/allymatch/fixtures"
	"github.com/allymatch/allymatch/internal/pgtest"
	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/store"
)

func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.CloseShared()
	os.Exit(code)
}

// Two replicas over one PostgreSQL store, each with its own manager (as
// each process of a deployment has): a scenario one makes, the other
// reads, diffs byte for byte alike and lists; a share made on one is read
// on the other; a scenario one deletes is gone from the other's reads and
// list; and the quota counts what both made.
func TestScenariosAcrossReplicas(t *testing.T) {
	url := pgtest.NewDB(t)
	st1, _, err := store.Open(ctx, store.Options{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	defer st1.Close()
	if _, err := st1.Import(ctx, fixtures.MustBanan(t), "test"); err != nil {
		t.Fatal(err)
	}
	st2, _, err := store.Open(ctx, store.Options{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	m1, m2 := NewManager(), NewManager()
	// Both have loaded the (empty) table before anything is made.
	if err := m1.Use(st1); err != nil {
		t.Fatal(err)
	}
	if err := m2.Use(st2); err != nil {
		t.Fatal(err)
	}
	admin, district := matcher.Admin, matcher.Coordinator("bn-district")
	sc, err := m1.Create(ctx, st1, admin, Request{Scope: []string{"bn-district", "bn-water"}, Name: "红十字会加入水上联席会", Edits: edits(t, redCrossJoinsWater)})
	if err != nil {
		t.Fatal(err)
	}
	r2 := st2.Snapshot().Reader
	got, err := m2.Get(r2, admin, sc.ID)
	if err != nil {
		t.Fatalf("the other replica reads a new scenario: %v", err)
	}
	if g, w := mustJSON(got), mustJSON(sc); g != w {
		t.Errorf("the other replica's scenario:\n got %s\nwant %s", g, w)
	}
	d1, err := m1.Diff(ctx, st1, admin, sc.ID)
	if err != nil {
		t.Fatal(err)
	}
	d2, err := m2.Diff(ctx, st2, admin, sc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if g, w := mustJSON(d2), mustJSON(d1); g != w || len(d1.Demands) == 0 {
		t.Errorf("the other replica's diff:\n got %.400s\nwant %.400s", g, w)
	}
	listed, err := m2.List(r2, admin)
	if err != nil || len(listed) != 1 || listed[0].ID != sc.ID {
		t.Errorf("the other replica lists %d scenarios (%v)", len(listed), err)
	}
	// Shared on one, read by the district's coordinator on the other.
	if _, err := m2.Get(r2, district, sc.ID); matcher.ErrorCode(err) != matcher.ENOTFOUND {
		t.Errorf("the district's coordinator reads the unshared scenario: %v", err)
	}
	if _, err := m1.Share(st1, admin, sc.ID, true); err != nil {
		t.Fatal(err)
	}
	if got, err := m2.Get(r2, district, sc.ID); err != nil || !got.Shared {
		t.Errorf("the district's coordinator reads the shared scenario on the other replica: %+v, %v", got, err)
	}
	// Deleted on the second, gone from the first.
	if err := m2.Delete(r2, admin, sc.ID); err != nil {
		t.Fatal(err)
	}
	r1 := st1.Snapshot().Reader
	if _, err := m1.Get(r1, admin, sc.ID); matcher.ErrorCode(err) != matcher.ENOTFOUND {
		t.Errorf("the first replica reads a scenario the other deleted: %v", err)
	}
	if _, err := m1.Diff(ctx, st1, admin, sc.ID); matcher.ErrorCode(err) != matcher.ENOTFOUND {
		t.Errorf("the first replica diffs a scenario the other deleted: %v", err)
	}
	// The list sees deletes too (a scenario made and deleted without the
	// first replica reading it by id).
	keep, err := m1.Create(ctx, st1, admin, Request{Meeting: "lh"})
	if err != nil {
		t.Fatal(err)
	}
	gone, err := m1.Create(ctx, st1, admin, Request{Meeting: "tw"})
	if err != nil {
		t.Fatal(err)
	}
	if err := m2.Delete(r2, admin, gone.ID); err != nil {
		t.Fatal(err)
	}
	listed, err = m1.List(r1, admin)
	if ids := ids(listed); err != nil || !slices.Equal(ids, []string{keep.ID}) {
		t.Errorf("the first replica lists %v (%v), want [%s]", ids, err, keep.ID)
	}
	// The quota counts both replicas' scenarios.
	m1.MaxPerOwner, m2.MaxPerOwner = 2, 2
	if _, err := m2.Create(ctx, st2, admin, Request{Meeting: "tw"}); err != nil {
		t.Fatal(err)
	}
	if _, err := m1.Create(ctx, st1, admin, Request{Meeting: "tw"}); matcher.ErrorCode(err) != matcher.ECONFLICT {
		t.Errorf("past the quota across replicas: %v", err)
	}
}

func ids(list []*Scenario) []string {
	var out []string
	for _, sc := range list {
		out = append(out, sc.ID)
	}
	return out
}
