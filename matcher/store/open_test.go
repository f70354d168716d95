package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/index"
)

// entries lists a folder's names ("" when it does not exist).
func entries(tb testing.TB, dir string) string {
	tb.Helper()
	es, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return ""
	}
	if err != nil {
		tb.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return strings.Join(names, " ")
}

// wantOpenError checks that err is an *OpenError of kind naming path and
// each of words.
func wantOpenError(tb testing.TB, err error, kind ErrorKind, path string, words ...string) *OpenError {
	tb.Helper()
	oe, ok := errors.AsType[*OpenError](err)
	if !ok {
		tb.Fatalf("Open error = %v (%T), want an *OpenError of kind %q", err, err, kind)
	}
	if oe.Kind != kind || (path != "" && oe.Path != path) {
		tb.Errorf("Open error = %v: kind %q path %s, want kind %q path %s", err, oe.Kind, oe.Path, kind, path)
	}
	for _, w := range words {
		if !strings.Contains(err.Error(), w) {
			tb.Errorf("Open error %q does not say %q", err, w)
		}
	}
	return oe
}

func TestNewInstall(t *testing.T) {
	cases := []struct {
		name  string
		files []string // made in the folder before Open; nil: no folder
	}{
		{"missing folder", nil},
		{"empty folder", []string{}},
		{"hidden files and lost+found", []string{".gitkeep", "lost+found/", ".allymatch.db.new-1-0000"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "data")
			if tc.files != nil {
				makeFiles(t, dir, tc.files...)
			}
			s, st, err := Open(ctx, Options{Dir: dir})
			if err != nil {
				t.Fatalf("Open = %v, want a new install", err)
			}
			if !st.Created || st.Seq != 0 || st.Records != 0 {
				t.Errorf("Stats = %+v, want Created, seq 0, no records", st)
			}
			seed(t, s)
			s.Close()
			if got := entries(t, dir); !strings.Contains(got, FileName) || strings.Count(got, ".new-") > strings.Count(strings.Join(tc.files, " "), ".new-") {
				t.Errorf("folder after Open = %q, want %s and no temporary file", got, FileName)
			}
			s, st, err = Open(ctx, Options{Dir: dir})
			if err != nil {
				t.Fatalf("second Open = %v", err)
			}
			defer s.Close()
			if st.Created || st.Seq != 1 || st.Records != 6 {
				t.Errorf("second Open: Stats = %+v, want not Created, seq 1, 6 records", st)
			}
		})
	}
}

func makeFiles(tb testing.TB, dir string, names ...string) {
	tb.Helper()
	if err := os.MkdirAll(dir, 0o750); err != nil {
		tb.Fatal(err)
	}
	for _, n := range names {
		var err error
		if d, ok := strings.CutSuffix(n, "/"); ok {
			err = os.Mkdir(filepath.Join(dir, d), 0o750)
		} else {
			err = os.WriteFile(filepath.Join(dir, n), []byte("x"), 0o600)
		}
		if err != nil {
			tb.Fatal(err)
		}
	}
}

func TestFolderWithOtherFilesIsNoNewInstall(t *testing.T) {
	dir := t.TempDir()
	makeFiles(t, dir, "allymatch.db.bak", "demands.csv", "notes/", "x", ".hidden")
	_, _, err := Open(ctx, Options{Dir: dir})
	wantOpenError(t, err, KindNotStore, dir, "allymatch.db.bak, demands.csv, notes and 1 more", "no allymatch.db")
	if got := entries(t, dir); got != ".hidden allymatch.db.bak demands.csv notes x" {
		t.Errorf("folder after the refused Open = %q, want it unchanged", got)
	}
}

func TestNoCreate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "typo")
	_, _, err := Open(ctx, Options{Dir: dir, NoCreate: true})
	wantOpenError(t, err, KindMissing, filepath.Join(dir, FileName))
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Open with NoCreate made the folder (stat: %v)", err)
	}
}

