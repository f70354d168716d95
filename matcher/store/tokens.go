package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/allymatch/allymatch/matcher"
)

// Logins (bearer tokens for scripts, the desk's sessions) live beside the
// records, outside the audit sequence: making or using one changes no
// record, so Seq does not move. Each kind has its bucket, keyed by the
// SHA-256 of the secret: the secret itself is never stored.
var (
	bucketTokens   = []byte("tokens")
	bucketSessions = []byte("sessions")
	bucketCodes    = []byte("codes")
)

// loginBuckets are the logins' buckets: optional (made on first use), and
// sealed as records are (Seal).
func loginBuckets() []string {
	return []string{string(bucketTokens), string(bucketSessions), string(bucketCodes)}
}

// LoginKind says which bucket a login lives in.
type LoginKind string

// Login kinds.
const (
	KindToken   LoginKind = "token"   // a bearer token (Authorization: Bearer)
	KindSession LoginKind = "session" // a desk session (a cookie)
	KindCode    LoginKind = "code"    // a one-time login code, redeemed into a session
)

// LoginKinds lists the kinds.
var LoginKinds = []LoginKind{KindToken, KindSession, KindCode}

func (k LoginKind) bucket() []byte {
	switch k {
	case KindSession:
		return bucketSessions
	case KindCode:
		return bucketCodes
	}
	return bucketTokens
}

// idPrefix is the start of the ids of a kind's logins.
func (k LoginKind) idPrefix() string {
	switch k {
	case KindSession:
		return "s-"
	case KindCode:
		return "c-"
	}
	return "t-"
}

// KindOfID returns the kind of the login whose public id is id.
func KindOfID(id string) (LoginKind, bool) {
	for _, k := range LoginKinds {
		if strings.HasPrefix(id, k.idPrefix()) {
			return k, true
		}
	}
	return "", false
}

// TokenHash is the SHA-256 of a secret, the form in which it is stored
// and looked up.
type TokenHash [sha256.Size]byte

// HashToken returns the hash under which a secret is stored.
func HashToken(token string) TokenHash { return sha256.Sum256([]byte(token)) }

// idBytes is how much of the hash a login's public id shows: enough to
// name it, nothing that helps to find the secret (the hash is one-way).
const idBytes = 8

// LoginID returns the public id of the login of kind k with hash h: its
// kind's prefix and the first bytes of h in hex. Listing and revoking use
// it; it is never a credential.
func LoginID(k LoginKind, h TokenHash) string { return k.idPrefix() + hex.EncodeToString(h[:idBytes]) }

// Login is what the store keeps about a token or a session: whom it
// stands for and until when.
type Login struct {
	ID    string        `json:"id,omitempty"` // LoginID; filled on reads
	Kind  LoginKind     `json:"kind,omitempty"`
	Actor matcher.Actor `json:"actor"`
	// Born is the subject's Born (its unit's or alliance's) when the login
	// was made: a subject deleted and created again is born anew, and the
	// login no longer stands for it.
	Born uint64 `json:"born,omitempty"`
	// Parent is the id of the token a session was opened with: revoking
	// the token ends its sessions.
	Parent    string    `json:"parent,omitempty"`
	CreatedBy string    `json:"created_by,omitempty"` // the actor who made it
	Created   time.Time `json:"created"`
	Expires   time.Time `json:"expires,omitzero"`   // zero: never (tokens made before expiry existed)
	LastUsed  time.Time `json:"last_used,omitzero"` // updated at most once per TouchEvery
}

// TouchEvery is how stale a login's LastUsed may get before a use writes
// it again: using a login costs a disk write at most this often.
const TouchEvery = time.Hour

// Expired reports whether l has expired at now.
func (l *Login) Expired(now time.Time) bool { return !l.Expires.IsZero() && !now.Before(l.Expires) }

// PutLogin stores a new login under the hash of its secret, synced to
// disk before it returns.
func (s *Store) PutLogin(h TokenHash, l Login) error {
	if l.Kind == "" {
		l.Kind = KindToken
	}
	l.ID = ""
	data, err := json.Marshal(l)
	if err != nil {
		return err
	}
	err = s.kv.update(context.Background(), func(ktx kvTx) error {
		b, err := ktx.createBucket(string(l.Kind.bucket()))
		if err != nil {
			return err
		}
		if v, err := b.get(h[:]); err != nil {
			return err
		} else if v != nil {
			return matcher.Errorf(matcher.ECONFLICT, "%s exists", l.Kind)
		}
		return b.put(h[:], Seal(h[:], data))
	})
	if err != nil {
		return fmt.Errorf("store: writing a %s: %w", l.Kind, err)
	}
	return nil
}

// LookupLogin returns the login of kind k whose hash is h. The stored key
// is compared with h in constant time once found.
func (s *Store) LookupLogin(k LoginKind, h TokenHash) (Login, bool, error) {
	var l Login
	found := false
	err := s.kv.view(context.Background(), func(ktx kvTx) error {
		b, err := ktx.bucket(string(k.bucket()))
		if err != nil || b == nil {
			return err
		}
		var key, v []byte
		if err := b.scan(h[:], func(k, val []byte) (bool, error) { key, v = k, val; return false, nil }); err != nil {
			return err
		}
		if key == nil || subtle.ConstantTimeCompare(key, h[:]) != 1 {
			return nil
		}
		l, err = s.decodeLogin(k, key, v)
		found = err == nil
		return err
	})
	return l, found, err
}

