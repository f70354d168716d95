package store

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
)

// ChecksumSize is the number of bytes Seal appends to a value.
const ChecksumSize = 4

// castagnoli is the CRC-32C table (hardware-accelerated on amd64 and arm64).
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// ErrChecksum is returned by Unseal when a stored value does not match its
// checksum: the file was changed by something other than allymatch.
var ErrChecksum = errors.New("checksum mismatch")

// Seal returns the value to store under key for data: data followed by the
// CRC-32C (Castagnoli, big-endian) of the key's length as a uvarint, the key
// and data. Covering the key catches a value that moved to another key, and
// the length keeps "ab"+"c" and "a"+"bc" apart. The result is a new slice;
// data is not changed. Every write of a record, an event or a category goes
// through Seal, and every read through Unseal; a bucket whose values are
// sealed must be sealed in every file of its layout version (adopting Seal
// for another bucket means a new schemaVersion and a migration step).
func Seal(key, data []byte) []byte {
	out := make([]byte, len(data), len(data)+ChecksumSize)
	copy(out, data)
	return binary.BigEndian.AppendUint32(out, checksum(key, data))
}

// sealOwned is Seal for data the caller owns and does not use again: the
// checksum is appended to data itself (no copy when its capacity allows).
func sealOwned(key, data []byte) []byte {
	return binary.BigEndian.AppendUint32(data, checksum(key, data))
}

// Unseal checks a value written by Seal under key and returns its data (a
// sub-slice of sealed, valid as long as sealed is). It returns ErrChecksum
// when the value is too short or its checksum does not match; callers name
// the file, table and key in their error.
func Unseal(key, sealed []byte) ([]byte, error) {
	if len(sealed) < ChecksumSize {
		return nil, ErrChecksum
	}
	n := len(sealed) - ChecksumSize
	data := sealed[:n]
	if binary.BigEndian.Uint32(sealed[n:]) != checksum(key, data) {
		return nil, ErrChecksum
	}
	return data, nil
}

func checksum(key, data []byte) uint32 {
	var lenBuf [binary.MaxVarintLen64]byte
	c := crc32.Update(0, castagnoli, binary.AppendUvarint(lenBuf[:0], uint64(len(key))))
	c = crc32.Update(c, castagnoli, key)
	return crc32.Update(c, castagnoli, data)
}
