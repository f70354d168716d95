package store

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/allymatch/allymatch/matcher/index"
)

// CopyStats describe a Copy: what the target holds once reopened, equal
// to the source's.
type CopyStats struct {
	Seq     uint64
	Buckets map[string]int // the number of keys of every bucket
}

// String lists the counts, e.g. "seq 12: claims 3, events 12, ...".
func (c CopyStats) String() string {
	var parts []string
	for _, b := range slices.Sorted(maps.Keys(c.Buckets)) {
		parts = append(parts, fmt.Sprintf("%s %d", b, c.Buckets[b]))
	}
	return fmt.Sprintf("seq %d: %s", c.Seq, strings.Join(parts, ", "))
}

// Copy copies the store at from whole (every bucket: records, events,
// categories, logins, the layout version and the sequence, byte for byte)
// into a new store at to (a missing or empty folder, or an empty
// database), between engines in either direction. The source is opened as
// Open opens it (fully checked), and read in one snapshot; the target is
// written in one transaction as its new install (a failed copy leaves no
// store there), then opened again, which checks every value, record and
// invariant, and its counts of every bucket and its sequence are compared
// with the source's.
func Copy(ctx context.Context, from, to Options) (CopyStats, error) {
	from.NoCreate = true
	src, _, err := Open(ctx, from)
	if err != nil {
		return CopyStats{}, err
	}
	defer src.Close()
	var want CopyStats
	to.NoCreate = false
	to.OnCreate = func(ctx context.Context, dst *Store) error {
		return src.kv.view(ctx, func(stx kvTx) error {
			return dst.kv.update(ctx, func(dtx kvTx) error {
				var err error
				want, err = copyAll(stx, dtx)
				return err
			})
		})
	}
	dst, st, err := Open(ctx, to)
	if err != nil {
		return CopyStats{}, err
	}
	if !st.Created {
		dst.Close()
		return CopyStats{}, &OpenError{Path: dst.Path(), Kind: KindNotStore, Msg: "it holds a store already; Copy writes only into a new one"}
	}
	dst.Close()
	// Open again: everything is checked as at any start.
	to.OnCreate, to.NoCreate = nil, true
	dst, st, err = Open(ctx, to)
	if err != nil {
		return CopyStats{}, fmt.Errorf("store: the copy %s does not open: %w", placeOf(to), err)
	}
	defer dst.Close()
	var got CopyStats
	if err := dst.kv.view(ctx, func(tx kvTx) error {
		var err error
		got, err = countAll(tx)
		return err
	}); err != nil {
		return CopyStats{}, err
	}
	if got.String() != want.String() || st.Seq != want.Seq {
		return got, fmt.Errorf("store: the copy %s differs from %s: it holds %s (opened at seq %d), the source %s", dst.Path(), src.Path(), got, st.Seq, want)
	}
	sn, dn := src.Snapshot(), dst.Snapshot()
	for _, t := range index.Tables {
		if sn.Count(t) != dn.Count(t) {
			return got, fmt.Errorf("store: the copy %s serves %d %s, the source %d", dst.Path(), dn.Count(t), t, sn.Count(t))
		}
	}
	return got, nil
}

func placeOf(o Options) string {
	if o.URL != "" {
		return Redact(o.URL)
	}
	return o.Dir
}

// copyAll copies every bucket of src into dst (a new store: its meta
// bucket is overwritten, its other buckets are empty).
func copyAll(src, dst kvTx) (CopyStats, error) {
	names, err := src.buckets()
	if err != nil {
		return CopyStats{}, err
	}
	stats := CopyStats{Buckets: map[string]int{}}
	for _, name := range names {
		sb, err := src.bucket(name)
		if err != nil {
			return stats, err
		}
		db, err := dst.createBucket(name)
		if err != nil {
			return stats, err
		}
		n := 0
		bulk, canBulk := dst.(*pgTx)
		var rows [][]any
		err = forEach(sb, func(k, v []byte) error {
			if name == string(bucketMeta) && bytes.Equal(k, keyInstalling) {
				return nil
			}
			n++
			if name == string(bucketMeta) { // overwrites the new store's
				if bytes.Equal(k, keySeq) {
					stats.Seq = seqOf(v)
				}
				return db.put(bytes.Clone(k), bytes.Clone(v))
			}
			if canBulk {
				rows = append(rows, []any{name, bytes.Clone(k), bytes.Clone(v)})
				return nil
			}
			return db.put(k, v)
		})
		if err != nil {
			return stats, err
		}
		if len(rows) > 0 {
			if err := bulk.copyRows(name, rows); err != nil {
				return stats, err
			}
		}
		// The bucket's counter (the outbox's ordered keys) goes too.
		seq, err := sb.sequence()
		if err != nil {
			return stats, err
		}
		if seq != 0 {
			if err := db.setSequence(seq); err != nil {
				return stats, err
			}
		}
		stats.Buckets[name] = n
	}
	return stats, nil
}

// countAll counts the keys of every bucket of tx.
func countAll(tx kvTx) (CopyStats, error) {
	names, err := tx.buckets()
	if err != nil {
		return CopyStats{}, err
	}
	stats := CopyStats{Buckets: map[string]int{}}
	for _, name := range names {
		b, err := tx.bucket(name)
		if err != nil {
			return stats, err
		}
		n := 0
		if err := forEach(b, func(k, v []byte) error {
			if name == string(bucketMeta) && bytes.Equal(k, keyInstalling) {
				return nil
			}
			if name == string(bucketMeta) && bytes.Equal(k, keySeq) {
				stats.Seq = seqOf(v)
			}
			n++
			return nil
		}); err != nil {
			return stats, err
		}
		stats.Buckets[name] = n
	}
	return stats, nil
}

func seqOf(v []byte) uint64 {
	if len(v) != 8 {
		return 0
	}
	var n uint64
	for _, b := range v {
		n = n<<8 | uint64(b)
	}
	return n
}
