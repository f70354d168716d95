package api

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// BenchmarkRequest measures what one request costs through HTTP, body
// decoding and checking included: a POST of a new item, a PATCH of one
// and a refused body (a quantity out of range). allocs/op is the figure
// CI guards; the items go to the Banan sample's store.
func BenchmarkRequest(b *testing.B) {
	ts := newTestServer(b)
	unit := ts.unitToken("lh-school")
	send := func(method, path, body string, want int) {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+unit)
		rec := httptest.NewRecorder()
		ts.Handler().ServeHTTP(rec, req)
		if rec.Code != want {
			b.Fatalf("%s %s = %d %s, want %d", method, path, rec.Code, rec.Body, want)
		}
	}
	item := `{"id":"B-%d","kind":"demand","category":"tutoring","title":"周末作业辅导","quantity":2,` +
		`"tags":["小学","数学"],"windows":[{"from":"2026-12-05T08:00:00Z","to":"2026-12-05T12:00:00Z"}]}`
	n := 0 // item ids go on across the benchmark's runs
	b.Run("post-item", func(b *testing.B) {
		for range b.N {
			n++
			send(http.MethodPost, "/v1/units/lh-school/items", fmt.Sprintf(item, n), http.StatusCreated)
		}
	})
	b.Run("patch-item", func(b *testing.B) {
		for i := range b.N {
			send(http.MethodPatch, "/v1/items/LH-D01", fmt.Sprintf(`{"quantity":%d,"title":"周末作业辅导"}`, 4+i%50), http.StatusOK)
		}
	})
	b.Run("refused", func(b *testing.B) {
		for range b.N {
			send(http.MethodPost, "/v1/units/lh-school/items", `{"id":"B-X","kind":"demand","category":"tutoring","title":"t","quantity":0}`, http.StatusBadRequest)
		}
	})
}
