package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/index"
)

var ctx = context.Background()

func mustOpen(tb testing.TB, dir string) *Store {
	tb.Helper()
	s, _, err := Open(ctx, Options{Dir: dir})
	if err != nil {
		tb.Fatalf("Open(%s) = %v, want nil", dir, err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

func testAlliance() matcher.Alliance {
	return matcher.Alliance{ID: "lh", Name: "龙华社区党建联盟", Level: matcher.Community, Lead: "lh-party"}
}

func testUnit(id, name string) matcher.Unit {
	return matcher.Unit{ID: id, Name: name, Kind: matcher.KindAgency, PartyOrg: true, Location: &matcher.GeoPoint{Lat: 29.35, Lon: 106.53}}
}

func testItem(id, unit string, kind matcher.ItemKind, qty int64) matcher.Item {
	return matcher.Item{ID: id, Unit: unit, Kind: kind, Category: "escort", Title: "晚间护学", Quantity: qty,
		RadiusKM: 2, Priority: 4, Status: matcher.ItemOpen, Level: matcher.Community}
}

func testClaim(id string, qty int64, status matcher.ClaimStatus) matcher.Claim {
	c := matcher.Claim{ID: id, Resource: "r1", Demand: "d1", ResourceUnit: "lh-bank", DemandUnit: "lh-school",
		Quantity: qty, Score: 800, Origin: matcher.OriginSolver, Status: status, Meeting: "lh"}
	if status.Holds() {
		c.AcceptedBy = []matcher.Side{matcher.DemandSide, matcher.ResourceSide}
	}
	return c
}

// seed stores an alliance of three units, a demand d1 (5) and a resource r1 (3).
func seed(tb testing.TB, s *Store) {
	tb.Helper()
	_, err := s.Update(ctx, "test", "seed", nil, func(tx *Tx) error {
		for _, u := range []matcher.Unit{testUnit("lh-party", "龙华社区党委"), testUnit("lh-school", "龙洲湾中学"), testUnit("lh-bank", "农商行龙洲湾支行")} {
			if err := tx.PutUnit(u); err != nil {
				return err
			}
		}
		a := testAlliance()
		a.Members = []string{"lh-school", "lh-bank"}
		if err := tx.PutAlliance(a); err != nil {
			return err
		}
		if err := tx.PutItem(testItem("d1", "lh-school", matcher.Demand, 5)); err != nil {
			return err
		}
		return tx.PutItem(testItem("r1", "lh-bank", matcher.Resource, 3))
	})
	if err != nil {
		tb.Fatalf("seed: %v", err)
	}
}

func TestUpdatePersistsAcrossRestart(t *testing.T) { forEachEngine(t, testUpdatePersistsAcrossRestart) }

func testUpdatePersistsAcrossRestart(t *testing.T, fresh func(testing.TB) Options) {
	opts := fresh(t)
	s, _, err := Open(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	seed(t, s)
	ev, err := s.Update(ctx, "unit:lh-bank", "claim.create", []string{"lh"}, func(tx *Tx) error {
		return tx.PutClaim(testClaim("c1", 2, matcher.ClaimProposed))
	})
	if err != nil {
		t.Fatalf("Update = %v, want nil", err)
	}
	if ev.Seq != 2 || ev.Count != 1 || ev.Changes[0] != (matcher.Change{Table: "claims", ID: "c1"}) {
		t.Errorf("event = %+v, want seq 2 with one change claims/c1", ev)
	}
	s.Close()

	s2 := openAt(t, opts)
	sn := s2.Snapshot()
	if sn.Seq != 2 {
		t.Errorf("Seq after restart = %d, want 2", sn.Seq)
	}
	c, err := sn.Claim("c1")
	if err != nil || c.Quantity != 2 || c.Rev != 2 {
		t.Fatalf("Claim(c1) = %+v, %v; want quantity 2 rev 2", c, err)
	}
	u, err := sn.Unit("lh-school")
	if err != nil || len(u.Alliances) != 1 || u.Alliances[0] != "lh" {
		t.Errorf("Unit(lh-school).Alliances = %v (%v), want [lh]", u.Alliances, err)
	}
	evs, err := s2.Events(0, 10, nil)
	if err != nil || len(evs) != 2 || evs[1].Actor != "unit:lh-bank" || evs[1].Action != "claim.create" {
		t.Errorf("Events = %+v, %v; want 2 with the claim's last", evs, err)
	}
	if sn.Vocab == nil || !sn.Vocab.Has("escort") {
		t.Errorf("snapshot vocabulary lacks the built-in categories")
	}
}

func TestFailedUpdateChangesNothing(t *testing.T) { forEachEngine(t, testFailedUpdateChangesNothing) }

func testFailedUpdateChangesNothing(t *testing.T, fresh func(testing.TB) Options) {
	opts := fresh(t)
	s := openAt(t, opts)
	seed(t, s)
	cases := []struct {
		name      string
		fn        func(tx *Tx) error
		wantCode  string
		wantField string
	}{
		{"unknown unit", func(tx *Tx) error {
			return tx.PutItem(testItem("d2", "nobody", matcher.Demand, 1))
		}, matcher.EINVALID, "items[d2].unit"},
		{"invalid field", func(tx *Tx) error {
			it := testItem("d2", "lh-school", matcher.Demand, 0)
			return tx.PutItem(it)
		}, matcher.EINVALID, "items[d2].quantity"},
		{"unknown category", func(tx *Tx) error {
			it := testItem("d2", "lh-school", matcher.Demand, 1)
			it.Category = "teleport"
			return tx.PutItem(it)
		}, matcher.EINVALID, "items[d2].category"},
		{"over-claimed", func(tx *Tx) error {
			if err := tx.PutItem(testItem("d2", "lh-school", matcher.Demand, 1)); err != nil {
				return err
			}
			return tx.PutClaim(testClaim("c9", 4, matcher.ClaimConfirmed)) // r1 has 3
		}, matcher.ECONFLICT, "items[r1].quantity"},
		{"claim on wrong kind", func(tx *Tx) error {
			c := testClaim("c9", 1, matcher.ClaimProposed)
			c.Resource, c.Demand = "d1", "r1"
			c.ResourceUnit, c.DemandUnit = "lh-school", "lh-bank"
			return tx.PutClaim(c)
		}, matcher.EINVALID, "claims[c9].resource"},
		{"delete referenced unit", func(tx *Tx) error {
			return tx.Delete(index.TableUnits, "lh-school")
		}, matcher.ECONFLICT, ""},
		{"delete unknown", func(tx *Tx) error {
			return tx.Delete(index.TableItems, "nope")
		}, matcher.ENOTFOUND, ""},
		{"fn error", func(tx *Tx) error {
			if err := tx.PutItem(testItem("d2", "lh-school", matcher.Demand, 1)); err != nil {
				return err
			}
			return matcher.Errorf(matcher.EFORBIDDEN, "no")
		}, matcher.EFORBIDDEN, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := s.Snapshot()
			_, err := s.Update(ctx, "test", tc.name, nil, tc.fn)
			if got := matcher.ErrorCode(err); got != tc.wantCode {
				t.Fatalf("Update error = %v (code %q), want code %q", err, got, tc.wantCode)
			}
			if tc.wantField != "" && !strings.Contains(err.Error(), tc.wantField) {
				t.Errorf("error %q does not name %s", err, tc.wantField)
			}
			after := s.Snapshot()
			if after.Seq != before.Seq {
				t.Errorf("Seq = %d after a failed update, want %d", after.Seq, before.Seq)
			}
			if _, err := after.Item("d2"); matcher.ErrorCode(err) != matcher.ENOTFOUND {
				t.Errorf("item d2 exists after a failed update")
			}
			if _, err := after.Claim("c9"); matcher.ErrorCode(err) != matcher.ENOTFOUND {
				t.Errorf("claim c9 exists after a failed update")
			}
		})
	}
	s.Close()
	s2 := openAt(t, opts)
	if sn := s2.Snapshot(); sn.Seq != 1 || sn.Count(index.TableItems) != 2 {
		t.Errorf("after restart: seq %d, %d items; want 1 and 2", sn.Seq, sn.Count(index.TableItems))
	}
}

func TestSnapshotIsolation(t *testing.T) { forEachEngine(t, testSnapshotIsolation) }

func testSnapshotIsolation(t *testing.T, fresh func(testing.TB) Options) {
	s := openAt(t, fresh(t))
	seed(t, s)
	old := s.Snapshot()
	if _, err := s.Update(ctx, "test", "edit", nil, func(tx *Tx) error {
		it, err := tx.Item("d1")
		if err != nil {
			return err
		}
		c := *it
		c.Quantity = 9
		return tx.PutItem(c)
	}); err != nil {
		t.Fatal(err)
	}
	it, _ := old.Item("d1")
	if it.Quantity != 5 {
		t.Errorf("old snapshot sees quantity %d, want 5", it.Quantity)
	}
	it, _ = s.Snapshot().Item("d1")
	if it.Quantity != 9 || it.Rev != 2 {
		t.Errorf("new snapshot sees quantity %d rev %d, want 9 rev 2", it.Quantity, it.Rev)
	}
}

func TestSecondProcessFailsFast(t *testing.T) {
	dir := t.TempDir()
	mustOpen(t, dir)
	start := time.Now()
	_, _, err := Open(ctx, Options{Dir: dir, LockTimeout: 200 * time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), "in use by another process") {
		t.Fatalf("second Open = %v, want an in-use error", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("second Open took %s, want about the lock timeout", d)
	}
}

func TestAckAfterSync(t *testing.T) { forEachEngine(t, testAckAfterSync) }

func testAckAfterSync(t *testing.T, fresh func(testing.TB) Options) {
	opts := fresh(t)
	var s *Store
	var checked bool
	hook := func(seq uint64) {
		// The write is committed (bbolt has synced its file, PostgreSQL
		// its commit) and not yet visible to readers or acknowledged.
		err := s.kv.view(ctx, func(tx kvTx) error {
			b, err := mustBucket(tx, []byte(index.TableClaims))
			if err != nil {
				return err
			}
			if v, err := b.get([]byte("c1")); err != nil || v == nil {
				return fmt.Errorf("claim c1 not committed (%v)", err)
			}
			return nil
		})
		if err != nil {
			t.Errorf("afterSync(%d): %v", seq, err)
		}
		if got := s.Snapshot().Seq; got != seq-1 {
			t.Errorf("afterSync(%d): readers see seq %d, want %d", seq, got, seq-1)
		}
		checked = true
	}
	var err error
	s, _, err = Open(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	seed(t, s)
	s.opts.afterSync = hook
	if _, err := s.Update(ctx, "test", "claim", nil, func(tx *Tx) error {
		return tx.PutClaim(testClaim("c1", 1, matcher.ClaimProposed))
	}); err != nil {
		t.Fatal(err)
	}
	if !checked {
		t.Fatal("afterSync hook not called")
	}
}

func TestCorruptFileRefused(t *testing.T) {
	t.Run("garbage", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, FileName), []byte(strings.Repeat("这不是数据库", 2000)), 0o600); err != nil {
			t.Fatal(err)
		}
		_, _, err := Open(ctx, Options{Dir: dir})
		if err == nil || !strings.Contains(err.Error(), FileName) {
			t.Fatalf("Open(garbage) = %v, want an error naming the file", err)
		}
	})
	t.Run("truncated", func(t *testing.T) {
		dir := t.TempDir()
		s := mustOpen(t, dir)
		seed(t, s)
		s.Close()
		path := filepath.Join(dir, FileName)
		data, _ := os.ReadFile(path)
		for i := 4096 * 2; i < len(data); i++ { // keep the meta pages, smash the rest
			data[i] ^= 0x5a
		}
		os.WriteFile(path, data, 0o600)
		_, _, err := Open(ctx, Options{Dir: dir})
		if err == nil {
			t.Fatal("Open of a smashed file succeeded")
		}
		t.Logf("error: %v", err)
	})
}

// A record that a program other than allymatch changed is refused at
// open, on either engine, with an error naming it.
func TestBadRecordsRefused(t *testing.T) {
	forEachEngine(t, func(t *testing.T, fresh func(testing.TB) Options) {
		for _, tc := range []struct {
			name  string
			edit  func(b kvBucket) error
			words []string
		}{
			{"bad record", func(b kvBucket) error {
				return b.put([]byte("d1"), Seal([]byte("d1"), []byte(`{"id":"d1","bogus":1}`)))
			}, []string{"items/d1", "bogus"}},
			{"bad checksum", func(b kvBucket) error {
				return b.put([]byte("d1"), Seal([]byte("d2"), []byte(`{"id":"d1"}`)))
			}, []string{"items/d1", "checksum mismatch"}},
			{"dangling claim", func(b kvBucket) error {
				c := testClaim("c1", 1, matcher.ClaimProposed)
				c.Demand = "gone"
				return putJSON(b, "c1", c)
			}, []string{"claims[c1].demand"}},
			{"over-claimed", func(b kvBucket) error {
				return putJSON(b, "c1", testClaim("c1", 4, matcher.ClaimConfirmed))
			}, []string{"over-claimed"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				opts := fresh(t)
				s := openAt(t, opts)
				seed(t, s)
				s.Close()
				table := index.TableItems
				if strings.Contains(tc.name, "claim") {
					table = index.TableClaims
				}
				rawUpdate(t, opts, func(tx kvTx) error {
					b, err := mustBucket(tx, []byte(table))
					if err != nil {
						return err
					}
					return tc.edit(b)
				})
				before := rawState(t, opts)
				_, _, err := Open(ctx, opts)
				if err == nil {
					t.Fatal("Open succeeded")
				}
				for _, w := range append(tc.words, where(opts)) {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("Open = %v, want it to name %s", err, w)
					}
				}
				if after := rawState(t, opts); after != before {
					t.Errorf("the refused store changed:\n%s\nwant\n%s", after, before)
				}
			})
		}
	})
}

func TestConcurrentUpdates(t *testing.T) { forEachEngine(t, testConcurrentUpdates) }

func testConcurrentUpdates(t *testing.T, fresh func(testing.TB) Options) {
	s := openAt(t, fresh(t))
	seed(t, s)
	const n = 50
	errs := make(chan error, n)
	for i := range n {
		go func() {
			_, err := s.Update(ctx, "test", "claim", nil, func(tx *Tx) error {
				// Each tries to confirm one unit of r1 (quantity 3).
				return tx.PutClaim(testClaim(fmt.Sprintf("c%02d", i), 1, matcher.ClaimConfirmed))
			})
			errs <- err
		}()
	}
	ok := 0
	for range n {
		err := <-errs
		switch matcher.ErrorCode(err) {
		case "":
			ok++
		case matcher.ECONFLICT:
		default:
			t.Errorf("Update = %v, want nil or a conflict", err)
		}
	}
	if ok != 3 {
		t.Errorf("%d confirmed claims stored, want exactly 3 (r1 has quantity 3)", ok)
	}
	r1, _ := s.Snapshot().Item("r1")
	if held := s.Snapshot().Held(r1); held != 3 {
		t.Errorf("held(r1) = %d, want 3", held)
	}
}

// The change log lets a reader of an older state learn what changed since;
// a failed update leaves no trace in it, and a restart starts a new chain.
func TestChangesSinceAnUpdate(t *testing.T) { forEachEngine(t, testChangesSinceAnUpdate) }

func testChangesSinceAnUpdate(t *testing.T, fresh func(testing.TB) Options) {
	opts := fresh(t)
	s := openAt(t, opts)
	seed(t, s)
	before := s.Snapshot()
	edit := func(qty int64) error {
		_, err := s.Update(ctx, "test", "edit", nil, func(tx *Tx) error {
			it, err := tx.Item("d1")
			if err != nil {
				return err
			}
			c := *it
			c.Quantity = qty
			return tx.PutItem(c)
		})
		return err
	}
	if err := edit(9); err != nil {
		t.Fatal(err)
	}
	if err := edit(-1); err == nil {
		t.Fatal("edit to quantity -1 succeeded")
	}
	after := s.Snapshot()
	keys, ok := after.ChangesSince(before.Meta().State)
	if want := []index.Key{{Table: index.TableItems, ID: "d1"}}; !ok || fmt.Sprint(keys) != fmt.Sprint(want) {
		t.Errorf("ChangesSince = %v, %v; want %v, true", keys, ok, want)
	}
	if keys, ok := after.ChangesSince(after.Meta().State); !ok || len(keys) != 0 {
		t.Errorf("ChangesSince(now) = %v, %v; want none", keys, ok)
	}
	s.Close()
	s2 := openAt(t, opts)
	if _, ok := s2.Snapshot().ChangesSince(after.Meta().State); ok {
		t.Error("after a restart, ChangesSince(a state of the old process) is ok; want false")
	}
}
