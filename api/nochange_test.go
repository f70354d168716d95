package api

import (
	"net/http"
	"testing"
)

// A patch that changes nothing writes nothing (no audit event, the store
// index stays) and answers the record as it is; so does an import of what
// is stored already.
func TestNoChangeWritesNothing(t *testing.T) {
	ts := newTestServer(t)
	unit := ts.unitToken("lh-school")
	for _, c := range []struct{ path, body string }{
		{"/v1/items/LH-D01", `{}`},
		{"/v1/items/LH-D01", `{"quantity":6,"radius_km":2}`},
		{"/v1/units/lh-school", `{}`},
		{"/v1/units/lh-school", `{"name":"龙洲湾中学"}`},
		{"/v1/projects/LH-P01", `{}`},
	} {
		tok := unit
		if c.path == "/v1/projects/LH-P01" {
			tok = ts.unitToken("lh-committee")
		}
		seq := ts.st.Seq()
		rec := ts.do(http.MethodPatch, c.path, tok, c.body)
		if rec.Code != http.StatusOK {
			t.Errorf("PATCH %s %s = %d %s, want 200", c.path, c.body, rec.Code, rec.Body)
		}
		if got := ts.st.Seq(); got != seq {
			t.Errorf("PATCH %s %s moved the store from %d to %d: it changed nothing", c.path, c.body, seq, got)
		}
	}
	// A real change still writes.
	seq := ts.st.Seq()
	if rec := ts.do(http.MethodPatch, "/v1/items/LH-D01", unit, `{"quantity":7}`); rec.Code != 200 || ts.st.Seq() != seq+1 {
		t.Errorf("a real change: %d, seq %d → %d", rec.Code, seq, ts.st.Seq())
	}
	seq = ts.st.Seq()
	const imp = `{"format":"allymatch.bundle/v1","units":[{"id":"lh-imp","name":"导入单位","kind":"shop","grid":"lh-g1"}]}`
	if rec := ts.do(http.MethodPost, "/v1/import", testAdmin, imp); rec.Code != 200 || ts.st.Seq() != seq+1 {
		t.Fatalf("first import: %d %s", rec.Code, rec.Body)
	}
	seq = ts.st.Seq()
	rec := ts.do(http.MethodPost, "/v1/import", testAdmin, imp)
	var out importResponse
	decodeBody(t, rec, &out)
	if rec.Code != 200 || ts.st.Seq() != seq || out.Records != 0 || out.Seq != seq {
		t.Errorf("the same import again = %d %s (seq %d → %d); want 200, 0 records, nothing written", rec.Code, rec.Body, seq, ts.st.Seq())
	}
}
