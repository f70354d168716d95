package web_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserRedCrossSheet asks the planner's question with a sheet in
// headless chromium on the Banan sample: the what-if section of the
// waterway meeting takes the Red Cross sheet (it joins bn-water; its
// relief stock BN-R10 drops to 100) over the whole district, previews its
// two edits in words, and creates the scenario, whose diff shows the
// waterway meeting's change. Screenshots in shotsDir/redcross-sheet.
func TestBrowserRedCrossSheet(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test in -short mode")
	}
	exe := chromium(t)
	ts, st := newServer(t)
	file := filepath.Join(t.TempDir(), "红十字会推演.xlsx")
	if err := os.WriteFile(file, redCrossSheet(t), 0o644); err != nil {
		t.Fatal(err)
	}
	d := newDriver(t, exe, "redcross-sheet", 1280, 1000, 90*time.Second, ts.URL)
	ctx := d.ctx
	seq := st.Seq()

	d.login("admin", testAdmin)
	d.run("upload the Red Cross sheet",
		chromedp.Navigate(ts.URL+"/ui/meetings/bn-water"),
		chromedp.Click(chromedp.CSS("#whatif-sheet summary")),
		chromedp.WaitVisible(chromedp.CSS("#sheet-file")),
		chromedp.SetUploadFiles(chromedp.CSS("#sheet-file"), []string{file}),
		chromedp.SetValue(chromedp.CSS("#sheet-below"), "all"),
		chromedp.SetValue(chromedp.CSS("#sheet-name"), "红十字会加入水上联席会（表格）"),
		chromedp.Click(chromedp.CSS("#sheet-check")),
		chromedp.WaitVisible(chromedp.CSS("#sheet-create")),
		d.shot("1-preview"),
	)
	edits, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#sheet-edits")))
	if err != nil || !strings.Contains(edits, "巴南区红十字会") || !strings.Contains(edits, "BN-R10") || !strings.Contains(edits, "100") {
		t.Errorf("the preview's edits: %q %v", edits, err)
	}
	d.run("create the scenario",
		chromedp.Click(chromedp.CSS("#sheet-create")),
		chromedp.WaitVisible(chromedp.CSS("#meeting-bn-water")),
		d.shot("2-scenario"),
	)
	water, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#meeting-bn-water")))
	if err != nil || !strings.Contains(water, "巴南区水上党建联席会") {
		t.Errorf("the waterway meeting's change: %q %v", water, err)
	}
	if page, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main"))); !strings.Contains(page, "红十字会加入水上联席会（表格）") {
		t.Errorf("the scenario's name is not on its page: %.500s", page)
	}
	if st.Seq() != seq {
		t.Error("the sheet wrote to the store")
	}
}
