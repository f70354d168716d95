package store

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/allymatch/allymatch/matcher"
)

// bucketTokens holds the API's bearer tokens, keyed by the SHA-256 of the
// token: the token itself is never stored.
var bucketTokens = []byte("tokens")

// TokenHash is the SHA-256 of a bearer token, the form in which it is
// stored and looked up.
type TokenHash [sha256.Size]byte

// HashToken returns the hash under which token is stored.
func HashToken(token string) TokenHash { return sha256.Sum256([]byte(token)) }

// TokenRecord is what the store keeps about a token: whom it stands for.
type TokenRecord struct {
	Actor   matcher.Actor `json:"actor"`
	Created time.Time     `json:"created"`
}

// PutToken stores the hash of a new token for actor, synced to disk before
// it returns. Tokens live beside the records, outside the audit sequence:
// creating one changes no record, so Seq does not move.
func (s *Store) PutToken(h TokenHash, actor matcher.Actor) error {
	rec := TokenRecord{Actor: actor, Created: s.opts.Now().UTC()}
	data, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	err = s.bolt.Update(func(btx *bolt.Tx) error {
		b, err := btx.CreateBucketIfNotExists(bucketTokens)
		if err != nil {
			return err
		}
		if b.Get(h[:]) != nil {
			return matcher.Errorf(matcher.ECONFLICT, "token exists")
		}
		return b.Put(h[:], data)
	})
	if err != nil {
		return fmt.Errorf("store: writing a token: %w", err)
	}
	return nil
}

// LookupToken returns the record of the token whose hash is h. The stored
// key is compared with h in constant time once found.
func (s *Store) LookupToken(h TokenHash) (TokenRecord, bool, error) {
	var rec TokenRecord
	found := false
	err := s.bolt.View(func(btx *bolt.Tx) error {
		b := btx.Bucket(bucketTokens)
		if b == nil {
			return nil
		}
		k, v := b.Cursor().Seek(h[:])
		if k == nil || subtle.ConstantTimeCompare(k, h[:]) != 1 {
			return nil
		}
		if err := json.Unmarshal(v, &rec); err != nil {
			return fmt.Errorf("store: %s is corrupt: tokens/%x: %w", s.path, k[:4], err)
		}
		found = true
		return nil
	})
	return rec, found, err
}
