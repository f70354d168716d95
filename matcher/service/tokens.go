package service

import (
	"crypto/rand"
	"encoding/base64"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/store"
)

// TokenRequest asks for a new bearer token: {"role":"coordinator",
// "alliance":ID} or {"role":"unit","unit":ID}.
type TokenRequest struct {
	Role     matcher.Role `json:"role"`
	Alliance string       `json:"alliance,omitempty"`
	Unit     string       `json:"unit,omitempty"`
}

// Actor checks r against the state and returns the actor the token will
// stand for.
func (r TokenRequest) Actor(sn store.Snapshot) (matcher.Actor, error) {
	switch r.Role {
	case matcher.RoleCoordinator:
		if r.Unit != "" {
			return matcher.Actor{}, matcher.FieldError("unit", "a coordinator token names an alliance, not a unit")
		}
		if _, err := sn.Alliance(r.Alliance); err != nil {
			return matcher.Actor{}, matcher.FieldError("alliance", "unknown alliance %q", r.Alliance)
		}
		return matcher.Coordinator(r.Alliance), nil
	case matcher.RoleUnit:
		if r.Alliance != "" {
			return matcher.Actor{}, matcher.FieldError("alliance", "a unit token names a unit, not an alliance")
		}
		if sn.UnitRaw(r.Unit) == nil {
			return matcher.Actor{}, matcher.FieldError("unit", "unknown unit %q", r.Unit)
		}
		return matcher.UnitActor(r.Unit), nil
	}
	return matcher.Actor{}, matcher.FieldError("role", "must be coordinator or unit, got %q", r.Role)
}

// NewToken returns a fresh opaque bearer token for the actor r names and
// stores its hash. Only an admin may make tokens.
func (s *Service) NewToken(actor matcher.Actor, r TokenRequest) (string, matcher.Actor, error) {
	if !actor.Privileged() {
		return "", matcher.Actor{}, matcher.Errorf(matcher.EFORBIDDEN, "only an admin token may make tokens")
	}
	who, err := r.Actor(s.Store.Snapshot())
	if err != nil {
		return "", matcher.Actor{}, err
	}
	tok := NewSecret()
	if err := s.Store.PutToken(store.HashToken(tok), who); err != nil {
		return "", matcher.Actor{}, err
	}
	return tok, who, nil
}

// NewSecret returns a random opaque token: "am_" and 32 random bytes in
// unpadded base64url.
func NewSecret() string {
	var b [32]byte
	rand.Read(b[:]) // never fails (crypto/rand since Go 1.24)
	return "am_" + base64.RawURLEncoding.EncodeToString(b[:])
}