// A new store takes its name only once OnCreate succeeded: a failure (or a
// crash) in it leaves no store, and the next start is a new install again.
func TestOnCreate(t *testing.T) {
	dir := t.TempDir()
	boom := errors.New("boom")
	_, _, err := Open(ctx, Options{Dir: dir, OnCreate: func(ctx context.Context, s *Store) error {
		seed(t, s)
		return boom
	}})
	if !errors.Is(err, boom) {
		t.Fatalf("Open with a failing OnCreate = %v, want boom", err)
	}
	if got := entries(t, dir); got != "" {
		t.Errorf("folder after a failed OnCreate = %q, want it empty", got)
	}
	calls := 0
	s, st, err := Open(ctx, Options{Dir: dir, OnCreate: func(ctx context.Context, s *Store) error {
		calls++
		seed(t, s)
		return nil
	}})
	if err != nil || !st.Created || calls != 1 || st.Seq != 1 {
		t.Fatalf("Open after the failure = %+v, %v (OnCreate ran %d times); want a new install seeded once", st, err, calls)
	}
	// The store is open on the file now named allymatch.db: a second
	// process is held off, and the writes land in that file.
	if _, _, err := Open(ctx, Options{Dir: dir, LockTimeout: 50 * time.Millisecond}); err == nil {
		t.Fatal("a second Open of the new store succeeded while the first holds it")
	}
	if _, err := s.Update(ctx, "test", "edit", nil, func(tx *Tx) error { return tx.PutItem(testItem("d2", "lh-school", matcher.Demand, 1)) }); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s2, st, err := Open(ctx, Options{Dir: dir, OnCreate: func(context.Context, *Store) error { calls++; return nil }})
	if err != nil || st.Created || calls != 1 || st.Seq != 2 {
		t.Fatalf("reopen = %+v, %v (OnCreate ran %d times); want the store at seq 2, not created", st, err, calls)
	}
	s2.Close()
}

// shapeCase damages a good store file through bbolt itself: the pages are
// sound, what allymatch keeps in them is not.
type shapeCase struct {
	name  string
	edit  func(tx kvTx) error
	kind  ErrorKind
	words []string
}

func deleteBucket(name string) func(kvTx) error {
	return func(tx kvTx) error { return tx.deleteBucket(name) }
}

func putMeta(k, v []byte) func(kvTx) error {
	return func(tx kvTx) error {
		meta, err := mustBucket(tx, bucketMeta)
		if err != nil {
			return err
		}
		if v == nil {
			return meta.delete(k)
		}
		return meta.put(k, v)
	}
}

// boltEdit runs edit, written for either engine, on a bbolt transaction.
func boltEdit(edit func(kvTx) error) func(*bolt.Tx) error {
	if edit == nil {
		return nil
	}
	return func(btx *bolt.Tx) error { return edit(boltTx{btx}) }
}

func shapeCases() []shapeCase {
	var cases []shapeCase
	for _, b := range requiredBuckets() {
		cases = append(cases, shapeCase{"no table " + b, deleteBucket(b), KindDamaged, []string{"the table " + b + " is missing"}})
	}
	seq := func(n uint64) []byte { return binary.BigEndian.AppendUint64(nil, n) }
	return append(cases,
		shapeCase{"no tables claims and events", func(tx kvTx) error {
			return errors.Join(tx.deleteBucket("claims"), tx.deleteBucket("events"))
		}, KindDamaged, []string{"the tables events, claims are missing"}},
		shapeCase{"no version", putMeta(keyVersion, nil), KindDamaged, []string{"meta/version", "missing"}},
		shapeCase{"garbage version", putMeta(keyVersion, []byte("two")), KindDamaged, []string{`meta/version holds "two"`}},
		shapeCase{"newer version", putMeta(keyVersion, []byte("9")), KindNewer, []string{"layout version 9", "versions up to " + schemaVersion}},
		shapeCase{"no sequence", putMeta(keySeq, nil), KindDamaged, []string{"meta/seq", "missing", "events"}},
		shapeCase{"short sequence", putMeta(keySeq, []byte{1}), KindDamaged, []string{"meta/seq has 1 bytes"}},
		shapeCase{"sequence below the last event", putMeta(keySeq, seq(1)), KindDamaged, []string{"meta/seq is 1, lower than the last event 2"}},
		shapeCase{"record newer than the sequence", func(tx kvTx) error {
			if err := putMeta(keySeq, seq(2))(tx); err != nil {
				return err
			}
			it := testItem("d9", "lh-school", matcher.Demand, 1)
			it.Rev = 7
			b, err := mustBucket(tx, []byte(index.TableItems))
			if err != nil {
				return err
			}
			return putJSON(b, it.ID, it)
		}, KindDamaged, []string{"items/d9: revision 7 is above the sequence 2"}},
		shapeCase{"event under another key", func(tx kvTx) error {
			b, err := mustBucket(tx, bucketEvents)
			if err != nil {
				return err
			}
			k1, k2 := seq(1), seq(2)
			v1, err := b.get(k1)
			if err != nil {
				return err
			}
			v, err := Unseal(k1, v1)
			if err != nil {
				return err
			}
			return b.put(k2, Seal(k2, v))
		}, KindDamaged, []string{"events/2: stored as event 2 but holds event 1"}},
	)
}

