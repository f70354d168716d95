package web_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/allymatch/allymatch/matcher/bundle"
)

// chromium finds Debian's chromium. Without it the browser test skips
// on a developer's machine, and fails in CI (CI set), where .ci/run
// installs it.
func chromium(t *testing.T) string {
	for _, p := range []string{os.Getenv("ALLYMATCH_CHROMIUM"), "/usr/bin/chromium", "chromium"} {
		if p == "" {
			continue
		}
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is not installed, and CI is set: the browser test must run in CI (apt-get install -y chromium)")
	}
	t.Skip("chromium is not installed (apt-get install -y chromium); skipping the browser test outside CI")
	return ""
}

// TestBrowser drives the pages in headless chromium: the Longhua
// coordinator makes proposals, each side accepts one claim, the claim shows
// confirmed, and an import with an error shows the error. Screenshots are
// kept in shotsDir/flow-1280x1000 (/tmp/allymatch-shots/flow-1280x1000).
// browserContext starts a headless chromium at exe with a window of w×h
// and a profile of its own, ended with the test, and returns its context.
func browserContext(t *testing.T, exe string, w, h int, extra ...chromedp.ExecAllocatorOption) context.Context {
	opts := append([]chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(w, h),
	}, extra...)
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	t.Cleanup(cancel)
	return ctx
}

func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test in -short mode")
	}
	exe := chromium(t)
	ts, _ := newServer(t)
	d := newDriver(t, exe, "flow-1280x1000", 1280, 1000, 90*time.Second, ts.URL)
	ctx := d.ctx
	shot, fail, run := d.shot, d.fail, d.run
	login := d.login
	logout := func() {
		t.Helper()
		run("log out",
			chromedp.Click(chromedp.CSS("header form button")),
			chromedp.WaitVisible(chromedp.CSS("#login")),
		)
	}

	// The coordinator runs proposals for the Longhua meeting.
	login("lh coordinator", makeToken(t, ts.URL, `{"role":"coordinator","alliance":"lh"}`))
	run("proposals",
		chromedp.Navigate(ts.URL+"/ui/meetings/lh"),
		chromedp.WaitVisible(chromedp.CSS("#run-proposals")),
		shot("1-dashboard-before"),
		chromedp.Click(chromedp.CSS("#run-proposals")),
		chromedp.WaitVisible(chromedp.CSS("#flash")),
		shot("2-dashboard-proposals"),
	)
	attr, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(`#proposals tr[id^="claim-"]`), "id"))
	if err != nil {
		fail("first proposal", err)
	}
	claim := strings.TrimPrefix(attr.Value, "claim-")
	if claim == "" {
		t.Fatal("no proposal on the dashboard")
	}
	c, err := claimOf(ts.URL, claim)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("claim %s: %s → %s", claim, c.ResourceUnit, c.DemandUnit)
	logout()

	// Each side accepts it on its own page.
	for i, u := range []string{c.ResourceUnit, c.DemandUnit} {
		login("unit "+u, makeToken(t, ts.URL, `{"role":"unit","unit":"`+u+`"}`))
		row := `[id="claim-` + claim + `"]`
		run("accept as "+u,
			chromedp.Navigate(ts.URL+"/ui/units/"+u),
			chromedp.WaitVisible(chromedp.CSS(row)),
			shot("3-unit-"+u),
			chromedp.Click(chromedp.CSS(row+` button[value="accept"]`)),
			chromedp.WaitVisible(chromedp.CSS("#flash")),
		)
		if i == 1 {
			run("confirmed on the unit's page", chromedp.WaitVisible(chromedp.CSS(`[id="confirmed-`+claim+`"]`)), shot("4-unit-confirmed"))
		}
		logout()
	}

	// The coordinator sees it confirmed.
	login("lh coordinator", makeToken(t, ts.URL, `{"role":"coordinator","alliance":"lh"}`))
	run("confirmed on the dashboard",
		chromedp.Navigate(ts.URL+"/ui/meetings/lh"),
		chromedp.WaitVisible(chromedp.CSS(`[id="confirmed-`+claim+`"]`)),
		shot("5-dashboard-confirmed"),
		chromedp.Navigate(ts.URL+"/ui/meetings/lh/report"),
		chromedp.WaitVisible(chromedp.CSS("svg.chart")),
		shot("6-report"),
		chromedp.Navigate(ts.URL+"/ui/meetings/lh/map"),
		chromedp.WaitVisible(chromedp.CSS("svg.map")),
		shot("7-map"),
		chromedp.Navigate(ts.URL+"/ui/meetings/lh/agenda"),
		chromedp.WaitVisible(chromedp.CSS("table.sign")),
		shot("8-agenda"),
	)

	// What if LH-R12 had 76: the diff, with its apply button; then why an
	// unmet demand stays unmet.
	run("what-if",
		chromedp.Navigate(ts.URL+"/ui/meetings/lh"),
		chromedp.WaitVisible(chromedp.CSS("#whatif-form")),
		chromedp.SetValue(chromedp.CSS("#qty_item"), "LH-R12"),
		chromedp.SetValue(chromedp.CSS("#qty"), "76"),
		chromedp.Click(chromedp.CSS("#whatif-run")),
		chromedp.WaitVisible(chromedp.CSS("#apply")),
		chromedp.WaitVisible(chromedp.CSS("#total-met")),
		shot("8a-whatif-diff"),
		chromedp.Navigate(ts.URL+"/ui/meetings/lh/unmet"),
		chromedp.Click(chromedp.CSS("#unmet a.whynot")),
		chromedp.WaitVisible(chromedp.CSS("#candidates")),
		shot("8b-whynot"),
	)

	// An import with an error shows the error, and stores nothing.
	var x bytes.Buffer
	if err := bundle.WriteXLSX(&x, []bundle.Sheet{{Name: "需求清单", Header: []string{"编号", "单位", "类别", "名称", "数量"}, Rows: [][]any{
		{"LH-B1", "lh-school", "护学", "周末护送", 4},
		{"LH-B2", "lh-school", "护学", "寒假护送", "很多"},
	}}}); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "longhua.xlsx")
	if err := os.WriteFile(file, x.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	run("import with an error",
		chromedp.Navigate(ts.URL+"/ui/meetings/lh/import"),
		chromedp.WaitVisible(chromedp.CSS("#file")),
		chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{file}),
		chromedp.Click(chromedp.CSS("#preview-btn")),
		chromedp.WaitVisible(chromedp.CSS("#problems")),
		shot("9-import-error"),
	)
	problems, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#problems")))
	if err != nil {
		fail("problems text", err)
	}
	if !strings.Contains(problems, "longhua.xlsx[需求清单]:3:5") || !strings.Contains(problems, "quantity") {
		t.Errorf("import problems shown: %q, want the bad quantity at longhua.xlsx[需求清单]:3:5", problems)
	}
}

