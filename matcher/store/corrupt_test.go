package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/allymatch/allymatch/fixtures"
	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/index"
)

// dump returns everything a store serves, encoded: every record of every
// table, every event, the vocabulary and the sequence.
func dump(tb testing.TB, s *Store) map[string]string {
	tb.Helper()
	out := map[string]string{}
	enc := func(k string, v any) {
		data, err := json.Marshal(v)
		if err != nil {
			tb.Fatal(err)
		}
		out[k] = string(data)
	}
	sn := s.Snapshot()
	for _, table := range index.Tables {
		it, err := sn.Txn().Get(table, index.IndexID)
		if err != nil {
			tb.Fatal(err)
		}
		for i, obj := 0, it.Next(); obj != nil; i, obj = i+1, it.Next() {
			enc(fmt.Sprintf("%s/%d", table, i), obj)
		}
	}
	evs, err := s.Events(0, 1<<30, nil)
	if err != nil {
		tb.Fatalf("Events: %v", err)
	}
	for _, ev := range evs {
		enc(fmt.Sprintf("events/%d", ev.Seq), ev)
	}
	cats := sn.Vocab.All()
	slices.SortFunc(cats, func(a, b matcher.Category) int { return strings.Compare(a.ID, b.ID) })
	enc("categories", cats)
	enc("seq", sn.Seq)
	return out
}

// bananFile returns a store file holding the Banan sample and a few writes
// after it (an edit, a new category, a hand claim, a deletion: five
// events), and the dump of a store opened on it. The file is the same byte
// for byte at every run (the events' clock is fixed), so that each damage
// case hits the same bytes every time.
func bananFile(tb testing.TB) ([]byte, map[string]string) {
	tb.Helper()
	dir := tb.TempDir()
	clock := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	s, _, err := Open(ctx, Options{Dir: dir, Now: func() time.Time { clock = clock.Add(time.Second); return clock }})
	if err != nil {
		tb.Fatal(err)
	}
	b := fixtures.MustBanan(tb)
	if _, err := s.Import(ctx, b, "system"); err != nil {
		tb.Fatal(err)
	}
	var res, dem *matcher.Item
	for i := range b.Items {
		it := &b.Items[i]
		switch {
		case res == nil && it.Kind == matcher.Resource && it.Project == "":
			res = it
		case dem == nil && it.Kind == matcher.Demand && it.Project == "":
			dem = it
		}
	}
	writes := []func(tx *Tx) error{
		func(tx *Tx) error {
			it, err := tx.Item(dem.ID)
			if err != nil {
				return err
			}
			c := *it
			c.Quantity++
			c.Title += "（改）"
			return tx.PutItem(c)
		},
		func(tx *Tx) error {
			return tx.PutCategory(matcher.Category{ID: "tea", NameZH: "茶叙", NameEN: "tea talk"})
		},
		func(tx *Tx) error {
			return tx.PutClaim(matcher.Claim{ID: "hand-1", Resource: res.ID, Demand: dem.ID, ResourceUnit: res.Unit, DemandUnit: dem.Unit,
				Quantity: 1, Score: 500, Origin: matcher.OriginDemand, Status: matcher.ClaimProposed})
		},
		func(tx *Tx) error {
			return tx.PutClaim(matcher.Claim{ID: "hand-2", Resource: res.ID, Demand: dem.ID, ResourceUnit: res.Unit, DemandUnit: dem.Unit,
				Quantity: 1, Score: 400, Origin: matcher.OriginResource, Status: matcher.ClaimProposed})
		},
		func(tx *Tx) error { return tx.Delete(index.TableClaims, "hand-2") },
	}
	for i, w := range writes {
		if _, err := s.Update(ctx, "test", fmt.Sprintf("write %d", i), nil, w); err != nil {
			tb.Fatalf("write %d: %v", i, err)
		}
	}
	s.Close()
	data := rewritten(tb, filepath.Join(dir, FileName))
	dir = tb.TempDir()
	if err := os.WriteFile(filepath.Join(dir, FileName), data, 0o600); err != nil {
		tb.Fatal(err)
	}
	s = mustOpen(tb, dir)
	want := dump(tb, s)
	s.Close()
	return data, want
}