// seededStore makes a store at opts with seed's records and a claim (two
// events), and closes it.
func seededStore(tb testing.TB, opts Options) {
	tb.Helper()
	s, _, err := Open(ctx, opts)
	if err != nil {
		tb.Fatal(err)
	}
	defer s.Close()
	seed(tb, s)
	if _, err := s.Update(ctx, "test", "claim", nil, func(tx *Tx) error { return tx.PutClaim(testClaim("c1", 1, matcher.ClaimProposed)) }); err != nil {
		tb.Fatal(err)
	}
}

// seededFile returns a store file with seed's records and a claim (two
// events).
func seededFile(tb testing.TB) []byte {
	tb.Helper()
	dir := tb.TempDir()
	s := mustOpen(tb, dir)
	seed(tb, s)
	if _, err := s.Update(ctx, "test", "claim", nil, func(tx *Tx) error { return tx.PutClaim(testClaim("c1", 1, matcher.ClaimProposed)) }); err != nil {
		tb.Fatal(err)
	}
	s.Close()
	data, err := os.ReadFile(filepath.Join(dir, FileName))
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

// editedFile writes data to a new folder, applies edit through bbolt and
// returns the folder and the file's bytes.
func editedFile(tb testing.TB, data []byte, edit func(*bolt.Tx) error) (string, []byte) {
	tb.Helper()
	dir := tb.TempDir()
	path := filepath.Join(dir, FileName)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		tb.Fatal(err)
	}
	if edit != nil {
		db, err := bolt.Open(path, 0o600, nil)
		if err != nil {
			tb.Fatal(err)
		}
		if err := db.Update(edit); err != nil {
			tb.Fatal(err)
		}
		if err := db.Close(); err != nil {
			tb.Fatal(err)
		}
	}
	out, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return dir, out
}

// wantUnchanged checks that the file in dir still holds want.
func wantUnchanged(tb testing.TB, dir string, want []byte) {
	tb.Helper()
	got, err := os.ReadFile(filepath.Join(dir, FileName))
	if err != nil {
		tb.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		tb.Errorf("the refused file changed: %d bytes, %d differ from the %d before", len(got), diffBytes(got, want), len(want))
	}
	if e := entries(tb, dir); e != FileName {
		tb.Errorf("the folder holds %q after a refused Open, want only %s", e, FileName)
	}
}

func diffBytes(a, b []byte) int {
	n := max(len(a), len(b)) - min(len(a), len(b))
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			n++
		}
	}
	return n
}

func TestRefusedShapes(t *testing.T) {
	forEachEngine(t, func(t *testing.T, fresh func(testing.TB) Options) {
		for _, tc := range shapeCases() {
			t.Run(tc.name, func(t *testing.T) {
				opts := fresh(t)
				seededStore(t, opts)
				rawUpdate(t, opts, tc.edit)
				before := rawState(t, opts)
				_, _, err := Open(ctx, opts)
				wantOpenError(t, err, tc.kind, where(opts), tc.words...)
				if after := rawState(t, opts); after != before {
					t.Errorf("the refused store changed:\n%s\nwant\n%s", after, before)
				}
			})
		}
	})
	t.Run("0 bytes", func(t *testing.T) {
		dir, before := editedFile(t, nil, nil)
		_, _, err := Open(ctx, Options{Dir: dir})
		wantOpenError(t, err, KindDamaged, filepath.Join(dir, FileName), "0 bytes")
		wantUnchanged(t, dir, before)
	})
}

