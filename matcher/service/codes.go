package service

import (
	"crypto/rand"
	"strings"
	"time"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/index"
	"github.com/allymatch/allymatch/matcher/store"
)

// One-time login codes: short enough to type from a paper slip or to read
// out at a meeting, redeemed once into a desk session.
const (
	CodeTTL = 72 * time.Hour
	// CodeAlphabet has no look-alikes (no 0/O, 1/I/L).
	CodeAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
	CodeLen      = 8
)

// LoginCodeRequest asks for a login code for a unit ({"unit":ID}) or for a
// coordinator of an alliance ({"alliance":ID}).
type LoginCodeRequest struct {
	Unit     string `json:"unit,omitempty"`
	Alliance string `json:"alliance,omitempty"`
}

// token returns the token request a code stands for: the same subjects,
// the same scope rules.
func (r LoginCodeRequest) token() (TokenRequest, error) {
	switch {
	case r.Unit != "" && r.Alliance != "":
		return TokenRequest{}, matcher.FieldError("alliance", "name a unit or an alliance, not both")
	case r.Unit != "":
		return TokenRequest{Role: matcher.RoleUnit, Unit: r.Unit}, nil
	case r.Alliance != "":
		return TokenRequest{Role: matcher.RoleCoordinator, Alliance: r.Alliance}, nil
	}
	return TokenRequest{}, matcher.FieldError("unit", "name the unit (or the alliance, for a coordinator) the code logs in")
}

// newCode returns a random code of CodeLen letters of CodeAlphabet
// (about 40 bits).
func newCode() string {
	b := make([]byte, CodeLen)
	rand.Read(b)
	for i := range b {
		// 256 is not a multiple of 31: redraw the few values past the
		// last whole multiple, so that every letter is equally likely.
		for b[i] >= 248 {
			var one [1]byte
			rand.Read(one[:])
			b[i] = one[0]
		}
		b[i] = CodeAlphabet[int(b[i])%len(CodeAlphabet)]
	}
	return string(b)
}

// NormaliseCode returns a code as typed (any case, with spaces or dashes)
// in its stored form, and false if it cannot be a code.
func NormaliseCode(s string) (string, bool) {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		switch {
		case r == ' ' || r == '-' || r == '\u3000':
		case r < 128 && strings.ContainsRune(CodeAlphabet, r):
			b.WriteRune(r)
		default:
			return "", false
		}
	}
	return b.String(), b.Len() == CodeLen
}

// FormatCode writes a code as printed: two groups of four ("ABCD-EFGH").
func FormatCode(code string) string {
	if len(code) != CodeLen {
		return code
	}
	return code[:4] + "-" + code[4:]
}

// NewLoginCode makes a one-time login code for the subject r names, with
// the scope rules of NewToken, valid for CodeTTL.
func (s *Service) NewLoginCode(actor matcher.Actor, r LoginCodeRequest) (string, store.Login, error) {
	tr, err := r.token()
	if err != nil {
		return "", store.Login{}, err
	}
	rd, who, err := s.subject(actor, tr)
	if err != nil {
		return "", store.Login{}, err
	}
	return s.putCode(rd, actor, who)
}

func (s *Service) putCode(r index.Reader, by, who matcher.Actor) (string, store.Login, error) {
	now := s.now()
	l := store.Login{Kind: store.KindCode, Actor: who, Born: bornOf(r, who), CreatedBy: by.String(), Created: now, Expires: now.Add(CodeTTL)}
	for {
		code := newCode()
		h := store.HashToken(code)
		err := s.Store.PutLogin(h, l)
		if matcher.ErrorCode(err) == matcher.ECONFLICT {
			continue // a live code has it: draw another
		}
		if err != nil {
			return "", store.Login{}, err
		}
		l.ID = store.LoginID(store.KindCode, h)
		return code, l, nil
	}
}

// RedeemCode redeems a login code (as typed) once: it is deleted, and its
// login returned for OpenSession. An unknown, used or expired code, or one
// whose subject is gone, is the same ENOLOGIN error.
func (s *Service) RedeemCode(typed string) (store.Login, error) {
	code, ok := NormaliseCode(typed)
	if !ok {
		return store.Login{}, errLogin
	}
	l, found, err := s.Store.RedeemLogin(store.KindCode, store.HashToken(code))
	if err != nil {
		return store.Login{}, err
	}
	if !found || !alive(s.Store.Snapshot().Reader, &l, s.now()) {
		return store.Login{}, errLogin
	}
	return l, nil
}

// Slip is one login slip: a unit and its new code.
type Slip struct {
	Unit    string    `json:"unit"`
	Name    string    `json:"name"`
	Code    string    `json:"code"`
	Expires time.Time `json:"expires_at"`
}

// LoginSlips makes a login code for every unit of alliance (its lead and
// members) that has no live login yet (no token, session or code), for the
// coordinator to hand out at the meeting; with all set, for every unit.
// The slips are in the alliance's order (lead first).
func (s *Service) LoginSlips(actor matcher.Actor, alliance string, all bool) ([]Slip, error) {
	sn := s.Store.Snapshot()
	a, err := sn.Alliance(alliance)
	if err != nil || !matcher.CanRunMeeting(sn.Reader, actor, alliance) || !mayHandOutLogins(actor) {
		return nil, notFound("meeting", alliance)
	}
	has := map[string]bool{}
	if !all {
		now := s.now()
		for _, k := range store.LoginKinds {
			ls, err := s.Store.Logins(k, func(l *store.Login) bool {
				return l.Actor.Role == matcher.RoleUnit && alive(sn.Reader, l, now)
			})
			if err != nil {
				return nil, err
			}
			for _, l := range ls {
				has[l.Actor.ID] = true
			}
		}
	}
	out := []Slip{}
	for _, u := range a.AllUnits() {
		unit := sn.UnitRaw(u)
		if has[u] || unit == nil {
			continue
		}
		code, l, err := s.putCode(sn.Reader, actor, matcher.UnitActor(u))
		if err != nil {
			return nil, err
		}
		out = append(out, Slip{Unit: u, Name: unit.Name, Code: code, Expires: l.Expires})
	}
	return out, nil
}

// Logins lists every login (tokens, sessions, unredeemed codes) actor may
// see, live ones only, by kind then id (never a secret).
func (s *Service) Logins(actor matcher.Actor) ([]store.Login, error) {
	r := s.Store.Snapshot().Reader
	now := s.now()
	out := []store.Login{}
	for _, k := range store.LoginKinds {
		ls, err := s.Store.Logins(k, func(l *store.Login) bool {
			return CanSeeLogin(r, actor, l) && alive(r, l, now)
		})
		if err != nil {
			return nil, err
		}
		out = append(out, ls...)
	}
	return out, nil
}

// RevokeLogin deletes the login id (a token, a session or a code) if actor
// may see it; a token's desk sessions end with it. Anything else is not
// found.
func (s *Service) RevokeLogin(actor matcher.Actor, id string) error {
	k, ok := store.KindOfID(id)
	if !ok {
		return matcher.Errorf(matcher.ENOTFOUND, "login %q not found", id)
	}
	r := s.Store.Snapshot().Reader
	n, err := s.Store.DeleteLogins(k, func(l *store.Login) bool { return l.ID == id && CanSeeLogin(r, actor, l) })
	if err != nil {
		return err
	}
	if n == 0 {
		return matcher.Errorf(matcher.ENOTFOUND, "login %q not found", id)
	}
	return nil
}
