package web_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/allymatch/allymatch/matcher"
)

// TestPhoneMeeting runs a Longhua meeting on a phone (390×844) in headless
// chromium, as the issue tells it: the school logs in with a login code,
// adds a demand; the coordinator proposes; the school accepts, the other
// side (the community committee, with its own code) accepts; the school
// records that part of it was delivered, and its item shows the rest open
// again. A screenshot of every page it passes is kept in
// shotsDir/phone-meeting-390x844 (/tmp/allymatch-shots/phone-meeting-390x844).
func TestPhoneMeeting(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test in -short mode")
	}
	exe := chromium(t)
	ts, st := newServer(t)
	shots := filepath.Join(shotsDir(t), "phone-meeting-390x844")
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots in %s", shots)
	ctx := browserContext(t, exe, 390, 844)
	ctx, cancel := context.WithTimeout(ctx, 120*time.Second)
	defer cancel()
	n := 0
	shot := func(name string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			buf, err := chromedp.FullScreenshot(100)(ctx, tg)
			if err != nil {
				return err
			}
			n++
			return os.WriteFile(filepath.Join(shots, strings.Replace(name, " ", "-", -1)+".png"), buf, 0o644)
		})
	}
	run := func(step string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, append(actions, shot(step))...); err != nil {
			html, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("main")))
			t.Fatalf("%s: %v\npage: %.2000s", step, err, html)
		}
		w, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
		if w > 390 {
			wide, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`window.innerWidth + " " + Array.from(document.querySelectorAll("body *")).filter(e => e.getBoundingClientRect().right > 391).slice(0, 5).map(e => e.tagName + "#" + e.id + "." + e.className + ":" + Math.round(e.getBoundingClientRect().right)).join(" ")`))
			t.Errorf("%s: the page is %d px wide on a 390 px phone (too wide: %s)", step, w, wide)
		}
	}
	login := func(step, body string) {
		t.Helper()
		run(step,
			chromedp.Navigate(ts.URL+"/ui/login"),
			chromedp.WaitVisible(chromedp.CSS("#code")),
			chromedp.SendKeys(chromedp.CSS("#code"), loginCode(t, ts.URL, body)),
			chromedp.Submit(chromedp.CSS("#login")),
			chromedp.WaitVisible(chromedp.CSS("header .who")),
		)
	}
	logout := func() {
		t.Helper()
		run("logged out", chromedp.Click(chromedp.CSS("header form button")), chromedp.WaitVisible(chromedp.CSS("#login")))
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulatePortrait)); err != nil {
		t.Fatal(err)
	}

	// 1. The school logs in with its code and adds a demand.
	login("01 school logged in", `{"unit":"lh-school"}`)
	run("02 school new demand",
		chromedp.Navigate(ts.URL+"/ui/units/lh-school"),
		chromedp.Click(chromedp.CSS("#add-demand")),
		chromedp.WaitVisible(chromedp.CSS("#item-form")),
		chromedp.SendKeys(chromedp.CSS("#title"), "校门口放学护导志愿者"),
		chromedp.SetValue(chromedp.CSS("#category"), "volunteer"),
		chromedp.SetValue(chromedp.CSS("#quantity"), "3"),
		chromedp.SetValue(chromedp.CSS("#measure"), "人次"),
		chromedp.SetValue(chromedp.CSS("#from-0"), "2026-12-14T16:00"),
		chromedp.SetValue(chromedp.CSS("#to-0"), "2026-12-14T18:00"),
	)
	run("03 school demand saved", chromedp.Click(chromedp.CSS("#save")), chromedp.WaitVisible(chromedp.CSS("#item-tally")))
	var demand string
	for it := range st.Snapshot().ItemsOf("lh-school") {
		if it.Title == "校门口放学护导志愿者" {
			demand = it.ID
		}
	}
	if demand == "" {
		t.Fatal("the demand added on the phone is not stored")
	}
	logout()

	// 2. The coordinator proposes.
	login("04 coordinator logged in", `{"alliance":"lh"}`)
	run("05 proposals",
		chromedp.Navigate(ts.URL+"/ui/meetings/lh"),
		chromedp.Click(chromedp.CSS("#run-proposals")),
		chromedp.WaitVisible(chromedp.CSS("#flash")),
	)
	var claim *matcher.Claim
	for cl := range st.Snapshot().ClaimsOnDemand(demand) {
		if cl.Status == matcher.ClaimProposed {
			claim = cl
		}
	}
	if claim == nil {
		t.Fatalf("no proposal for the new demand %s", demand)
	}
	logout()

	// 3. Both sides accept on their pages.
	accept := func(step, unit string) {
		t.Helper()
		login(step+" logged in", `{"unit":"`+unit+`"}`)
		run(step+" waiting",
			chromedp.Navigate(ts.URL+"/ui/units/"+unit),
			chromedp.WaitVisible(chromedp.CSS(`[id="claim-`+claim.ID+`"]`)),
		)
		run(step+" accepted",
			chromedp.Click(chromedp.CSS(`[id="claim-`+claim.ID+`"] button[value="accept"]`)),
			chromedp.WaitVisible(chromedp.CSS("#flash")),
		)
		logout()
	}
	accept("06 school", claim.DemandUnit)
	accept("07 other side", claim.ResourceUnit)
	if c, _ := st.Snapshot().Claim(claim.ID); c.Status != matcher.ClaimConfirmed {
		t.Fatalf("after both sides accepted: %s", c.Status)
	}

	// 4. The school records that 2 of them came; 1 is open again.
	login("08 school again", `{"unit":"lh-school"}`)
	run("09 claim confirmed", chromedp.Navigate(ts.URL+"/ui/claims/"+claim.ID), chromedp.WaitVisible(chromedp.CSS("#fulfil")))
	run("10 delivered in part",
		chromedp.SetValue(chromedp.CSS("#fulfil-quantity"), "2"),
		chromedp.Submit(chromedp.CSS("#fulfil")),
		chromedp.WaitVisible(chromedp.CSS("#claim-agreed")),
	)
	run("11 item after the delivery", chromedp.Navigate(ts.URL+"/ui/items/"+demand), chromedp.WaitVisible(chromedp.CSS("#item-tally")))
	tally, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#item-tally")))
	if err != nil {
		t.Fatal(err)
	}
	if want := "共 3人次：已确认 2，已提议 0，尚余 1"; !strings.Contains(tally, want) {
		t.Errorf("the item after delivering 2 of 3 shows %q, want %q", tally, want)
	}
	if c, _ := st.Snapshot().Claim(claim.ID); c.Status != matcher.ClaimFulfilled || c.Quantity != 2 || c.Agreed != 3 {
		t.Errorf("the claim after the delivery: %+v", c)
	}
	t.Logf("%d screenshots", n)
}
