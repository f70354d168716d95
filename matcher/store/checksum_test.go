package store

import (
	"bytes"
	"errors"
	"testing"
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