// Optional tables may be missing; tables of later versions may be there;
// a store that was never written may lack its sequence.
func TestAcceptedShapes(t *testing.T) {
	forEachEngine(t, func(t *testing.T, fresh func(testing.TB) Options) {
		for _, tc := range []struct {
			name string
			edit func(kvTx) error
			seq  uint64
		}{
			{"sessions table", func(tx kvTx) error {
				b, err := tx.createBucket("sessions")
				if err != nil {
					return err
				}
				return b.put([]byte("s1"), []byte("{}"))
			}, 2},
			{"tokens table", func(tx kvTx) error {
				b, err := tx.createBucket(string(bucketTokens))
				if err != nil {
					return err
				}
				return b.put([]byte("t1"), []byte("{}"))
			}, 2},
			{"a table of a later version", func(tx kvTx) error {
				b, err := tx.createBucket("ledger")
				if err != nil {
					return err
				}
				return b.put([]byte("x"), []byte("y"))
			}, 2},
			{"never written, no sequence", func(tx kvTx) error {
				for _, b := range dataBuckets() {
					if err := tx.deleteBucket(b); err != nil {
						return err
					}
					if _, err := tx.createBucket(b); err != nil {
						return err
					}
				}
				return putMeta(keySeq, nil)(tx)
			}, 0},
		} {
			t.Run(tc.name, func(t *testing.T) {
				opts := fresh(t)
				seededStore(t, opts)
				rawUpdate(t, opts, tc.edit)
				s, st, err := Open(ctx, opts)
				if err != nil {
					t.Fatalf("Open = %v, want nil", err)
				}
				s.Close()
				if st.Seq != tc.seq || st.Created {
					t.Errorf("Stats = %+v, want seq %d, not created", st, tc.seq)
				}
			})
		}
	})
}

// failingFS makes openFile fail with errno for the files that match.
func failingFS(errno syscall.Errno, match func(name string, flag int) bool) func(string, int, os.FileMode) (*os.File, error) {
	return func(name string, flag int, perm os.FileMode) (*os.File, error) {
		if match(name, flag) {
			return nil, &fs.PathError{Op: "open", Path: name, Err: errno}
		}
		return os.OpenFile(name, flag, perm)
	}
}

func writing(name string, flag int) bool { return flag&(os.O_RDWR|os.O_WRONLY) != 0 }

func TestOpenErrorKinds(t *testing.T) {
	good := seededFile(t)
	cases := []struct {
		name     string
		existing bool
		openFile func(string, int, os.FileMode) (*os.File, error)
		kind     ErrorKind
		words    []string
	}{
		{"file not writable", true, failingFS(syscall.EACCES, writing), KindPermission, []string{"permission denied", "reading and writing"}},
		{"file not readable", true, failingFS(syscall.EACCES, func(string, int) bool { return true }), KindPermission, []string{"permission denied"}},
		{"read-only file system", true, failingFS(syscall.EROFS, writing), KindReadOnly, []string{"read-only file system"}},
		{"folder not writable", false, failingFS(syscall.EACCES, func(n string, _ int) bool { return strings.Contains(n, ".new-") }), KindPermission, []string{"cannot create a file in the data folder"}},
		{"disk full", false, failingFS(syscall.ENOSPC, func(n string, _ int) bool { return strings.Contains(n, ".new-") }), KindIO, []string{"no space left"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			var before []byte
			if tc.existing {
				dir, before = editedFile(t, good, nil)
			}
			_, _, err := Open(ctx, Options{Dir: dir, openFile: tc.openFile})
			oe := wantOpenError(t, err, tc.kind, "", tc.words...)
			if !strings.HasPrefix(oe.Path, dir) {
				t.Errorf("the error names %s, want a path in %s", oe.Path, dir)
			}
			if tc.existing {
				wantUnchanged(t, dir, before)
			} else if e := entries(t, dir); e != "" {
				t.Errorf("folder after the refused Open = %q, want it empty", e)
			}
		})
	}
	t.Run("in use", func(t *testing.T) {
		dir := t.TempDir()
		mustOpen(t, dir)
		_, _, err := Open(ctx, Options{Dir: dir, LockTimeout: 50 * time.Millisecond})
		wantOpenError(t, err, KindInUse, filepath.Join(dir, FileName), "another process holds its lock (waited 50ms)")
	})
}