// driver is a browser test's way through the desk: each step runs its
// actions and, when one fails, saves a screenshot and the page's HTML
// into the test's failure; shots go to dir.
type driver struct {
	t    *testing.T
	ctx  context.Context
	dir  string
	base string
}

// newDriver opens a w×h headless chromium (exe) for t with a deadline of
// timeout, its screenshots in shotsDir/name, on the desk at base.
func newDriver(t *testing.T, exe, name string, w, h int, timeout time.Duration, base string) driver {
	t.Helper()
	dir := filepath.Join(shotsDir(t), name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots in %s", dir)
	ctx, cancel := context.WithTimeout(browserContext(t, exe, w, h), timeout)
	t.Cleanup(cancel)
	return driver{t: t, ctx: ctx, dir: dir, base: base}
}

// fits checks that the page is no wider than the window (a phone's page
// that scrolls sideways).
func (d driver) fits(page string) {
	d.t.Helper()
	w, err := chromedp.Run(d.ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
	if err != nil {
		d.fail("width of "+page, err)
	}
	vw, _ := chromedp.Run(d.ctx, chromedp.Evaluate[int](`window.innerWidth`))
	d.t.Logf("%s: %d px of %d", page, w, vw)
	if w > vw {
		d.t.Errorf("%s is %d px wide on a %d px phone: it scrolls sideways", page, w, vw)
	}
}

// shot saves a full-page screenshot as dir/name.png.
func (d driver) shot(name string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		buf, err := chromedp.FullScreenshot(100)(ctx, tg)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(d.dir, name+".png"), buf, 0o644)
	})
}

// fail ends the test at step with err, the page's HTML and a screenshot.
func (d driver) fail(step string, err error) {
	d.t.Helper()
	html, _ := chromedp.Run(d.ctx, chromedp.OuterHTML(chromedp.CSS("body")))
	chromedp.Do(d.ctx, d.shot("failed-"+strings.ReplaceAll(step, " ", "-")))
	d.t.Fatalf("%s: %v\npage: %.2000s", step, err, html)
}

// run does a step's actions, failing the test at the first error.
func (d driver) run(step string, actions ...chromedp.Action[chromedp.Void]) {
	d.t.Helper()
	if err := chromedp.Do(d.ctx, actions...); err != nil {
		d.fail(step, err)
	}
}

// login signs in with a token (the login page's second way in).
func (d driver) login(who, token string) {
	d.t.Helper()
	d.run("log in as "+who,
		chromedp.Navigate(d.base+"/ui/login"),
		chromedp.Click(chromedp.CSS("#login summary")),
		chromedp.WaitVisible(chromedp.CSS("#token")),
		chromedp.SendKeys(chromedp.CSS("#token"), token),
		chromedp.Submit(chromedp.CSS("#login")),
		chromedp.WaitVisible(chromedp.CSS("header .who")),
	)
}