func (s *Store) decodeLogin(k LoginKind, key, sealed []byte) (Login, error) {
	var l Login
	v, err := Unseal(key, sealed)
	if err == nil {
		err = decodeStrict(v, &l)
	}
	if err != nil || len(key) != sha256.Size {
		return l, fmt.Errorf("store: %s is corrupt: %s/%x: %v", s.path, k.bucket(), key[:min(len(key), idBytes)], err)
	}
	l.Kind, l.ID = k, LoginID(k, TokenHash(key))
	return l, nil
}

// RedeemLogin returns the login of kind k whose hash is h and deletes it,
// in one transaction: a second redemption finds nothing. found is false
// for an unknown (or already redeemed) secret.
func (s *Store) RedeemLogin(k LoginKind, h TokenHash) (l Login, found bool, err error) {
	err = s.withLogin(k, h, func(b kvBucket, got Login) error {
		l, found = got, true
		return b.delete(h[:])
	})
	if err != nil {
		return Login{}, false, fmt.Errorf("store: redeeming a %s: %w", k, err)
	}
	return l, found, nil
}

// withLogin runs fn, in one write transaction, on the login of kind k
// whose hash is h and on its bucket; nothing when there is none.
func (s *Store) withLogin(k LoginKind, h TokenHash, fn func(b kvBucket, l Login) error) error {
	return s.kv.update(context.Background(), func(ktx kvTx) error {
		b, err := ktx.bucket(string(k.bucket()))
		if err != nil || b == nil {
			return err
		}
		v, err := b.get(h[:])
		if err != nil || v == nil {
			return err
		}
		l, err := s.decodeLogin(k, h[:], v)
		if err != nil {
			return err
		}
		return fn(b, l)
	})
}

// TouchLogin records a use of the login at now, if its LastUsed is older
// than TouchEvery (else it writes nothing).
func (s *Store) TouchLogin(k LoginKind, h TokenHash, now time.Time) error {
	return s.withLogin(k, h, func(b kvBucket, l Login) error {
		if now.Sub(l.LastUsed) < TouchEvery {
			return nil
		}
		l.LastUsed, l.ID = now.UTC(), ""
		data, err := json.Marshal(l)
		if err != nil {
			return err
		}
		return b.put(h[:], Seal(h[:], data))
	})
}

// Logins returns every login of kind k that keep accepts (nil: all), in
// id order.
func (s *Store) Logins(k LoginKind, keep func(*Login) bool) ([]Login, error) {
	var out []Login
	err := s.kv.view(context.Background(), func(ktx kvTx) error {
		b, err := ktx.bucket(string(k.bucket()))
		if err != nil || b == nil {
			return err
		}
		return forEach(b, func(key, v []byte) error {
			l, err := s.decodeLogin(k, key, v)
			if err != nil {
				return err
			}
			if keep == nil || keep(&l) {
				out = append(out, l)
			}
			return nil
		})
	})
	return out, err
}

// DeleteLogins deletes the logins of kind k that match (each is given
// with its id); it returns how many it deleted. The sessions opened with
// a deleted token are deleted in the same transaction.
func (s *Store) DeleteLogins(k LoginKind, match func(*Login) bool) (int, error) {
	n := 0
	err := s.kv.update(context.Background(), func(ktx kvTx) error {
		var gone []string // ids of deleted tokens
		del := func(k LoginKind, match func(*Login) bool) error {
			b, err := ktx.bucket(string(k.bucket()))
			if err != nil || b == nil {
				return err
			}
			var keys [][]byte
			if err := forEach(b, func(key, v []byte) error {
				l, err := s.decodeLogin(k, key, v)
				if err != nil {
					return err
				}
				if match(&l) {
					keys = append(keys, bytes.Clone(key))
					if k == KindToken {
						gone = append(gone, l.ID)
					}
				}
				return nil
			}); err != nil {
				return err
			}
			for _, key := range keys {
				if err := b.delete(key); err != nil {
					return err
				}
			}
			n += len(keys)
			return nil
		}
		if err := del(k, match); err != nil {
			return err
		}
		if len(gone) == 0 {
			return nil
		}
		return del(KindSession, func(l *Login) bool {
			for _, id := range gone {
				if l.Parent == id {
					return true
				}
			}
			return false
		})
	})
	if err != nil {
		return 0, fmt.Errorf("store: deleting %ss: %w", k, err)
	}
	return n, nil
}

// DeleteLogin deletes the login of kind k with public id id (and, for a
// token, the sessions opened with it). ENOTFOUND if there is none.
func (s *Store) DeleteLogin(k LoginKind, id string) error {
	if !strings.HasPrefix(id, k.idPrefix()) {
		return matcher.Errorf(matcher.ENOTFOUND, "%s %q not found", k, id)
	}
	n, err := s.DeleteLogins(k, func(l *Login) bool { return l.ID == id })
	if err != nil {
		return err
	}
	if n == 0 {
		return matcher.Errorf(matcher.ENOTFOUND, "%s %q not found", k, id)
	}
	return nil
}
