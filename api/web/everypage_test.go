package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/allymatch/allymatch/matcher"
)

// ShotsDir is where the browser tests keep their screenshots:
// $ALLYMATCH_SHOTS, else allymatch-shots in the temporary folder
// (/tmp/allymatch-shots on Linux), one folder per window size.
func shotsDir(t *testing.T) string {
	dir := os.Getenv("ALLYMATCH_SHOTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "allymatch-shots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// chrome starts headless chromium for t at a window size.
func chrome(t *testing.T, exe string, w, h int) context.Context {
	t.Helper()
	actx, cancel := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(exe), chromedp.Flag("headless", true), chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true), chromedp.Flag("disable-quic", true), chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("lang", "zh-CN"), chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(w, h))
	t.Cleanup(cancel)
	ctx, cancel := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	t.Cleanup(cancel)
	ctx, cancel = context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// deskPage is one page a user reaches, and what shows it is drawn.
type deskPage struct {
	name, path, wait string
}

// TestEveryPage opens every page a coordinator and a unit reach on the
// Banan sample (with proposals made, answers given, a claim confirmed, a
// what-if scenario and an import preview) in headless chromium at a
// phone's size (390×844) and at a laptop's (1366×900): no page is wider
// than the window (document.documentElement.scrollWidth ≤ the viewport),
// no button of a phone page is less than 44 px high, and every page is
// saved as a screenshot in shotsDir/<size>/<role>-<page>.png.
func TestEveryPage(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test in -short mode")
	}
	exe := chromium(t)
	ts, st := newServer(t)
	dir := shotsDir(t)
	t.Logf("screenshots in %s", dir)

	// The state the pages show: lh's proposals, one claim confirmed, one
	// answered by one side, a scenario.
	coordTok := makeToken(t, ts.URL, `{"role":"coordinator","alliance":"lh"}`)
	coord := newBrowser(t, ts.URL)
	coord.login(coordTok)
	coord.get("/ui/meetings/lh")
	coord.post("/ui/meetings/lh/propose", url.Values{"csrf": {coord.csrf()}, "mode": {"welfare"}, "answer_by": {time.Now().Add(72 * time.Hour).Format("2006-01-02T15:04")}})
	var confirmed, half *matcher.Claim
	for cl := range st.Snapshot().ClaimsOfMeeting("lh") {
		if cl.Status != matcher.ClaimProposed {
			continue
		}
		switch {
		case confirmed == nil && cl.DemandUnit == "lh-school":
			confirmed = cl
		case half == nil && cl.ResourceUnit != "lh-school" && cl.DemandUnit != "lh-school":
			half = cl
		}
	}
	if confirmed == nil || half == nil {
		t.Fatal("the sample's lh proposals have no claim of lh-school, or no other")
	}
	for _, side := range []matcher.Side{matcher.ResourceSide, matcher.DemandSide} {
		coord.get("/ui/claims/" + confirmed.ID)
		coord.post("/ui/claims/"+confirmed.ID+"/answer", url.Values{"csrf": {coord.csrf()}, "answer": {"accept"}, "side": {string(side)}})
	}
	coord.get("/ui/claims/" + half.ID)
	coord.post("/ui/claims/"+half.ID+"/answer", url.Values{"csrf": {coord.csrf()}, "answer": {"accept"}, "side": {"resource"}})
	coord.get("/ui/meetings/lh")
	coord.post("/ui/meetings/lh/whatif", url.Values{"csrf": {coord.csrf()}, "qty_item": {"LH-R12"}, "qty": {"76"}})
	scenario := regexp.MustCompile(`/ui/scenarios/([^/"]+)/apply`).FindStringSubmatch(coord.last)
	if scenario == nil {
		t.Fatalf("no scenario: %.500s", coord.last)
	}
	if c, _ := st.Snapshot().Claim(confirmed.ID); c.Status != matcher.ClaimConfirmed {
		t.Fatalf("claim %s is %s", confirmed.ID, c.Status)
	}

	coordPages := []deskPage{
		{"home", "/ui/", "ul.meetings"},
		{"dashboard", "/ui/meetings/lh", "#proposals"},
		{"dashboard-filtered", "/ui/meetings/lh?ans=none&sort=score", "#proposals"},
		{"claims", "/ui/meetings/lh/claims", "#claims-search"},
		{"unmet", "/ui/meetings/lh/unmet", "#unmet"},
		{"waiting", "/ui/meetings/lh/waiting", "#waiting"},
		{"units", "/ui/meetings/lh/units", "#units"},
		{"items", "/ui/meetings/lh/items", "#items"},
		{"events", "/ui/meetings/lh/events", "#events"},
		{"agenda", "/ui/meetings/lh/agenda", "table.sign"},
		{"report", "/ui/meetings/lh/report", "svg.chart"},
		{"map", "/ui/meetings/lh/map", "svg.map"},
		{"import", "/ui/meetings/lh/import", "#upload"},
		{"logins", "/ui/meetings/lh/logins", "#make-slips"},
		{"members", "/ui/meetings/lh/members?find=" + url.QueryEscape("龙华"), "#members"},
		{"claim", "/ui/claims/" + half.ID, "#claim-sides"},
		{"claim-confirmed", "/ui/claims/" + confirmed.ID, "#fulfil"},
		{"unit", "/ui/units/lh-school", "#demands"},
		{"item", "/ui/items/LH-D01", "#item-form"},
		{"new-item", "/ui/units/lh-school/items/new?kind=resource", "#item-form"},
		{"project", "/ui/projects/LH-P01", "#slots"},
		{"whynot", "/ui/items/LH-D10/whynot", "#candidates"},
		{"scenario", "/ui/scenarios/" + scenario[1], "#totals"},
		{"browse", "/ui/units/lh-school/browse", "#search"},
		{"not-found", "/ui/meetings/nope", "#error-box"},
	}
	unitPages := []deskPage{
		{"unit", "/ui/units/lh-school", "#waiting"},
		{"item", "/ui/items/LH-D01", "#item-form"},
		{"new-item", "/ui/units/lh-school/items/new?kind=demand", "#item-form"},
		{"browse", "/ui/units/lh-school/browse?kind=resource", "#results"},
		{"claim-form", "/ui/units/lh-school/claim?item=LH-R12", "#claim-form"},
		{"claim", "/ui/claims/" + confirmed.ID, "#claim-sides"},
		{"login", "/ui/login", "#login"},
	}

	for _, size := range []struct {
		name   string
		w, h   int
		mobile bool
	}{{"390x844", 390, 844, true}, {"1366x900", 1366, 900, false}} {
		t.Run(size.name, func(t *testing.T) {
			out := filepath.Join(dir, size.name)
			if err := os.MkdirAll(out, 0o755); err != nil {
				t.Fatal(err)
			}
			ctx := chrome(t, exe, size.w, size.h)
			emulate := chromedp.EmulateViewport(int64(size.w), int64(size.h))
			if size.mobile {
				emulate = chromedp.EmulateViewport(int64(size.w), int64(size.h), chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulatePortrait)
			}
			if err := chromedp.Do(ctx, emulate); err != nil {
				t.Fatal(err)
			}
			visit := func(role string, p deskPage) {
				t.Helper()
				err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+p.path), chromedp.WaitVisible(chromedp.CSS(p.wait)))
				if err != nil {
					html, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("main")))
					t.Errorf("%s %s (%s): %v\n%.1500s", role, p.name, p.path, err, html)
					return
				}
				width, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
				if width > size.w {
					wide, _ := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`Array.from(document.querySelectorAll("body *")).filter(e => e.getBoundingClientRect().right > %d).slice(-6).map(e => e.tagName + "#" + e.id + "." + e.className + ":" + Math.round(e.getBoundingClientRect().right)).join(" ")`, size.w+1)))
					t.Errorf("%s %s (%s) is %d px wide in a %d px window: %s", role, p.name, p.path, width, size.w, wide)
				}
				if size.mobile {
					small, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`Array.from(document.querySelectorAll("main button, main a.button, main input[type=submit]")).filter(e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height < 43.5 }).slice(0, 5).map(e => e.tagName + "#" + e.id + "." + e.className + ":" + Math.round(e.getBoundingClientRect().height) + "px " + e.textContent.trim().slice(0, 12)).join(" | ")`))
					if small != "" {
						t.Errorf("%s %s (%s): buttons under 44 px high on a phone: %s", role, p.name, p.path, small)
					}
				}
				buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
				if err != nil {
					t.Errorf("screenshot of %s %s: %v", role, p.name, err)
					return
				}
				if err := os.WriteFile(filepath.Join(out, role+"-"+p.name+".png"), buf, 0o644); err != nil {
					t.Error(err)
				}
			}
			login := func(token string) {
				t.Helper()
				if err := chromedp.Do(ctx,
					chromedp.Navigate(ts.URL+"/ui/login"),
					chromedp.Click(chromedp.CSS("#login summary")),
					chromedp.WaitVisible(chromedp.CSS("#token")),
					chromedp.SendKeys(chromedp.CSS("#token"), token),
					chromedp.Submit(chromedp.CSS("#login")),
					chromedp.WaitVisible(chromedp.CSS("header .who")),
				); err != nil {
					t.Fatalf("log in: %v", err)
				}
			}
			logout := func() {
				t.Helper()
				if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("header form button")), chromedp.WaitVisible(chromedp.CSS("#login"))); err != nil {
					t.Fatalf("log out: %v", err)
				}
			}
			login(coordTok)
			for _, p := range coordPages {
				visit("coordinator", p)
			}
			logout()
			login(makeToken(t, ts.URL, `{"role":"unit","unit":"lh-school"}`))
			for _, p := range unitPages {
				if p.name == "login" {
					logout()
				}
				visit("unit", p)
			}
		})
	}
	_ = http.StatusOK
	_ = strings.TrimSpace
}
