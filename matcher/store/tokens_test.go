package store

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/allymatch/allymatch/matcher"
)

func TestTokensAreHashedAndDurable(t *testing.T) {
	dir := t.TempDir()
	st, _, err := Open(context.Background(), Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	tok := "am_secret-value"
	if err := st.PutLogin(HashToken(tok), Login{Actor: matcher.UnitActor("u1"), Born: 7}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	raw, err := os.ReadFile(filepath.Join(dir, FileName))
	if err != nil || bytes.Contains(raw, []byte(tok)) {
		t.Errorf("the file holds the token in clear (read err %v)", err)
	}
	st, _, err = Open(context.Background(), Options{Dir: dir})
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
