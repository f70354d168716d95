package store

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/allymatch/allymatch/matcher"
)

func TestTokensAreHashedAndDurable(t *testing.T) { forEachEngine(t, testTokensAreHashedAndDurable) }

func testTokensAreHashedAndDurable(t *testing.T, fresh func(testing.TB) Options) {
	opts := fresh(t)
	st, _, err := Open(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	tok := "am_secret-value"
	if err := st.PutLogin(HashToken(tok), Login{Actor: matcher.UnitActor("u1"), Born: 7}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	if raw := rawState(t, opts); strings.Contains(raw, tok) || strings.Contains(raw, fmt.Sprintf("%x", tok)) {
		t.Errorf("the store holds the token in clear")
	}
	st, _, err = Open(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rec, ok, err := st.LookupLogin(KindToken, HashToken(tok))
	if err != nil || !ok || rec.Actor != matcher.UnitActor("u1") || rec.Born != 7 || rec.ID != LoginID(KindToken, HashToken(tok)) {
		t.Errorf("LookupLogin after reopen = %+v, %v, %v; want unit:u1 born 7 with its id", rec, ok, err)
	}
	if _, ok, _ := st.LookupLogin(KindToken, HashToken(tok+"x")); ok {
		t.Error("LookupLogin found a token that was never made")
	}
	if _, ok, _ := st.LookupLogin(KindSession, HashToken(tok)); ok {
		t.Error("a token's secret opened a session")
	}
}

// A login whose stored bytes changed is refused with an error naming the
// table, never served as another login.
func TestLoginChecksum(t *testing.T) { forEachEngine(t, testLoginChecksum) }

func testLoginChecksum(t *testing.T, fresh func(testing.TB) Options) {
	st, _, err := Open(context.Background(), fresh(t))
	if err != nil {
		t.Fatal(err)
	}
	h := HashToken("am_secret")
	if err := st.PutLogin(h, Login{Actor: matcher.UnitActor("u1")}); err != nil {
		t.Fatal(err)
	}
	// Change u1 to u2 inside the sealed value, as a flipped byte would.
	err = st.kv.update(ctx, func(tx kvTx) error {
		b, err := mustBucket(tx, bucketTokens)
		if err != nil {
			return err
		}
		v, err := b.get(h[:])
		if err != nil {
			return err
		}
		return b.put(h[:], bytes.Replace(bytes.Clone(v), []byte(`"u1"`), []byte(`"u2"`), 1))
	})
	if err != nil {
		t.Fatal(err)
	}
	if l, ok, err := st.LookupLogin(KindToken, h); err == nil || ok || !strings.Contains(err.Error(), "tokens/") {
		t.Errorf("a changed login = %+v, %v, %v; want refused naming tokens/", l, ok, err)
	}
	st.Close()
}
