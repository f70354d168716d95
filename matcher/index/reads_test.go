package index

import (
	"testing"

	"github.com/allymatch/allymatch/matcher"
)

// TestReadsTouched: a write touches a record exactly when the old or the
// new version of the record it writes is found by a lookup recorded: by
// id (found or not), by an index value, by a prefix, a whole table, a
// multi-valued index (the units of an alliance), through a filter, and in
// a lower layer.
func TestReadsTouched(t *testing.T) {
	db, err := New()
	if err != nil {
		t.Fatal(err)
	}
	put := func(table string, obj any) Reader {
		txn := db.Txn(true)
		if err := txn.Insert(table, obj); err != nil {
			t.Fatal(err)
		}
		txn.Commit()
		return NewReader(db.Txn(false))
	}
	put(TableUnits, &matcher.Unit{ID: "u1", Grid: "g1"})
	put(TableUnits, &matcher.Unit{ID: "u2", Grid: "g2"})
	put(TableAlliances, &matcher.Alliance{ID: "a1", Level: matcher.Community, Lead: "u1", Members: []string{"u2"}})
	put(TableItems, &matcher.Item{ID: "i1", Unit: "u1", Kind: matcher.Demand, Category: "c", Level: matcher.Community})
	put(TableItems, &matcher.Item{ID: "i2", Unit: "u2", Kind: matcher.Resource, Category: "c", Level: matcher.Street})
	base := put(TableClaims, &matcher.Claim{ID: "c1", Resource: "i2", Demand: "i1", ResourceUnit: "u2", DemandUnit: "u1", Status: matcher.ClaimProposed})

	rec := NewReads(nil)
	r := base.Track(rec)
	if r.UnitRaw("u1") == nil {
		t.Fatal("no u1")
	}
	if _, err := r.Project("p9"); err == nil { // not found: still read
		t.Fatal("p9 found")
	}
	for range r.ItemsOf("u1") {
	}
	for range r.AlliancesOf("u2") {
	}
	for range r.Where(func(o any) bool { return o.(*matcher.Claim).DemandUnit == "u1" }).ClaimsByStatus(matcher.ClaimRejected) {
	}
	atCommunity := r.Where(func(o any) bool { return o.(*matcher.Item).Level == matcher.Community })
	n := 0
	for range atCommunity.ItemsOf("u2") {
		n++
	}
	if n != 0 {
		t.Fatalf("the filter let %d items of another level through", n)
	}
	if rec.Len() == 0 {
		t.Fatal("nothing recorded")
	}
	top := NewReads(rec) // a layer: what a later run read on top
	for range base.Track(top).Grids() {
	}

	for _, c := range []struct {
		name  string
		table string
		obj   any
		want  bool
	}{
		{"a unit read by id", TableUnits, &matcher.Unit{ID: "u1", Grid: "g9"}, true},
		{"a unit not read", TableUnits, &matcher.Unit{ID: "u2", Grid: "g9"}, false},
		{"a new unit", TableUnits, &matcher.Unit{ID: "u3"}, false},
		{"a project read and not found, created", TableProjects, &matcher.Project{ID: "p9", Unit: "u1"}, true},
		{"another project", TableProjects, &matcher.Project{ID: "p8", Unit: "u1"}, false},
		{"a new item of a unit walked", TableItems, &matcher.Item{ID: "i3", Unit: "u1", Kind: matcher.Resource, Category: "c", Level: matcher.Street}, true},
		{"an item moved to a unit walked", TableItems, &matcher.Item{ID: "i2", Unit: "u1", Kind: matcher.Resource, Category: "c", Level: matcher.Street}, true},
		{"an item of a unit walked through a filter, at another level", TableItems, &matcher.Item{ID: "i4", Unit: "u2", Kind: matcher.Resource, Category: "c", Level: matcher.Street}, false},
		{"an item of a unit walked through a filter, at its level", TableItems, &matcher.Item{ID: "i4", Unit: "u2", Kind: matcher.Resource, Category: "c", Level: matcher.Community}, true},
		{"an alliance listing a unit walked (a member)", TableAlliances, &matcher.Alliance{ID: "a2", Level: matcher.Street, Lead: "u9", Members: []string{"u2"}}, true},
		{"an alliance of other units", TableAlliances, &matcher.Alliance{ID: "a3", Level: matcher.Street, Lead: "u9"}, false},
		{"a claim the filter takes", TableClaims, &matcher.Claim{ID: "c2", Resource: "i2", Demand: "i1", ResourceUnit: "u2", DemandUnit: "u1", Status: matcher.ClaimRejected}, true},
		{"a claim the filter leaves", TableClaims, &matcher.Claim{ID: "c3", Resource: "i2", Demand: "i5", ResourceUnit: "u2", DemandUnit: "u2", Status: matcher.ClaimRejected}, false},
		{"a claim of another status", TableClaims, &matcher.Claim{ID: "c4", Resource: "i2", Demand: "i1", ResourceUnit: "u2", DemandUnit: "u1", Status: matcher.ClaimConfirmed}, false},
		{"a claim leaving the status read", TableClaims, &matcher.Claim{ID: "c1", Resource: "i2", Demand: "i1", ResourceUnit: "u2", DemandUnit: "u1", Status: matcher.ClaimRejected}, true},
		{"a grid (the whole table read, a layer up)", TableGrids, &matcher.Grid{ID: "g7"}, true},
	} {
		now := put(c.table, c.obj)
		id := func() string {
			switch o := c.obj.(type) {
			case *matcher.Unit:
				return o.ID
			case *matcher.Project:
				return o.ID
			case *matcher.Item:
				return o.ID
			case *matcher.Alliance:
				return o.ID
			case *matcher.Claim:
				return o.ID
			case *matcher.Grid:
				return o.ID
			}
			panic("type")
		}()
		if got := top.Touched(base, now, []Key{{c.table, id}}); got != c.want {
			t.Errorf("%s: touched %v, want %v", c.name, got, c.want)
		}
		if c.table == TableGrids {
			if rec.Touched(base, now, []Key{{c.table, id}}) {
				t.Errorf("%s: the lower layer alone is touched by what only the upper one read", c.name)
			}
		}
		// undo the write: every case starts from base
		txn := db.Txn(true)
		if old, _ := base.txn.First(c.table, IndexID, id); old != nil {
			if err := txn.Insert(c.table, old); err != nil {
				t.Fatal(err)
			}
		} else if err := txn.Delete(c.table, c.obj); err != nil {
			t.Fatal(err)
		}
		txn.Commit()
	}
	if !rec.Touched(base, base, []Key{{"categories", "c"}}) {
		t.Error("a table the index does not hold does not touch")
	}
	if rec.Touched(base, base, []Key{{TableAccounts, "x"}}) {
		t.Error("a ledger record nothing read touches")
	}
}

