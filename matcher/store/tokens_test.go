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
	if err := st.PutToken(HashToken(tok), matcher.UnitActor("u1")); err != nil {
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
	rec, ok, err := st.LookupToken(HashToken(tok))
	if err != nil || !ok || rec.Actor != matcher.UnitActor("u1") {
		t.Errorf("LookupToken after reopen = %+v, %v, %v; want unit:u1", rec, ok, err)
	}
	if _, ok, _ := st.LookupToken(HashToken(tok + "x")); ok {
		t.Error("LookupToken found a token that was never made")
	}
}
