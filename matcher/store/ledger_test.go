package store

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/allymatch/allymatch/internal/pgtest"
	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/index"
)

var ledgerNow = time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)

func testTransfer(id, from, to string, amount int64) matcher.Transfer {
	return matcher.Transfer{ID: id, From: from, To: to, Amount: amount, Reason: "测试", Kind: matcher.TransferManual, By: "admin", Time: ledgerNow}
}

// seedLedger stores seed's units with an issuer of lh-party, a card and a
// shop account of lh-bank, and issues 10 points to the card.
func seedLedger(tb testing.TB, s *Store) {
	tb.Helper()
	seed(tb, s)
	_, err := s.Update(ctx, "test", "ledger", nil, func(tx *Tx) error {
		for _, a := range []matcher.Account{
			{ID: "issuer", Kind: matcher.AccountIssuer, Unit: "lh-party"},
			{ID: "card-1", Kind: matcher.AccountCard, Unit: "lh-party"},
			{ID: "shop", Kind: matcher.AccountUnit, Unit: "lh-bank"},
		} {
			if err := tx.PutAccount(a); err != nil {
				return err
			}
		}
		t := testTransfer("t1", "issuer", "card-1", 10)
		t.Kind = matcher.TransferAward
		_, err := tx.PostTransfer(t)
		return err
	})
	if err != nil {
		tb.Fatalf("seed the ledger: %v", err)
	}
}

func balances(tb testing.TB, r index.Reader) map[string]int64 {
	tb.Helper()
	out := map[string]int64{}
	for a := range r.Accounts() {
		out[a.ID] = a.Balance()
	}
	return out
}

func TestPostTransfer(t *testing.T) {
	forEachEngine(t, testPostTransfer)
}

