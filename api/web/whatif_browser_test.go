package web_test

import (
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
	d := newDriver(t, exe, "redcross", 1280, 1000, 90*time.Second, ts.URL)
	ctx := d.ctx
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

// TestPhoneWhatIfAddUnit adds a unit through the what-if form's fields in
// headless chromium on a phone (390×844): choosing the kind of edit shows
// only the inputs it reads, the unit is typed in Chinese (its kind and
// grid by name), the scenario names it, and neither page scrolls
// sideways. Screenshots in shotsDir/whatif-phone.
func TestPhoneWhatIfAddUnit(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test in -short mode")
	}
	exe := chromium(t)
	ts, st := newServer(t)
	d := newDriver(t, exe, "whatif-phone", 390, 844, 90*time.Second, ts.URL)
	ctx := d.ctx
	shot, fail, run, fits := d.shot, d.fail, d.run, d.fits
	hidden := func(id string) bool {
		t.Helper()
		h, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById("field-`+id+`").offsetParent === null`))
		if err != nil {
			fail("is "+id+" hidden", err)
		}
		return h
	}
	seq := st.Seq()
	run("phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulatePortrait))
	d.login("the community's coordinator", makeToken(t, ts.URL, `{"role":"coordinator","alliance":"lh"}`))
	run("choose to add a unit",
		chromedp.Navigate(ts.URL+"/ui/meetings/lh"),
		chromedp.WaitVisible(chromedp.CSS("#whatif-op")),
		chromedp.SetValue(chromedp.CSS("#op"), "add_unit"),
	)
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById("op").dispatchEvent(new Event("change"))`)); err != nil {
		fail("choose to add a unit", err)
	}
	run("its inputs show", chromedp.WaitVisible(chromedp.CSS("#op_unit_name")))
	if hidden("op_new_unit") || hidden("op_alliances") || !hidden("op_item_title") || !hidden("op_quantity") || !hidden("op_unit") {
		t.Error("adding a unit does not show exactly its inputs")
	}
	fits("the what-if form")
	run("type the unit",
		chromedp.SendKeys(chromedp.CSS("#op_new_unit"), "lh-teahouse"),
		chromedp.SendKeys(chromedp.CSS("#op_unit_name"), "龙华老街茶馆"),
		chromedp.SendKeys(chromedp.CSS("#op_unit_kind"), "商户"),
		chromedp.SetValue(chromedp.CSS("#op_unit_party"), "1"),
		chromedp.SendKeys(chromedp.CSS("#op_unit_grid"), "龙华社区2号红色网格"),
		chromedp.SendKeys(chromedp.CSS("#op_alliances"), "lh"),
		chromedp.SendKeys(chromedp.CSS("#whatif-name"), "茶馆加入龙华联盟"),
		shot("1-form"),
		chromedp.Click(chromedp.CSS("#whatif-run")),
		chromedp.WaitVisible(chromedp.CSS("#apply-form")),
		shot("2-scenario"),
	)
	edits, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#scenario-edits ol")))
	if err != nil {
		fail("the scenario's edits", err)
	}
	if !strings.Contains(edits, "新增成员单位 龙华老街茶馆") {
		t.Errorf("the scenario's edits are %q", edits)
	}
	fits("the scenario page")
	if st.Seq() != seq {
		t.Error("the what-if wrote to the store")
	}
}
