package store

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/allymatch/allymatch/internal/pgtest"
	"github.com/allymatch/allymatch/matcher"
)

// The Banan store (with writes after the import and a login) goes from a
// file to PostgreSQL and back, whole: every record, event, category and
// login served the same, the sequence kept, and the file that comes back
// holds the same keys and values as the first.
func TestCopyBothWays(t *testing.T) {
	data, want := bananFile(t)
	from := Options{Dir: t.TempDir()}
	if err := os.WriteFile(filepath.Join(from.Dir, FileName), data, 0o600); err != nil {
		t.Fatal(err)
	}
	s := openAt(t, from)
	h := HashToken("am_secret")
	if err := s.PutLogin(h, Login{Actor: matcher.UnitActor("lh-party")}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	pg := Options{URL: pgtest.NewDB(t)}
	back := Options{Dir: filepath.Join(t.TempDir(), "back")}
	var stats []CopyStats
	for _, step := range [][2]Options{{from, pg}, {pg, back}} {
		st, err := Copy(ctx, step[0], step[1])
		if err != nil {
			t.Fatalf("Copy(%s, %s) = %v", placeOf(step[0]), placeOf(step[1]), err)
		}
		stats = append(stats, st)
	}
	if stats[0].String() != stats[1].String() || stats[0].Seq != 6 || stats[0].Buckets["tokens"] != 1 {
		t.Errorf("copies = %s and %s; want the same, seq 6, one token", stats[0], stats[1])
	}
	for _, o := range []Options{pg, back} {
		s := openAt(t, o)
		if got := dump(t, s); len(got) != len(want) {
			t.Errorf("%s serves %d values, want %d", placeOf(o), len(got), len(want))
		} else {
			for k, v := range want {
				if got[k] != v {
					t.Errorf("%s: %s = %s, want %s", placeOf(o), k, got[k], v)
				}
			}
		}
		if l, ok, err := s.LookupLogin(KindToken, h); !ok || err != nil || l.Actor != matcher.UnitActor("lh-party") {
			t.Errorf("%s: the login = %+v, %v, %v", placeOf(o), l, ok, err)
		}
		s.Close()
	}
	if a, b := rawKV(t, from), rawKV(t, back); a != b {
		t.Errorf("the file that came back holds other keys or values than the first")
	}

	// Into a place that holds a store already: refused, nothing changed.
	before := rawState(t, pg)
	if _, err := Copy(ctx, back, pg); err == nil || !strings.Contains(err.Error(), "holds a store already") {
		t.Errorf("Copy into a store = %v, want refused", err)
	}
	if rawState(t, pg) != before {
		t.Error("the refused copy changed the target")
	}
	// From nothing: refused.
	if _, err := Copy(ctx, Options{Dir: t.TempDir()}, Options{Dir: t.TempDir()}); err == nil || !strings.Contains(err.Error(), "no store") {
		t.Errorf("Copy from an empty folder = %v, want refused", err)
	}
}

// rawKV lists every bucket, key and value of the store at o.
func rawKV(tb testing.TB, o Options) string {
	tb.Helper()
	s := openAt(tb, o)
	defer s.Close()
	var b strings.Builder
	err := s.kv.view(ctx, func(tx kvTx) error {
		names, err := tx.buckets()
		if err != nil {
			return err
		}
		for _, n := range names {
			bk, err := tx.bucket(n)
			if err != nil {
				return err
			}
			if err := forEach(bk, func(k, v []byte) error {
				b.WriteString(n + "/" + string(k) + "=" + string(v) + "\n")
				return nil
			}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return b.String()
}
