package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"

	"github.com/allymatch/allymatch/fixtures/gen"
	"github.com/allymatch/allymatch/matcher/index"
)

func TestSealUnseal(t *testing.T) {
	key, data := []byte("lh-school"), []byte(`{"id":"lh-school","name":"龙洲湾中学"}`)
	sealed := Seal(key, data)
	if len(sealed) != len(data)+ChecksumSize || !bytes.Equal(sealed[:len(data)], data) {
		t.Fatalf("Seal = %q, want the data and %d bytes", sealed, ChecksumSize)
	}
	if got, err := Unseal(key, sealed); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("Unseal(Seal(data)) = %q, %v; want the data", got, err)
	}
	Seal(key, data[:5]) // must not write into data's spare capacity
	if !bytes.Equal(data, []byte(`{"id":"lh-school","name":"龙洲湾中学"}`)) {
		t.Error("Seal changed its argument")
	}
	// Every single-bit flip of the value, and of the key it is read under,
	// is caught.
	for i := range len(sealed) * 8 {
		v := bytes.Clone(sealed)
		v[i/8] ^= 1 << (i % 8)
		if _, err := Unseal(key, v); !errors.Is(err, ErrChecksum) {
			t.Fatalf("Unseal with bit %d of the value flipped = %v, want ErrChecksum", i, err)
		}
	}
	for i := range len(key) * 8 {
		k := bytes.Clone(key)
		k[i/8] ^= 1 << (i % 8)
		if _, err := Unseal(k, sealed); !errors.Is(err, ErrChecksum) {
			t.Fatalf("Unseal under a key with bit %d flipped = %v, want ErrChecksum", i, err)
		}
	}
	// A byte moved from the key to the value (a damaged key size) is
	// caught: the key's length is in the checksum.
	if _, err := Unseal([]byte("ab"), Seal([]byte("a"), []byte("bc"))); !errors.Is(err, ErrChecksum) {
		t.Errorf("Unseal(ab, Seal(a, bc)) = %v, want ErrChecksum", err)
	}
	for _, short := range [][]byte{nil, {1}, {1, 2, 3}} {
		if _, err := Unseal(key, short); !errors.Is(err, ErrChecksum) {
			t.Errorf("Unseal(%v) = %v, want ErrChecksum", short, err)
		}
	}
	if got, err := Unseal(nil, Seal(nil, nil)); err != nil || len(got) != 0 {
		t.Errorf("Unseal(Seal(empty)) = %q, %v", got, err)
	}
}

// encodeRecords stores every record as putJSON would: json.Marshal's
// bytes, sealed under the record's id; nil for a deletion. On a mutation
// small and large enough to be encoded by several workers.
func TestEncodeRecordsIsMarshalSeal(t *testing.T) {
	b, err := gen.Generate(gen.Config{Units: 600, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	var order []key
	var objs []any
	for i := range b.Items {
		order = append(order, key{index.TableItems, b.Items[i].ID})
		objs = append(objs, &b.Items[i])
		if i%97 == 0 {
			order = append(order, key{index.TableItems, "deleted-" + b.Items[i].ID})
			objs = append(objs, nil)
		}
	}
	for i := range b.Units {
		order = append(order, key{index.TableUnits, b.Units[i].ID})
		objs = append(objs, &b.Units[i])
	}
	if len(order) < 2*encodeChunk {
		t.Fatalf("%d records: too few for several workers", len(order))
	}
	for _, n := range []int{1, 3, len(order)} {
		values, err := encodeRecords(order[:n], objs[:n])
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range values {
			if objs[i] == nil {
				if v != nil {
					t.Fatalf("%s: a deletion encoded as %q", order[i].id, v)
				}
				continue
			}
			data, _ := json.Marshal(objs[i])
			if want := Seal([]byte(order[i].id), data); !bytes.Equal(v, want) || cap(v) != len(v) {
				t.Fatalf("%s: %q (cap %d), want %q", order[i].id, v, cap(v), want)
			}
		}
	}
}