// A store of layout version 1 (JSON values without checksums), written
// here with bbolt as allymatch wrote it, opens with its data intact and is
// migrated to version 2 in place.
func TestVersion1FileMigrates(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	units := []matcher.Unit{testUnit("lh-party", "龙华社区党委"), testUnit("lh-school", "龙洲湾中学"), testUnit("lh-bank", "农商行龙洲湾支行")}
	a := testAlliance()
	a.Members = []string{"lh-school", "lh-bank"}
	d1, r1 := testItem("d1", "lh-school", matcher.Demand, 5), testItem("r1", "lh-bank", matcher.Resource, 3)
	c1 := testClaim("c1", 2, matcher.ClaimConfirmed)
	cat := matcher.Category{ID: "tea", NameZH: "茶叙", NameEN: "tea talk"}
	for _, r := range []*uint64{&units[0].Rev, &units[1].Rev, &units[2].Rev, &a.Rev, &d1.Rev, &r1.Rev} {
		*r = 1
	}
	c1.Rev = 2
	ev1 := matcher.Event{Seq: 1, Time: time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC), Actor: "system", Action: "import", Count: 7, Changes: []matcher.Change{{Table: "units", ID: "lh-party"}}}
	ev2 := matcher.Event{Seq: 2, Time: time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC), Actor: "unit:lh-bank", Action: "claim.create", Alliances: []string{"lh"}, Count: 1, Changes: []matcher.Change{{Table: "claims", ID: "c1"}}}
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	put := func(btx *bolt.Tx, bucket string, k []byte, v any) {
		data, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if err := btx.Bucket([]byte(bucket)).Put(k, data); err != nil {
			t.Fatal(err)
		}
	}
	seqKey := func(n uint64) []byte { return binary.BigEndian.AppendUint64(nil, n) }
	err = db.Update(func(btx *bolt.Tx) error {
		for _, b := range append([]string{"meta", "events", "categories"}, index.Tables...) {
			if _, err := btx.CreateBucket([]byte(b)); err != nil {
				return err
			}
		}
		btx.Bucket([]byte("meta")).Put([]byte("version"), []byte("1"))
		btx.Bucket([]byte("meta")).Put([]byte("seq"), seqKey(2))
		put(btx, "categories", []byte(cat.ID), cat)
		for _, u := range units {
			put(btx, "units", []byte(u.ID), u)
		}
		put(btx, "alliances", []byte(a.ID), a)
		put(btx, "items", []byte("d1"), d1)
		put(btx, "items", []byte("r1"), r1)
		put(btx, "claims", []byte("c1"), c1)
		put(btx, "events", seqKey(1), ev1)
		put(btx, "events", seqKey(2), ev2)
		// A token as version 1 stored it: plain JSON, without id or born.
		tb, err := btx.CreateBucket(bucketTokens)
		if err != nil {
			return err
		}
		h := HashToken("am_old-token")
		return tb.Put(h[:], []byte(`{"actor":{"role":"unit","id":"lh-school"},"created":"2026-11-30T08:00:00Z"}`))
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	s, st, err := Open(ctx, Options{Dir: dir})
	if err != nil {
		t.Fatalf("Open(version 1) = %v, want it migrated", err)
	}
	if st.Migrated != "1" || st.Records != 7 || st.Seq != 2 || st.Created {
		t.Errorf("Stats = %+v, want Migrated 1, 7 records, seq 2", st)
	}
	check := func(s *Store) {
		t.Helper()
		sn := s.Snapshot()
		got, err := sn.Claim("c1")
		if err != nil || !jsonEqual(t, got, c1) {
			t.Errorf("claim c1 = %+v, %v; want %+v", got, err, c1)
		}
		if it, err := sn.Item("d1"); err != nil || !jsonEqual(t, it, d1) {
			t.Errorf("item d1 = %+v, %v; want %+v", it, err, d1)
		}
		if u, err := sn.Unit("lh-school"); err != nil || u.Name != "龙洲湾中学" || !slices.Equal(u.Alliances, []string{"lh"}) {
			t.Errorf("unit lh-school = %+v, %v", u, err)
		}
		if !sn.Vocab.Has("tea") {
			t.Error("the stored category tea is missing")
		}
		evs, err := s.Events(0, 10, nil)
		if err != nil || len(evs) != 2 || !jsonEqual(t, evs[0], ev1) || !jsonEqual(t, evs[1], ev2) {
			t.Errorf("Events = %+v, %v; want the two written", evs, err)
		}
		if l, ok, err := s.LookupLogin(KindToken, HashToken("am_old-token")); err != nil || !ok || l.Actor != matcher.UnitActor("lh-school") {
			t.Errorf("the version 1 token = %+v, %v, %v; want it kept", l, ok, err)
		}
	}
	check(s)
	s.Close()

	// The file is version 2 now: every value sealed.
	db, err = bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	db.View(func(btx *bolt.Tx) error {
		if v := btx.Bucket(bucketMeta).Get(keyVersion); string(v) != schemaVersion {
			t.Errorf("version after the migration = %q, want %s", v, schemaVersion)
		}
		for _, b := range append(dataBuckets(), string(bucketTokens)) {
			btx.Bucket([]byte(b)).ForEach(func(k, v []byte) error {
				if _, err := Unseal(k, v); err != nil {
					t.Errorf("%s/%s not sealed after the migration", b, keyName(b, k))
				}
				return nil
			})
		}
		return nil
	})
	db.Close()
	s, st, err = Open(ctx, Options{Dir: dir})
	if err != nil || st.Migrated != "" {
		t.Fatalf("reopen after the migration = %+v, %v", st, err)
	}
	check(s)
	s.Close()
}

func jsonEqual(tb testing.TB, a, b any) bool {
	tb.Helper()
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	if err1 != nil || err2 != nil {
		tb.Fatal(err1, err2)
	}
	return bytes.Equal(ja, jb)
}

// A version-1 file with a record that fails to validate is refused before
// anything is migrated.
func TestVersion1FileWithABadRecordIsRefused(t *testing.T) {
	good := seededFile(t)
	dir, before := editedFile(t, good, func(btx *bolt.Tx) error {
		for _, name := range dataBuckets() {
			b := btx.Bucket([]byte(name))
			var ks, vs [][]byte
			b.ForEach(func(k, v []byte) error {
				data, err := Unseal(k, v)
				ks, vs = append(ks, k), append(vs, data)
				return err
			})
			for i := range ks {
				if err := b.Put(ks[i], vs[i]); err != nil {
					return err
				}
			}
		}
		if err := btx.Bucket([]byte(index.TableItems)).Put([]byte("d1"), []byte(`{"id":"d1","unit":"lh-school","kind":"demand","quantity":-1}`)); err != nil {
			return err
		}
		return btx.Bucket(bucketMeta).Put(keyVersion, []byte("1"))
	})
	_, _, err := Open(ctx, Options{Dir: dir})
	wantOpenError(t, err, KindDamaged, filepath.Join(dir, FileName), "items/d1", "quantity")
	wantUnchanged(t, dir, before)
}

// A panic in the storage library, or a fault reading a memory map, becomes
// an error naming the file.
func TestPanicBecomesError(t *testing.T) {
	err := guard("data/allymatch.db", func() error { panic("assertion failed: Page expected to be: 7, but self identifies as 0") })
	wantOpenError(t, err, KindDamaged, "data/allymatch.db", "storage library", "Page expected")

	path := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(path, make([]byte, 1<<16), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := syscall.Mmap(int(f.Fd()), 0, 1<<16, syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		t.Skipf("mmap: %v", err)
	}
	defer syscall.Munmap(m)
	if err := os.Truncate(path, 0); err != nil { // the map now lies past the file's end
		t.Fatal(err)
	}
	var sink byte
	err = guard(path, func() error { sink = m[1<<15]; return nil })
	wantOpenError(t, err, KindDamaged, path, "storage library")
	_ = sink
}

// A write by another process between the read-only check and the open for
// writing is not missed: Open starts over, and gives up as in use when the
// file keeps changing.
func TestOpenStartsOverWhenTheFileChanges(t *testing.T) {
	good := seededFile(t)
	for _, tc := range []struct {
		name   string
		writes int // by the other process, one per open for writing
		ok     bool
	}{{"once", 1, true}, {"every time", 3, false}} {
		t.Run(tc.name, func(t *testing.T) {
			dir, _ := editedFile(t, good, nil)
			path := filepath.Join(dir, FileName)
			n := 0
			openFile := func(name string, flag int, perm os.FileMode) (*os.File, error) {
				if name == path && flag&os.O_CREATE != 0 && n < tc.writes {
					n++ // bbolt opens for writing: another process writes first
					db, err := bolt.Open(path, 0o600, nil)
					if err != nil {
						return nil, err
					}
					err = db.Update(func(btx *bolt.Tx) error {
						c := matcher.Category{ID: fmt.Sprintf("tea%d", n), NameZH: "茶叙", NameEN: "tea talk"}
						return putJSON(boltBucket{btx.Bucket(bucketCategories)}, c.ID, c)
					})
					if err := errors.Join(err, db.Close()); err != nil {
						return nil, err
					}
				}
				return os.OpenFile(name, flag, perm)
			}
			s, _, err := Open(ctx, Options{Dir: dir, openFile: openFile})
			if !tc.ok {
				wantOpenError(t, err, KindInUse, path, "while this one was opening it")
				return
			}
			if err != nil {
				t.Fatalf("Open = %v, want it to start over and succeed", err)
			}
			defer s.Close()
			if !s.Vocabulary().Has("tea1") {
				t.Error("the store misses the category the other process wrote")
			}
		})
	}
}
