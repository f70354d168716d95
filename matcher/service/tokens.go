package service

import (
	"crypto/rand"
	"encoding/base64"
	"time"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/index"
	"github.com/allymatch/allymatch/matcher/store"
)

// Lifetimes of logins.
const (
	DefaultTokenTTL = 2160 * time.Hour     // 90 days
	MaxTokenTTL     = 366 * 24 * time.Hour // a year
	SessionIdle     = 30 * 24 * time.Hour  // a desk session ends after 30 days unused
)

// TokenRequest asks for a new bearer token: {"role":"coordinator",
// "alliance":ID} or {"role":"unit","unit":ID}, valid for ttl_hours
// (default 2160).
type TokenRequest struct {
	Role     matcher.Role `json:"role"`
	Alliance string       `json:"alliance,omitempty"`
	Unit     string       `json:"unit,omitempty"`
	TTLHours *int         `json:"ttl_hours,omitempty"`
}

// TTL returns the token's lifetime, checked.
func (r TokenRequest) TTL() (time.Duration, error) {
	if r.TTLHours == nil {
		return DefaultTokenTTL, nil
	}
	if h := *r.TTLHours; h < 1 || time.Duration(h)*time.Hour > MaxTokenTTL {
		return 0, matcher.FieldError("ttl_hours", "must be between 1 and %d hours, got %d", int(MaxTokenTTL/time.Hour), h)
	}
	return time.Duration(*r.TTLHours) * time.Hour, nil
}

// Actor checks r against the state and what the caller may hand out, and
// returns the actor the token will stand for: an admin makes logins for
// anyone; a coordinator for the units of its alliance and those below it,
// and for coordinators of its alliance or one below it. A subject outside
// the caller's scope answers as an unknown one.
func (r TokenRequest) Actor(rd index.Reader, caller matcher.Actor) (matcher.Actor, error) {
	switch r.Role {
	case matcher.RoleCoordinator:
		if r.Unit != "" {
			return matcher.Actor{}, matcher.FieldError("unit", "a coordinator token names an alliance, not a unit")
		}
		if !matcher.ValidID(r.Alliance) {
			return matcher.Actor{}, matcher.FieldError("alliance", "must be an alliance id, got %q", r.Alliance)
		}
		if _, err := rd.Alliance(r.Alliance); err != nil || !matcher.CanRunMeeting(rd, caller, r.Alliance) {
			return matcher.Actor{}, matcher.NewError(matcher.ENOTFOUND, "alliance", "no %s %q", matcher.Noun("alliance"), r.Alliance)
		}
		return matcher.Coordinator(r.Alliance), nil
	case matcher.RoleUnit:
		if r.Alliance != "" {
			return matcher.Actor{}, matcher.FieldError("alliance", "a unit token names a unit, not an alliance")
		}
		if !matcher.ValidID(r.Unit) {
			return matcher.Actor{}, matcher.FieldError("unit", "must be a unit id, got %q", r.Unit)
		}
		if rd.UnitRaw(r.Unit) == nil || !matcher.CanWriteUnit(rd, caller, r.Unit) {
			return matcher.Actor{}, matcher.NewError(matcher.ENOTFOUND, "unit", "no %s %q", matcher.Noun("unit"), r.Unit)
		}
		return matcher.UnitActor(r.Unit), nil
	}
	return matcher.Actor{}, matcher.FieldError("role", "must be coordinator or unit, got %q", r.Role)
}

// mayHandOutLogins reports whether a may make logins at all: admins and
// coordinators.
func mayHandOutLogins(a matcher.Actor) bool {
	return a.Privileged() || a.Role == matcher.RoleCoordinator
}

// subject checks that actor may hand out a login for the subject r names
// and returns it, with the state it was checked on.
func (s *Service) subject(actor matcher.Actor, r TokenRequest) (index.Reader, matcher.Actor, error) {
	if !mayHandOutLogins(actor) {
		return index.Reader{}, matcher.Actor{}, matcher.Errorf(matcher.EFORBIDDEN, "only an admin or a coordinator makes logins")
	}
	rd := s.Store.Snapshot().Reader
	who, err := r.Actor(rd, actor)
	return rd, who, err
}

// NewToken returns a fresh opaque bearer token for the actor r names and
// stores its hash with the subject's Born and an expiry.
func (s *Service) NewToken(actor matcher.Actor, r TokenRequest) (string, store.Login, error) {
	ttl, err := r.TTL()
	if err != nil {
		return "", store.Login{}, err
	}
	rd, who, err := s.subject(actor, r)
	if err != nil {
		return "", store.Login{}, err
	}
	now := s.now()
	l := store.Login{Kind: store.KindToken, Actor: who, Born: bornOf(rd, who), CreatedBy: actor.String(), Created: now, Expires: now.Add(ttl)}
	tok := NewSecret()
	h := store.HashToken(tok)
	if err := s.Store.PutLogin(h, l); err != nil {
		return "", store.Login{}, err
	}
	l.ID = store.LoginID(store.KindToken, h)
	return tok, l, nil
}

