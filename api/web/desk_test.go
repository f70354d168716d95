package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// A page that is not there is the desk's 404 page (HTML, in Chinese, in
// the error style), signed in or not, static files too; a refusal after a
// redirect (a bad login code) shows in the error style, never in the
// green box; the header names the signed-in unit or alliance, not its id.
func TestDeskErrorsAndHeader(t *testing.T) {
	ts, _ := newServer(t)
	anon := newBrowser(t, ts.URL)
	for _, p := range []string{"/ui/static/nope.css", "/ui/static/"} {
		resp, err := anon.c.Get(ts.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			t.Errorf("GET %s = %d %s, want the desk's 404 page", p, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	}
	anon.get("/ui/login")
	anon.post("/ui/login", url.Values{"csrf": {anon.csrf()}, "code": {"ZZZZ-ZZZZ"}})
	if !strings.Contains(anon.last, `class="flash bad" id="flash" role="alert"`) {
		t.Errorf("a bad code is not shown as an error: %.600s", anon.last[strings.Index(anon.last, "<main>"):])
	}

	unit := unitBrowser(t, ts.URL, "lh-school")
	if !strings.Contains(unit.last, `<span class="who">成员单位 龙洲湾中学</span>`) {
		t.Errorf("the header does not name the unit: %.400s", unit.last)
	}
	coord := newBrowser(t, ts.URL)
	coord.login(makeToken(t, ts.URL, `{"role":"coordinator","alliance":"lh"}`))
	if !strings.Contains(coord.last, `<span class="who">联席会协调人 龙华社区“1&#43;X”党建联盟</span>`) {
		t.Errorf("the header does not name the alliance: %.400s", coord.last)
	}
	for _, p := range []string{"/ui/nope", "/ui/meetings/nope", "/ui/static/nope.css", "/ui/units/tw-shop"} {
		code, body := coord.get(p)
		if code != http.StatusNotFound || !strings.Contains(body, `id="error-box"`) || !strings.Contains(body, "找不到该页面") {
			t.Errorf("GET %s = %d, want the desk's 404 page: %.300s", p, code, body)
		}
	}
}
