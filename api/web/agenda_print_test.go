package web_test

import (
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// Longhua's agenda, its proposals made, prints on at most 3 A4 pages
// (chromium's print to PDF); the PDF is kept beside the screenshots.
func TestAgendaPrint(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test in -short mode")
	}
	exe := chromium(t)
	ts, _ := newServer(t)
	tok := makeToken(t, ts.URL, `{"role":"coordinator","alliance":"lh"}`)
	b := newBrowser(t, ts.URL)
	b.login(tok)
	b.get("/ui/meetings/lh")
	b.post("/ui/meetings/lh/propose", url.Values{"csrf": {b.csrf()}})
	ctx := chrome(t, exe, 1366, 900)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(ts.URL+"/ui/login"),
		chromedp.Click(chromedp.CSS("#login summary")),
		chromedp.SendKeys(chromedp.CSS("#token"), tok),
		chromedp.Submit(chromedp.CSS("#login")),
		chromedp.WaitVisible(chromedp.CSS("header .who")),
		chromedp.Navigate(ts.URL+"/ui/meetings/lh/agenda"),
		chromedp.WaitVisible(chromedp.CSS("table.sign")),
	); err != nil {
		t.Fatal(err)
	}
	pdf, err := chromedp.Run(ctx, chromedp.PrintToPDF(chromedp.PDFPaper(chromedp.PaperA4), func(p *page.PrintToPDFParams) { v := true; p.PreferCSSPageSize = &v }))
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(shotsDir(t), "agenda-lh.pdf")
	if err := os.WriteFile(out, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	pages := len(regexp.MustCompile(`/Type\s*/Page[^s]`).FindAll(pdf, -1))
	t.Logf("Longhua's agenda: %d A4 pages (%s)", pages, out)
	if pages == 0 || pages > 3 {
		t.Errorf("Longhua's agenda prints on %d A4 pages, want 1 to 3", pages)
	}
}