// bornOf returns the Born of actor's subject (its unit or alliance), 0
// when it has none.
func bornOf(r index.Reader, a matcher.Actor) uint64 {
	switch a.Role {
	case matcher.RoleUnit:
		if u := r.UnitRaw(a.ID); u != nil {
			return u.Born
		}
	case matcher.RoleCoordinator:
		if al, err := r.Alliance(a.ID); err == nil {
			return al.Born
		}
	}
	return 0
}

// alive reports whether l still stands for its subject: not expired (a
// session: not unused for SessionIdle), and its unit or alliance is the
// one it was made for (not deleted, not deleted and created again).
func alive(r index.Reader, l *store.Login, now time.Time) bool {
	if l.Expired(now) || l.Kind == store.KindSession && now.Sub(l.LastUsed) >= SessionIdle {
		return false
	}
	switch l.Actor.Role {
	case matcher.RoleUnit:
		u := r.UnitRaw(l.Actor.ID)
		return u != nil && u.Born == l.Born
	case matcher.RoleCoordinator:
		a, err := r.Alliance(l.Actor.ID)
		return err == nil && a.Born == l.Born
	case matcher.RoleAdmin:
		return true
	}
	return false
}

// errLogin is the answer for a secret that names no live login, whatever
// the reason (unknown, expired, revoked, its subject gone): the API
// answers 401.
var errLogin = matcher.Errorf(matcher.ENOLOGIN, "the login is not valid (unknown, expired or revoked)")

// Authenticate returns the login of a bearer token, or an error with code
// ENOLOGIN. A use is recorded (LastUsed) at most once per store.TouchEvery.
func (s *Service) Authenticate(secret string) (store.Login, error) {
	return s.login(store.KindToken, secret)
}

// Session returns the login of a desk session's secret, or an error with
// code ENOLOGIN. A session unused for SessionIdle has ended.
func (s *Service) Session(secret string) (store.Login, error) {
	return s.login(store.KindSession, secret)
}

func (s *Service) login(k store.LoginKind, secret string) (store.Login, error) {
	if secret == "" {
		return store.Login{}, errLogin
	}
	h := store.HashToken(secret)
	l, found, err := s.Store.LookupLogin(k, h)
	if err != nil {
		return store.Login{}, err
	}
	now := s.now()
	if !found || !alive(s.Store.Snapshot().Reader, &l, now) {
		return store.Login{}, errLogin
	}
	if now.Sub(l.LastUsed) >= store.TouchEvery {
		if err := s.Store.TouchLogin(k, h, now); err != nil {
			return store.Login{}, err
		}
	}
	return l, nil
}

// OpenSession opens a desk session for the login l (a token's, a
// redeemed code's, or the admin's with Kind "") and returns its secret,
// for the session cookie.
func (s *Service) OpenSession(l store.Login) (string, error) {
	now := s.now()
	ses := store.Login{Kind: store.KindSession, Actor: l.Actor, Born: l.Born, CreatedBy: l.Actor.String(), Created: now, LastUsed: now}
	if l.Kind == store.KindToken {
		ses.Parent = l.ID
		ses.Expires = l.Expires // a session does not outlive its token
	}
	secret := NewSecret()
	if err := s.Store.PutLogin(store.HashToken(secret), ses); err != nil {
		return "", err
	}
	return secret, nil
}

// CloseSession ends the session of secret (logging out); an unknown one
// is already closed.
func (s *Service) CloseSession(secret string) error {
	if secret == "" {
		return nil
	}
	id := store.LoginID(store.KindSession, store.HashToken(secret))
	if err := s.Store.DeleteLogin(store.KindSession, id); err != nil && matcher.ErrorCode(err) != matcher.ENOTFOUND {
		return err
	}
	return nil
}

// CanSeeLogin reports whether a may see (and revoke) login l: its own;
// for an admin, all; for a coordinator, the logins of the units and
// coordinators in its scope.
func CanSeeLogin(r index.Reader, a matcher.Actor, l *store.Login) bool {
	switch {
	case a.Privileged(), l.Actor == a:
		return true
	case a.Role != matcher.RoleCoordinator:
		return false
	case l.Actor.Role == matcher.RoleUnit:
		return matcher.CanWriteUnit(r, a, l.Actor.ID)
	case l.Actor.Role == matcher.RoleCoordinator:
		return matcher.Within(r, a.ID, l.Actor.ID)
	}
	return false
}

// NewSecret returns a random opaque secret: "am_" and 32 random bytes in
// unpadded base64url.
func NewSecret() string {
	var b [32]byte
	rand.Read(b[:]) // never fails (crypto/rand since Go 1.24)
	return "am_" + base64.RawURLEncoding.EncodeToString(b[:])
}