func testPostTransfer(t *testing.T, fresh func(testing.TB) Options) {
	opts := fresh(t)
	s := openAt(t, opts)
	seedLedger(t, s)
	want := map[string]int64{"issuer": -10, "card-1": 10, "shop": 0}
	if got := balances(t, s.Snapshot().Reader); !jsonEqual(t, got, want) {
		t.Fatalf("balances %v, want %v", got, want)
	}
	before := s.Seq()
	for _, c := range []struct {
		name  string
		t     matcher.Transfer
		code  string
		field string
	}{
		{"beyond the balance", testTransfer("t2", "card-1", "shop", 11), matcher.ECONFLICT, "amount"},
		{"the same id again", testTransfer("t1", "card-1", "shop", 1), matcher.ECONFLICT, "id"},
		{"an unknown account", testTransfer("t2", "card-1", "nope", 1), matcher.ENOTFOUND, "to"},
		{"zero points", testTransfer("t2", "card-1", "shop", 0), matcher.EINVALID, "amount"},
		{"to itself", testTransfer("t2", "card-1", "card-1", 1), matcher.EINVALID, "to"},
	} {
		_, err := s.Update(ctx, "test", "transfer", nil, func(tx *Tx) error {
			_, err := tx.PostTransfer(c.t)
			return err
		})
		var me *matcher.Error
		if matcher.ErrorCode(err) != c.code || !errors.As(err, &me) || me.Field != c.field {
			t.Errorf("%s: %v, want %s naming %s", c.name, err, c.code, c.field)
		}
	}
	if s.Seq() != before {
		t.Fatalf("refused transfers moved the store from %d to %d", before, s.Seq())
	}
	if _, err := s.Update(ctx, "test", "delete", nil, func(tx *Tx) error { return tx.Delete(index.TableTransfers, "t1") }); matcher.ErrorCode(err) != matcher.ECONFLICT {
		t.Errorf("deleting a transfer: %v, want a conflict", err)
	}
	// Several transfers in one write, each against the state so far.
	_, err := s.Update(ctx, "test", "batch", nil, func(tx *Tx) error {
		for _, tr := range []matcher.Transfer{testTransfer("t2", "card-1", "shop", 6), testTransfer("t3", "card-1", "shop", 4)} {
			if _, err := tx.PostTransfer(tr); err != nil {
				return err
			}
		}
		if _, err := tx.PostTransfer(testTransfer("t4", "card-1", "shop", 1)); err == nil {
			t.Error("a third debit of the emptied card was posted")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for tr := range s.Snapshot().Posted("card-1") {
		order = append(order, tr.ID)
	}
	if !jsonEqual(t, order, []string{"t1", "t2", "t3"}) {
		t.Errorf("statement of card-1 %v, want t1 t2 t3", order)
	}
	// The totals survive a restart and replay from the transfers.
	s.Close()
	s2 := openAt(t, opts)
	want = map[string]int64{"issuer": -10, "card-1": 0, "shop": 10}
	if got := balances(t, s2.Snapshot().Reader); !jsonEqual(t, got, want) {
		t.Fatalf("after a restart balances %v, want %v", got, want)
	}
}

// A file whose ledger does not replay is refused, even with every checksum
// right: an account's totals that are not the sums of its transfers, a
// holding account below zero at the end or on the way, a transfer without
// its account.
func TestLedgerFileThatDoesNotReplayIsRefused(t *testing.T) {
	reseal := func(table, id string, edit func(v map[string]any)) func(kvTx) error {
		return func(tx kvTx) error {
			b, err := mustBucket(tx, []byte(table))
			if err != nil {
				return err
			}
			sealed, err := b.get([]byte(id))
			if err != nil {
				return err
			}
			data, err := Unseal([]byte(id), sealed)
			if err != nil {
				return err
			}
			var v map[string]any
			if err := json.Unmarshal(data, &v); err != nil {
				return err
			}
			edit(v)
			out, _ := json.Marshal(v)
			return b.put([]byte(id), Seal([]byte(id), out))
		}
	}
	forEachEngine(t, func(t *testing.T, fresh func(testing.TB) Options) {
		for _, c := range []struct {
			name  string
			edit  func(kvTx) error
			words []string
		}{
			{"credits that are not the transfers' sum", reseal("accounts", "card-1", func(v map[string]any) { v["credits"] = 20 }), []string{"card-1", "credits 20", "sum to 4 and 10"}},
			{"a card below zero", reseal("accounts", "card-1", func(v map[string]any) { v["debits"] = 11 }), []string{"accounts/card-1", "must not exceed its credits"}},
			{"an amount changed", reseal("transfers", "t1", func(v map[string]any) { v["amount"] = 7 }), []string{"card-1", "sum to 4 and 7"}},
			// The sums are right, the order is not: the card paid before it
			// was credited.
			{"a debit before its credit", reseal("transfers", "t2", func(v map[string]any) { v["seq"] = 1 }), []string{"transfers[t2].amount", `account "card-1" goes below zero (-4)`}},
			{"a transfer without its account", func(tx kvTx) error {
				b, err := mustBucket(tx, []byte("accounts"))
				if err != nil {
					return err
				}
				return b.delete([]byte("card-1"))
			}, []string{"transfers[t1].to", "unknown account"}},
		} {
			t.Run(c.name, func(t *testing.T) {
				opts := fresh(t)
				s := openAt(t, opts)
				seedLedger(t, s)
				if _, err := s.Update(ctx, "test", "ledger", nil, func(tx *Tx) error {
					_, err := tx.PostTransfer(testTransfer("t2", "card-1", "shop", 4))
					return err
				}); err != nil {
					t.Fatal(err)
				}
				s.Close()
				rawUpdate(t, opts, c.edit)
				before := rawState(t, opts)
				_, _, err := Open(ctx, opts)
				wantOpenError(t, err, KindDamaged, where(opts), c.words...)
				if after := rawState(t, opts); after != before {
					t.Errorf("the refused store changed:\n%s\nwant\n%s", after, before)
				}
			})
		}
	})
}

// A file of layout version 2 (no ledger tables) opens, gains the empty
// ledger tables in one transaction and keeps everything else as it was.
func TestVersion2FileMigrates(t *testing.T) {
	good := seededFile(t)
	dir, _ := editedFile(t, good, func(btx *bolt.Tx) error {
		for _, name := range index.LedgerTables {
			if err := btx.DeleteBucket([]byte(name)); err != nil {
				return err
			}
		}
		return btx.Bucket(bucketMeta).Put(keyVersion, []byte("2"))
	})
	s, st, err := Open(ctx, Options{Dir: dir})
	if err != nil {
		t.Fatalf("Open of a version-2 file: %v", err)
	}
	if st.Migrated != "2" || st.Seq != 2 {
		t.Errorf("stats %+v, want migrated from 2 at seq 2", st)
	}
	if _, err := s.Update(ctx, "test", "account", nil, func(tx *Tx) error {
		return tx.PutAccount(matcher.Account{ID: "issuer", Kind: matcher.AccountIssuer, Unit: "lh-party"})
	}); err != nil {
		t.Fatalf("a ledger write after the migration: %v", err)
	}
	s.Close()
	db, err := bolt.Open(filepath.Join(dir, FileName), 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.View(func(btx *bolt.Tx) error {
		if v := btx.Bucket(bucketMeta).Get(keyVersion); string(v) != schemaVersion {
			t.Errorf("version %q after the migration, want %s", v, schemaVersion)
		}
		for _, name := range index.LedgerTables {
			if btx.Bucket([]byte(name)) == nil {
				t.Errorf("no table %s after the migration", name)
			}
		}
		return nil
	})
	// A version-2 file with side tables (the notifications' subscriptions,
	// written by an allymatch of layout 2 with notifications) keeps them
	// as they are: the step to 3 adds the ledger's tables only.
	sdir := t.TempDir()
	ss := mustOpen(t, sdir)
	seed(t, ss)
	if _, err := ss.Update(ctx, "test", "webhook", nil, func(tx *Tx) error {
		return tx.PutSide(SideWebhooks, "W-1", map[string]string{"id": "W-1", "kind": "generic"})
	}); err != nil {
		t.Fatal(err)
	}
	ss.Close()
	withSide, err := os.ReadFile(filepath.Join(sdir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	dir, _ = editedFile(t, withSide, func(btx *bolt.Tx) error {
		for _, name := range index.LedgerTables {
			if err := btx.DeleteBucket([]byte(name)); err != nil {
				return err
			}
		}
		return btx.Bucket(bucketMeta).Put(keyVersion, []byte("2"))
	})
	if s, st, err := Open(ctx, Options{Dir: dir}); err != nil {
		t.Fatalf("a version-2 file with side tables: %v", err)
	} else {
		if st.Migrated != "2" || st.Side != 1 || len(s.SideAll(SideWebhooks)) != 1 {
			t.Errorf("after the migration: stats %+v, webhooks %v; want migrated from 2 with its one subscription", st, s.SideAll(SideWebhooks))
		}
		s.Close()
	}
	// Empty ledger tables in a version-2 file are taken as they are; one
	// that holds values was not made by allymatch.
	dir, _ = editedFile(t, good, func(btx *bolt.Tx) error { return btx.Bucket(bucketMeta).Put(keyVersion, []byte("2")) })
	if s, _, err := Open(ctx, Options{Dir: dir}); err != nil {
		t.Fatalf("a version-2 file with empty ledger tables: %v", err)
	} else {
		s.Close()
	}
	ldir := t.TempDir()
	ls := mustOpen(t, ldir)
	seedLedger(t, ls)
	ls.Close()
	withLedger, err := os.ReadFile(filepath.Join(ldir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	dir, before := editedFile(t, withLedger, func(btx *bolt.Tx) error { return btx.Bucket(bucketMeta).Put(keyVersion, []byte("2")) })
	_, _, err = Open(ctx, Options{Dir: dir})
	wantOpenError(t, err, KindDamaged, filepath.Join(dir, FileName), "layout version 2 has no table accounts")
	wantUnchanged(t, dir, before)
}

// A second process on the same PostgreSQL store follows the first's ledger
// writes: it serves the transfer and the balances it moved.
func TestPostgresReplicaFollowsTheLedger(t *testing.T) {
	opts := Options{URL: pgtest.NewDB(t)}
	a := openAt(t, opts)
	b := openAt(t, opts)
	seedLedger(t, a)
	ev, err := a.Update(ctx, "test", "ledger", nil, func(tx *Tx) error {
		_, err := tx.PostTransfer(testTransfer("t2", "card-1", "shop", 4))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := b.WaitSeq(wctx, ev.Seq); err != nil {
		t.Fatalf("the second process did not follow the ledger's writes: %v (at seq %d)", err, b.Seq())
	}
	want := map[string]int64{"issuer": -10, "card-1": 6, "shop": 4}
	if got := balances(t, b.Snapshot().Reader); !jsonEqual(t, got, want) {
		t.Errorf("the second process serves balances %v, want %v", got, want)
	}
	var order []string
	for tr := range b.Snapshot().Posted("card-1") {
		order = append(order, tr.ID)
	}
	if !jsonEqual(t, order, []string{"t1", "t2"}) {
		t.Errorf("the second process's statement of card-1 %v, want t1 t2", order)
	}
}
