package web_test

import (
	"net/url"
	"testing"
)

// BenchmarkScenarioPages measures a scope scenario's page and the page
// comparing two scenarios of one scope (the Banan sample, the whole
// district), as their owner reads them: allocs/op is what a page costs
// beyond the solves its sessions keep.
func BenchmarkScenarioPages(b *testing.B) {
	ts, _ := newServer(b)
	br := newBrowser(b, ts.URL)
	br.login(testAdmin)
	scenarioOf := func(form url.Values) string {
		b.Helper()
		br.get("/ui/meetings/bn-water")
		form.Set("csrf", br.csrf())
		form.Set("below", "all")
		_, body := br.post("/ui/meetings/bn-water/whatif", form)
		m := scenarioRe.FindStringSubmatch(body)
		if m == nil {
			b.Fatalf("a scenario: %s", formErrorOf(body))
		}
		return m[1]
	}
	join := scenarioOf(url.Values{"op": {"set_unit"}, "op_unit": {"红十字会"}, "op_alliances": {"bn-water"}, "name": {"红十字会加入水上联席会"}})
	less := scenarioOf(url.Values{"op": {"set_quantity"}, "op_item": {"BN-R10"}, "op_quantity": {"100"}, "name": {"救灾物资降至100件"}})
	for _, c := range []struct{ name, path string }{
		{"scenario", "/ui/scenarios/" + join},
		{"compare", "/ui/scenarios/" + join + "/compare/" + less},
	} {
		b.Run(c.name, func(b *testing.B) {
			if code, body := br.get(c.path); code != 200 {
				b.Fatalf("%s: %d %.300s", c.path, code, body)
			}
			b.ReportAllocs()
			for b.Loop() {
				if code, _ := br.get(c.path); code != 200 {
					b.Fatalf("%s: %d", c.path, code)
				}
			}
		})
	}
}
