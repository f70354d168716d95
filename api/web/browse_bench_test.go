package web_test

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/allymatch/allymatch/api"
	"github.com/allymatch/allymatch/fixtures/gen"
	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/store"
)

// BenchmarkDistrictLists serves a unit's page and its browse pages in a
// district of 55,000 units (gen, seed 1): what a community unit's pages
// cost at district density.
func BenchmarkDistrictLists(b *testing.B) {
	bu, err := gen.Generate(gen.Config{Units: 55000, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	st, _, err := store.Open(context.Background(), store.Options{Dir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Import(context.Background(), bu, "system"); err != nil {
		b.Fatal(err)
	}
	s := api.New(nil)
	s.SetStore(st)
	s.SetAdminToken(testAdmin)
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	unit := ""
	for al := range st.Snapshot().AlliancesAt(matcher.Community) {
		if len(al.Members) > 0 {
			unit = al.Members[0]
			break
		}
	}
	br := unitBrowser(b, ts.URL, unit)
	for _, c := range []struct{ name, path string }{
		{"unit page", "/ui/units/" + unit},
		{"browse", "/ui/units/" + unit + "/browse"},
		{"browse page 2", "/ui/units/" + unit + "/browse?page=2"},
		{"browse search", "/ui/units/" + unit + "/browse?kind=demand&q=%E6%8A%A4"},
	} {
		p := c.path
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				code, body := br.get(p)
				if code != 200 {
					b.Fatalf("%s: %d", p, code)
				}
				n = len(body)
			}
			b.ReportMetric(float64(n), "bytes/page")
		})
	}
}
