package service

import (
	"strings"
	"testing"
	"time"

	"github.com/allymatch/allymatch/matcher"
)

func TestLoginCodesExpireAndDieWithTheirUnit(t *testing.T) {
	s := newService(t)
	lh := matcher.Coordinator("lh")
	code, l, err := s.NewLoginCode(lh, LoginCodeRequest{Unit: "lh-school"})
	if err != nil || len(code) != CodeLen || l.Expires.Sub(l.Created) != CodeTTL {
		t.Fatalf("NewLoginCode = %q %+v %v", code, l, err)
	}
	for _, c := range code {
		if !strings.ContainsRune(CodeAlphabet, c) {
			t.Errorf("code %q has %q, not in the alphabet", code, c)
		}
	}
	start := s.Now()
	s.Now = func() time.Time { return start.Add(CodeTTL) }
	if _, err := s.RedeemCode(code); matcher.ErrorCode(err) != matcher.ENOLOGIN {
		t.Errorf("a code at its expiry = %v, want no login", err)
	}
	s.Now = func() time.Time { return start }
	if _, _, err := s.NewLoginCode(matcher.UnitActor("lh-school"), LoginCodeRequest{Unit: "lh-school"}); matcher.ErrorCode(err) != matcher.EFORBIDDEN {
		t.Errorf("a unit makes a code: %v, want forbidden", err)
	}
	if _, _, err := s.NewLoginCode(lh, LoginCodeRequest{Unit: "tw-company"}); matcher.ErrorCode(err) != matcher.ENOTFOUND {
		t.Errorf("a code for a foreign unit: %v, want not found", err)
	}
}

func TestNormaliseCode(t *testing.T) {
	for _, c := range []struct {
		in   string
		want string
		ok   bool
	}{
		{"ABCD-EFGH", "ABCDEFGH", true},
		{" abcd efgh ", "ABCDEFGH", true},
		{"ABCD　EFGH", "ABCDEFGH", true}, // an ideographic space
		{"ABCD-EFG", "", false},
		{"ABCD-EFGO", "", false}, // O is not in the alphabet
		{"ABCD-EFG1", "", false},
		{"ＡＢＣＤ-ＥＦＧＨ", "", false},
	} {
		got, ok := NormaliseCode(c.in)
		if ok != c.ok || ok && got != c.want {
			t.Errorf("NormaliseCode(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
	}
	if FormatCode("ABCDEFGH") != "ABCD-EFGH" {
		t.Error("FormatCode")
	}
	seen := map[byte]int{}
	for range 2000 {
		for _, c := range []byte(newCode()) {
			seen[c]++
		}
	}
	if len(seen) != len(CodeAlphabet) {
		t.Errorf("2000 codes use %d letters, want all %d", len(seen), len(CodeAlphabet))
	}
}