// Layers past maxLayers are folded into one that holds them all.
func TestReadsLayers(t *testing.T) {
	db, err := New()
	if err != nil {
		t.Fatal(err)
	}
	r := NewReader(db.Txn(false))
	rec := NewReads(nil)
	r.Track(rec).UnitRaw("u0")
	for i := range 3 * maxLayers {
		rec = NewReads(rec)
		r.Track(rec).UnitRaw("u" + string(rune('a'+i)))
		if rec.depth >= maxLayers {
			t.Fatalf("depth %d", rec.depth)
		}
	}
	txn := db.Txn(true)
	if err := txn.Insert(TableUnits, &matcher.Unit{ID: "u0"}); err != nil {
		t.Fatal(err)
	}
	txn.Commit()
	if !rec.Touched(r, NewReader(db.Txn(false)), []Key{{TableUnits, "u0"}}) {
		t.Error("the first layer's read is lost in the folding")
	}
}

// Owners names the owners of the lookups that find a written record, in
// every layer, and cannot tell for a table the index does not hold.
func TestReadsOwners(t *testing.T) {
	db, err := New()
	if err != nil {
		t.Fatal(err)
	}
	txn := db.Txn(true)
	for _, u := range []string{"u1", "u2"} {
		if err := txn.Insert(TableUnits, &matcher.Unit{ID: u}); err != nil {
			t.Fatal(err)
		}
	}
	txn.Commit()
	was := NewReader(db.Txn(false))
	rec := NewReads(nil)
	r := was.Track(rec)
	r.For("i1").UnitRaw("u1")
	r.For("i2").Noted(TableUnits, "u1")
	top := NewReads(rec)
	was.Track(top).For("i3").UnitRaw("u2")
	was.Track(top).UnitRaw("u2") // not for an owner
	txn = db.Txn(true)
	for _, u := range []string{"u1", "u2"} {
		if err := txn.Insert(TableUnits, &matcher.Unit{ID: u, Grid: "g"}); err != nil {
			t.Fatal(err)
		}
	}
	txn.Commit()
	now := NewReader(db.Txn(false))
	for _, c := range []struct {
		key  string
		want []string
	}{{"u1", []string{"i1", "i2"}}, {"u2", []string{"i3"}}} {
		got := map[string]bool{}
		if !top.Owners(was, now, []Key{{TableUnits, c.key}}, func(o string) { got[o] = true }) {
			t.Fatalf("%s: cannot tell", c.key)
		}
		if len(got) != len(c.want) {
			t.Errorf("%s: owners %v, want %v", c.key, got, c.want)
		}
		for _, w := range c.want {
			if !got[w] {
				t.Errorf("%s: owners %v, want %v", c.key, got, c.want)
			}
		}
	}
	if top.Owners(was, now, []Key{{"categories", "c"}}, func(string) {}) {
		t.Error("owners told for a table the index does not hold")
	}
}