// rewritten returns the bytes of a copy of the bbolt file at path made one
// table per transaction, in key order: bbolt lays out the pages of one
// transaction that writes several tables in map order, so the file itself
// differs from run to run; the copy does not.
func rewritten(tb testing.TB, path string) []byte {
	tb.Helper()
	src, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		tb.Fatal(err)
	}
	defer src.Close()
	out := filepath.Join(tb.TempDir(), "copy.db")
	dst, err := bolt.Open(out, 0o600, &bolt.Options{NoSync: true})
	if err != nil {
		tb.Fatal(err)
	}
	err = src.View(func(stx *bolt.Tx) error {
		return stx.ForEach(func(name []byte, sb *bolt.Bucket) error {
			return dst.Update(func(dtx *bolt.Tx) error {
				db, err := dtx.CreateBucket(name)
				if err != nil {
					return err
				}
				return sb.ForEach(func(k, v []byte) error { return db.Put(k, v) })
			})
		})
	})
	if err != nil {
		tb.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		tb.Fatal(err)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

// corruptCase is one damaged file: made from the good one's bytes, or by an
// edit through bbolt (pages sound, content not).
type corruptCase struct {
	name   string
	damage func(data []byte) []byte
	edit   func(btx *bolt.Tx) error
	words  []string // that the refusal must say
	refuse bool     // must be refused (not served unchanged)
}

func truncate(n int) func([]byte) []byte {
	return func(data []byte) []byte { return data[:n] }
}

func zeroPages(ps int, pages ...int) func([]byte) []byte {
	return func(data []byte) []byte {
		for _, p := range pages {
			clear(data[p*ps : (p+1)*ps])
		}
		return data
	}
}

// sealedValue returns the stored value of table/id in btx.
func sealedValue(btx *bolt.Tx, table, id string) []byte {
	return btx.Bucket([]byte(table)).Get([]byte(id))
}

func corruptCases(good []byte) []corruptCase {
	const ps = 4096
	if len(good)%ps != 0 || len(good) < 8*ps {
		panic(fmt.Sprintf("the good file has %d bytes, want whole pages of %d", len(good), ps))
	}
	n := len(good)
	var cases []corruptCase
	for _, size := range []int{0, 1, 100, ps - 1, ps, 2 * ps, 3 * ps} {
		cases = append(cases, corruptCase{name: fmt.Sprintf("truncated to %d bytes", size), damage: truncate(size), refuse: true})
	}
	// The file's last pages may be free, or past the high-water mark: cut
	// or zeroed, the file is served unchanged or refused.
	for _, size := range []int{n / 2 / ps * ps, n - ps, n - 1} {
		cases = append(cases, corruptCase{name: fmt.Sprintf("truncated to %d bytes", size), damage: truncate(size)})
	}
	cases = append(cases,
		corruptCase{name: "meta page 0 zeroed", damage: zeroPages(ps, 0), words: []string{"meta page 0"}, refuse: true},
		corruptCase{name: "meta page 1 zeroed", damage: zeroPages(ps, 1), words: []string{"meta page 1"}, refuse: true},
		corruptCase{name: "both meta pages zeroed", damage: zeroPages(ps, 0, 1), words: []string{"meta page 0"}, refuse: true},
		corruptCase{name: "last page zeroed", damage: zeroPages(ps, n/ps-1)},
	)
	// 200 flips anywhere (the first 50 under the race detector, which adds
	// nothing here but time: go test ./... runs them all).
	flips := 200
	if raceEnabled {
		flips = 50
	}
	rng := rand.New(rand.NewPCG(2026, 10))
	for i := range flips {
		pos, x := rng.IntN(n), byte(1+rng.IntN(255))
		cases = append(cases, corruptCase{name: fmt.Sprintf("flip %d: byte %d ^ %#02x", i, pos, x), damage: func(data []byte) []byte {
			data[pos] ^= x
			return data
		}})
	}
	// Flips in the page and element headers, where a damaged page id or
	// count sends bbolt outside its memory map.
	rng = rand.New(rand.NewPCG(2026, 11))
	for p := 2; p < n/ps; p++ {
		pos, x := p*ps+rng.IntN(pageHeaderSize+2*elementSize), byte(1+rng.IntN(255))
		cases = append(cases, corruptCase{name: fmt.Sprintf("page %d header flip: byte %d ^ %#02x", p, pos, x), damage: func(data []byte) []byte {
			data[pos] ^= x
			return data
		}})
	}
	for _, b := range requiredBuckets() {
		cases = append(cases, corruptCase{name: "table " + b + " deleted", edit: boltEdit(deleteBucket(b)), words: []string{"the table " + b + " is missing"}, refuse: true})
	}
	cases = append(cases,
		corruptCase{name: "sequence deleted", edit: boltEdit(putMeta(keySeq, nil)), words: []string{"meta/seq", "missing"}, refuse: true},
		corruptCase{name: "sequence set back", edit: boltEdit(putMeta(keySeq, binary.BigEndian.AppendUint64(nil, 3))), words: []string{"meta/seq is 3, lower than the last event 6"}, refuse: true},
		corruptCase{name: "version deleted", edit: boltEdit(putMeta(keyVersion, nil)), words: []string{"meta/version", "missing"}, refuse: true},
		corruptCase{name: "record changed, checksum not", edit: func(btx *bolt.Tx) error {
			v := slices.Clone(sealedValue(btx, "units", "lh-school"))
			i := strings.Index(string(v), "lh-school")
			v[i+3] = 'S' // "lh-School", still valid JSON
			return btx.Bucket([]byte("units")).Put([]byte("lh-school"), v)
		}, words: []string{"units/lh-school", "checksum mismatch"}, refuse: true},
		corruptCase{name: "record moved to another key", edit: func(btx *bolt.Tx) error {
			return btx.Bucket([]byte("units")).Put([]byte("lh-school2"), slices.Clone(sealedValue(btx, "units", "lh-school")))
		}, words: []string{"units/lh-school2", "checksum mismatch"}, refuse: true},
		corruptCase{name: "record invalid, checksum valid", edit: func(btx *bolt.Tx) error {
			v, err := Unseal([]byte("hand-1"), sealedValue(btx, "claims", "hand-1"))
			if err != nil {
				return err
			}
			var c matcher.Claim
			if err := json.Unmarshal(v, &c); err != nil {
				return err
			}
			c.Quantity = -1
			return putJSON(boltBucket{btx.Bucket([]byte("claims"))}, c.ID, c)
		}, words: []string{"claims/hand-1", "quantity"}, refuse: true},
		corruptCase{name: "event changed, checksum not", edit: func(btx *bolt.Tx) error {
			k := binary.BigEndian.AppendUint64(nil, 3)
			v := slices.Clone(btx.Bucket(bucketEvents).Get(k))
			v[len(v)-ChecksumSize-2] ^= 1
			return btx.Bucket(bucketEvents).Put(k, v)
		}, words: []string{"events/3", "checksum mismatch"}, refuse: true},
		corruptCase{name: "category changed, checksum not", edit: func(btx *bolt.Tx) error {
			v := slices.Clone(sealedValue(btx, "categories", "tea"))
			v[0] = ' '
			return btx.Bucket(bucketCategories).Put([]byte("tea"), v)
		}, words: []string{"categories/tea", "checksum mismatch"}, refuse: true},
		corruptCase{name: "value cut short", edit: func(btx *bolt.Tx) error {
			return btx.Bucket([]byte("units")).Put([]byte("lh-school"), []byte("{}"))
		}, words: []string{"units/lh-school", "checksum mismatch"}, refuse: true},
	)
	return cases
}

// TestCorruptFiles damages a real store file in many ways: each damaged
// file must be refused (an *OpenError of kind KindDamaged naming the file,
// the file left byte for byte as it was) or served unchanged (every record,
// event and category equal to the dump of the good file), never served
// changed, and never panic.
func TestCorruptFiles(t *testing.T) {
	good, want := bananFile(t)
	var refused, served atomic.Int32
	t.Cleanup(func() { t.Logf("%d damaged files refused, %d served unchanged", refused.Load(), served.Load()) })
	for _, tc := range corruptCases(good) {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var dir string
			var damaged []byte
			if tc.edit != nil {
				dir, damaged = editedFile(t, good, tc.edit)
			} else {
				dir, damaged = editedFile(t, tc.damage(slices.Clone(good)), nil)
			}
			path := filepath.Join(dir, FileName)
			s, _, err := Open(ctx, Options{Dir: dir})
			if err != nil {
				refused.Add(1)
				t.Logf("refused: %v", err)
				wantOpenError(t, err, KindDamaged, path, tc.words...)
				wantUnchanged(t, dir, damaged)
				return
			}
			served.Add(1)
			got := dump(t, s)
			s.Close()
			if tc.refuse {
				t.Fatalf("Open succeeded, want it refused")
			}
			if !maps.Equal(got, want) {
				for k := range maps.Keys(want) {
					if got[k] != want[k] {
						t.Errorf("served changed: %s = %s, want %s", k, got[k], want[k])
					}
				}
				for k := range maps.Keys(got) {
					if _, ok := want[k]; !ok {
						t.Errorf("served changed: %s = %s, not in the good file", k, got[k])
					}
				}
			}
		})
	}
}

func TestBananFileIsDeterministic(t *testing.T) {
	a, _ := bananFile(t)
	b, _ := bananFile(t)
	if !bytes.Equal(a, b) {
		t.Errorf("two builds of the file differ in %d bytes", diffBytes(a, b))
	}
}
