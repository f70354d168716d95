package web_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserRedCross drives the planner's question in headless chromium
// on the Banan sample: what if the Red Cross (巴南区红十字会) joins the
// waterway joint meeting, and what if instead its relief stock (life
// jackets and quilts, BN-R10) drops to 100 — both over the whole district;
// the first shows the waterway meeting's change, the two are compared side
// by side, and the first is shared with the district's coordinator, who
// reads it. Screenshots in shotsDir/redcross.
func TestBrowserRedCross(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test in -short mode")
	}
	exe := chromium(t)
	ts, st := newServer(t)
	shots := filepath.Join(shotsDir(t), "redcross")
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx := browserContext(t, exe, 1280, 1000)
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	d := driver{t: t, ctx: ctx, dir: shots, base: ts.URL}
	shot, fail, run := d.shot, d.fail, d.run
	login := d.login
	scenarioID := func(step string) string {
		t.Helper()
		attr, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS("#apply-form"), "action"))
		if err != nil {
			fail(step, err)
		}
		return strings.TrimSuffix(strings.TrimPrefix(attr.Value, "/ui/scenarios/"), "/apply")
	}
	seq := st.Seq()

	login("admin", testAdmin)
	run("the Red Cross joins the waterway meeting",
		chromedp.Navigate(ts.URL+"/ui/meetings/bn-water"),
		chromedp.WaitVisible(chromedp.CSS("#whatif-op")),
		chromedp.SetValue(chromedp.CSS("#op"), "set_unit"),
		chromedp.SetValue(chromedp.CSS("#op_unit"), "红十字会"),
		chromedp.SetValue(chromedp.CSS("#op_alliances"), "bn-water"),
		chromedp.SetValue(chromedp.CSS("#whatif-below"), "all"),
		chromedp.SetValue(chromedp.CSS("#whatif-name"), "红十字会加入水上联席会"),
		chromedp.Click(chromedp.CSS("#whatif-run")),
		chromedp.WaitVisible(chromedp.CSS("#meeting-bn-water")),
		shot("1-joins"),
	)
	join := scenarioID("the first scenario's id")
	run("instead, the relief stock at 100",
		chromedp.Navigate(ts.URL+"/ui/meetings/bn-water"),
		chromedp.WaitVisible(chromedp.CSS("#whatif-op")),
		chromedp.SetValue(chromedp.CSS("#op"), "set_quantity"),
		chromedp.SetValue(chromedp.CSS("#op_item"), "BN-R10"),
		chromedp.SetValue(chromedp.CSS("#op_quantity"), "100"),
		chromedp.SetValue(chromedp.CSS("#whatif-below"), "all"),
		chromedp.SetValue(chromedp.CSS("#whatif-name"), "救灾物资降至100件"),
		chromedp.Click(chromedp.CSS("#whatif-run")),
		chromedp.WaitVisible(chromedp.CSS("#meetings")),
		shot("2-stock"),
	)
	run("side by side",
		chromedp.Navigate(ts.URL+"/ui/scenarios/"+join),
		chromedp.WaitVisible(chromedp.CSS("#compare-links a")),
		chromedp.Click(chromedp.CSS("#compare-links a")),
		chromedp.WaitVisible(chromedp.CSS("#compare-meeting-bn-water")),
		shot("3-compare"),
	)
	run("share with the district's coordinator",
		chromedp.Navigate(ts.URL+"/ui/scenarios/"+join),
		chromedp.WaitVisible(chromedp.CSS("#share")),
		chromedp.Click(chromedp.CSS("#share")),
		chromedp.WaitVisible(chromedp.CSS("#shared")),
		chromedp.Click(chromedp.CSS("header form button")),
		chromedp.WaitVisible(chromedp.CSS("#login")),
	)
	login("the district's coordinator", makeToken(t, ts.URL, `{"role":"coordinator","alliance":"bn-district"}`))
	run("the district's coordinator reads it",
		chromedp.Navigate(ts.URL+"/ui/scenarios/"+join),
		chromedp.WaitVisible(chromedp.CSS("#meeting-bn-water")),
		chromedp.WaitVisible(chromedp.CSS("#shared")),
		shot("4-shared"),
	)
	if st.Seq() != seq {
		t.Error("the what-ifs wrote to the store")
	}
}
