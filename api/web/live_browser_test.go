package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestLivePage: in headless chromium, a meeting's page open at the
// meeting shows an answer given elsewhere (a unit's, through the API)
// without a reload: static/live.js follows the page's event stream and
// swaps the sections in.
func TestLivePage(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test in -short mode")
	}
	exe := chromium(t)
	ts, st, _ := notifyServer(t)
	ctx := browserContext(t, exe, 1280, 1000)
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	run := func(step string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			html, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("body")))
			t.Fatalf("%s: %v\npage: %.1500s", step, err, html)
		}
	}
	token := makeToken(t, ts.URL, `{"role":"coordinator","alliance":"lh"}`)
	run("log in and propose",
		chromedp.Navigate(ts.URL+"/ui/login"),
		chromedp.Click(chromedp.CSS("#login summary")),
		chromedp.WaitVisible(chromedp.CSS("#token")),
		chromedp.SendKeys(chromedp.CSS("#token"), token),
		chromedp.Submit(chromedp.CSS("#login")),
		chromedp.WaitVisible(chromedp.CSS("header .who")),
		chromedp.Navigate(ts.URL+"/ui/meetings/lh"),
		chromedp.Click(chromedp.CSS("#run-proposals")),
		chromedp.WaitVisible(chromedp.CSS("#flash")),
	)
	var claim, unit string
	for c := range st.Snapshot().ClaimsOfMeeting("lh") {
		if c.Status == "proposed" {
			claim, unit = c.ID, c.ResourceUnit
			break
		}
	}
	if claim == "" {
		t.Fatal("no proposal")
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.dataset.mark = "kept"`)); err != nil {
		t.Fatal(err)
	}
	// No wait for the stream to open: it starts from the page's own index.
	req, _ := http.NewRequest(http.MethodPost, ts.URL+"/v1/claims/"+claim+"/accept", nil)
	req.Header.Set("Authorization", "Bearer "+makeToken(t, ts.URL, `{"role":"unit","unit":"`+unit+`"}`))
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("accept: %v %v", resp, err)
	}
	resp.Body.Close()
	run("the answer shows without a reload", chromedp.WaitVisible(chromedp.CSS("#claim-"+cssEscape(claim)+" .accepted")))
	mark, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.dataset.mark || ""`))
	if err != nil || mark != "kept" {
		t.Errorf("the page was reloaded (mark %q), want its sections swapped", mark)
	}
}

// cssEscape escapes the dots of a claim id for a CSS selector.
func cssEscape(id string) string { return strings.ReplaceAll(id, ".", `\.`) }
