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
	shot := func(name string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			buf, err := chromedp.FullScreenshot(100)(ctx, tg)
			if err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(shots, name+".png"), buf, 0o644)
		})
	}
	fail := func(step string, err error) {
		t.Helper()
		html, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("body")))
		chromedp.Do(ctx, shot("failed-"+strings.ReplaceAll(step, " ", "-")))
		t.Fatalf("%s: %v\npage: %.2000s", step, err, html)
	}
	run := func(step string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			fail(step, err)
		}
	}
	login := func(who, token string) {
		t.Helper()
		run("log in as "+who,
			chromedp.Navigate(ts.URL+"/ui/login"),
			chromedp.Click(chromedp.CSS("#login summary")),
			chromedp.WaitVisible(chromedp.CSS("#token")),
			chromedp.SendKeys(chromedp.CSS("#token"), token),
			chromedp.Submit(chromedp.CSS("#login")),
			chromedp.WaitVisible(chromedp.CSS("header .who")),
		)
	}
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
