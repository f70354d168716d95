package web_test

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestPhoneLists drives a unit's lists and a claim by hand in headless
// chromium at a phone's width (390×844): no page of them scrolls sideways.
// It adds a demand (with a second time row and a problem shown beside the
// title first), and claims another unit's demand. Screenshots are kept in
// shotsDir/phone-lists-390x844 (/tmp/allymatch-shots/phone-lists-390x844).
func TestPhoneLists(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test in -short mode")
	}
	exe := chromium(t)
	ts, st := newServer(t)
	d := newDriver(t, exe, "phone-lists-390x844", 390, 844, 90*time.Second, ts.URL)
	shot, run, fits := d.shot, d.run, d.fits
	// fits checks that the page is no wider than the phone.

	run("phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulatePortrait))
	run("log in",
		chromedp.Navigate(ts.URL+"/ui/login"),
		chromedp.WaitVisible(chromedp.CSS("#code")),
		chromedp.SendKeys(chromedp.CSS("#code"), loginCode(t, ts.URL, `{"unit":"lh-committee"}`)),
		chromedp.Submit(chromedp.CSS("#login")),
		chromedp.WaitVisible(chromedp.CSS("#list-actions")),
		shot("1-unit"),
	)
	fits("the unit page")
	run("new demand",
		chromedp.Click(chromedp.CSS("#add-demand")),
		chromedp.WaitVisible(chromedp.CSS("#item-form")),
		chromedp.SetValue(chromedp.CSS("#category"), "elderly"),
		chromedp.SetValue(chromedp.CSS("#quantity"), "3"),
		chromedp.SetValue(chromedp.CSS("#measure"), "人次"),
		chromedp.SetValue(chromedp.CSS("#from-0"), "2026-12-20T09:00"),
		chromedp.SetValue(chromedp.CSS("#to-0"), "2026-12-20T11:00"),
		chromedp.Click(chromedp.CSS("#addrow")),
		chromedp.WaitVisible(chromedp.CSS("#from-1")),
		chromedp.SetValue(chromedp.CSS("#from-1"), "2026-12-27T09:00"),
		shot("2-new-demand"),
	)
	fits("the new demand's form")
	run("a problem beside the title",
		chromedp.Click(chromedp.CSS("#save")),
		chromedp.WaitVisible(chromedp.CSS("#error-title")),
		shot("3-problem"),
	)
	fits("the form with a problem")
	run("saved",
		chromedp.SendKeys(chromedp.CSS("#title"), "冬季上门陪老人聊天"),
		chromedp.Click(chromedp.CSS("#save")),
		chromedp.WaitVisible(chromedp.CSS("#flash")),
		chromedp.WaitVisible(chromedp.CSS("#item-tally")),
		shot("4-item"),
	)
	fits("the item page")
	var added string
	for it := range st.Snapshot().ItemsOf("lh-committee") {
		if it.Title == "冬季上门陪老人聊天" {
			added = it.ID
			if len(it.Windows) != 2 || it.Quantity != 3 {
				t.Errorf("stored %+v", it)
			}
		}
	}
	if added == "" {
		t.Fatal("the demand added on the phone is not stored")
	}
	run("project", chromedp.Navigate(ts.URL+"/ui/projects/LH-P01"), chromedp.WaitVisible(chromedp.CSS("#slots")), shot("5-project"))
	fits("the project page")
	run("browse", chromedp.Navigate(ts.URL+"/ui/units/lh-committee/browse?kind=demand"), chromedp.WaitVisible(chromedp.CSS("#results")), shot("6-browse"))
	fits("the browse page")
	run("claim",
		chromedp.Click(chromedp.CSS(`[id="claim-link-LH-D01"]`)),
		chromedp.WaitVisible(chromedp.CSS("#claim-form")),
		shot("7-claim-form"),
	)
	fits("the claim form")
	run("claimed",
		chromedp.Click(chromedp.CSS("#submit-claim")),
		chromedp.WaitVisible(chromedp.CSS("#claim-status")),
		shot("8-claim"),
	)
	fits("the claim page")
	run("back on the unit page", chromedp.Navigate(ts.URL+"/ui/units/lh-committee"), chromedp.WaitVisible(chromedp.CSS("#others")), shot("9-unit-after"))
	fits("the unit page with a claim")
}
