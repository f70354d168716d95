package web_test

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

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
	ctx := browserContext(t, exe, w, h, chromedp.Flag("lang", "zh-CN"))
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// deskPage is one page a user reaches, and what shows it is drawn; the
// page is opened at path, then reached by what do does there (an upload,
// a click), when it does something.
type deskPage struct {
	name, path, wait string
	do               []chromedp.Action[chromedp.Void]
}

// englishWords finds, in a page's text less its .hint elements, the
// English words a page of the desk would show if a text of it were left
// untranslated (a word in lower case or capitalised: login codes are in
// capitals), each once.
const englishWords = `(() => {
	const words = new Set(["the", "is", "are", "of", "and", "or", "to", "page", "pages", "error", "claim", "claims", "item", "items", "demand", "demands", "resource", "resources", "project", "projects", "proposed", "confirmed", "rejected", "withdrawn", "fulfilled", "expired", "accepted", "status", "open", "answer", "answered", "submit", "search", "next", "previous", "none", "unit", "units", "meeting", "quantity", "category", "priority", "score", "only", "not", "yes", "total", "shortfall", "save", "delete", "cancel", "back", "login", "logout", "members", "lead", "level", "community", "street", "district", "report", "map", "agenda", "import", "export", "preview", "problem", "problems", "row", "column", "field", "file", "files", "waiting", "overdue", "unmet"]);
	const body = document.body.cloneNode(true);
	body.querySelectorAll(".hint").forEach(e => e.remove());
	const found = new Set();
	for (const w of body.textContent.match(/\b[A-Z]?[a-z]+\b/g) || []) {
		if (words.has(w.toLowerCase())) found.add(w);
	}
	return Array.from(found).join(" ");
})()`

// TestEveryPage opens every page a coordinator and a unit reach on the
// Banan sample (with proposals made, answers given, a claim confirmed, a
// what-if scenario and an import preview) in headless chromium at a
// phone's size (390×844) and at a laptop's (1366×900): no page is wider
// than the window (document.documentElement.scrollWidth ≤ the viewport),
// no button of a phone page is less than 44 px high, no English word of
// the desk's own is on a page (englishWords), and every page is
// saved as a screenshot in shotsDir/<size>/<role>-<page>.png.
func TestEveryPage(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test in -short mode")
	}
	exe := chromium(t)
	ts, st := newServer(t)
	dir := shotsDir(t)
	t.Logf("screenshots in %s", dir)

	// The sheets of the import previews: one with problems (a workbook as
	// people keep it, a merged title row above the header, a 序号 column, a
	// quantity that does not read and an unknown unit), one clean, a
	// community's set of several files (units of a new kind by name).
	sheets := t.TempDir()
	var bad bytes.Buffer
	f := excelize.NewFile()
	f.SetSheetName("Sheet1", "需求清单")
	f.SetSheetRow("需求清单", "A1", &[]any{"龙华社区需求清单（2026年冬）"})
	f.MergeCell("需求清单", "A1", "G1")
	f.SetSheetRow("需求清单", "A2", &[]any{"序号", "编号", "单位", "类别", "名称", "数量", "开始"})
	f.SetSheetRow("需求清单", "A3", &[]any{1, "LH-Y1", "龙洲湾中学", "护学", "寒假每天下午放学后校门口的护学岗", "很多", "2026-12-01 18:00"})
	f.SetSheetRow("需求清单", "A4", &[]any{2, "LH-Y2", "lh-nobody", "护学", "无主需求", "２", ""})
	if err := f.Write(&bad); err != nil {
		t.Fatal(err)
	}
	for name, text := range map[string][]byte{
		"bad.xlsx": bad.Bytes(),
		"成员单位.csv": []byte("序号,编号,名称,类型,网格,联盟\n1,lh-noodle,龙华面馆,餐饮,lh-g1,lh\n"),
		"需求清单.csv": []byte("龙华社区需求清单,,,,,,,\n序号,编号,单位,类别,名称,数量,开始,结束\n1,LH-Z1,龙洲湾中学,护学,寒假护送,１２,2026-12-01 18:00,2027-01-20\n2,LH-Z2,龙华面馆,物资,冬季棉被,５,,\n"),
		"资源清单.csv": []byte("序号,编号,单位,类别,名称,数量\n1,LH-Z3,龙华面馆,物资,爱心午餐,３０\n"),
		// Sheets of edits (whatif_sheet.go): one with a problem in each
		// row and an unknown column, one clean.
		"坏修改清单.csv": []byte("操作,条目,数量,颜色\n修改数量,LH-R12,七十,\n改名字,,,\n修改数量,ZZ-NONE,70,\n"),
		"修改清单.csv":  []byte("操作,条目,数量,服务半径（公里）\n修改数量,LH-R12,70,\n修改服务半径,LH-D06,,4\n"),
	} {
		if err := os.WriteFile(filepath.Join(sheets, name), text, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	uploadSheet := func(name string) []chromedp.Action[chromedp.Void] {
		return []chromedp.Action[chromedp.Void]{chromedp.SetUploadFiles(chromedp.CSS("#sheet-file"), []string{filepath.Join(sheets, name)}), chromedp.Click(chromedp.CSS("#sheet-check"))}
	}
	upload := func(names ...string) []chromedp.Action[chromedp.Void] {
		var paths []string
		for _, n := range names {
			paths = append(paths, filepath.Join(sheets, n))
		}
		return []chromedp.Action[chromedp.Void]{chromedp.SetUploadFiles(chromedp.CSS("#file"), paths), chromedp.Click(chromedp.CSS("#preview-btn"))}
	}

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
	// A second scenario of lh, to compare with the first; and one that
	// adds a unit through the form's fields.
	coord.get("/ui/meetings/lh")
	coord.post("/ui/meetings/lh/whatif", url.Values{"csrf": {coord.csrf()}, "op": {"add_unit"}, "op_new_unit": {"lh-teahouse"}, "op_unit_name": {"龙华老街茶馆"},
		"op_unit_kind": {"商户"}, "op_unit_grid": {"lh-g1"}, "op_alliances": {"lh"}})
	second := regexp.MustCompile(`/ui/scenarios/([^/"]+)/apply`).FindStringSubmatch(coord.last)
	if second == nil {
		t.Fatalf("no second scenario: %.500s", coord.last)
	}
	if c, _ := st.Snapshot().Claim(confirmed.ID); c.Status != matcher.ClaimConfirmed {
		t.Fatalf("claim %s is %s", confirmed.ID, c.Status)
	}

	// The Red Cross case over the district, shared with the district's
	// coordinator: its scenario page and brief with changes to show.
	admin := newBrowser(t, ts.URL)
	admin.login(testAdmin)
	join := redCrossJoins(t, admin)
	admin.get("/ui/scenarios/" + join)
	if code, _ := admin.post("/ui/scenarios/"+join+"/share", url.Values{"csrf": {admin.csrf()}, "shared": {"1"}}); code != 200 {
		t.Fatalf("share the Red Cross scenario: %d", code)
	}
	districtPages := []deskPage{
		{"scenario", "/ui/scenarios/" + join, "#meetings", nil},
		{"brief", "/ui/scenarios/" + join + "/brief", "#brief-meetings", nil},
	}

	coordPages := []deskPage{
		{"home", "/ui/", "ul.meetings", nil},
		{"dashboard", "/ui/meetings/lh", "#proposals", nil},
		{"dashboard-filtered", "/ui/meetings/lh?ans=none&sort=score", "#proposals", nil},
		// A new item without its title: the form again with the item's
		// inputs shown and the one at fault marked.
		{"whatif-error", "/ui/meetings/lh", "#whatif-error", []chromedp.Action[chromedp.Void]{chromedp.SetValue(chromedp.CSS("#op"), "add_item"),
			chromedp.SetValue(chromedp.CSS("#op_unit"), "lh-school"), chromedp.SetValue(chromedp.CSS("#op_quantity"), "3"), chromedp.Click(chromedp.CSS("#whatif-run"))}},
		{"claims", "/ui/meetings/lh/claims", "#claims-search", nil},
		{"unmet", "/ui/meetings/lh/unmet", "#unmet", nil},
		{"proof", "/ui/meetings/lh/proof", "#proof-check", nil},
		{"waiting", "/ui/meetings/lh/waiting", "#waiting", nil},
		{"units", "/ui/meetings/lh/units", "#units", nil},
		{"items", "/ui/meetings/lh/items", "#items", nil},
		{"events", "/ui/meetings/lh/events", "#events", nil},
		{"agenda", "/ui/meetings/lh/agenda", "table.sign", nil},
		{"report", "/ui/meetings/lh/report", "svg.chart", nil},
		{"rollup", "/ui/rollup/lh", "#rollup-total", nil},
		{"map", "/ui/meetings/lh/map", "svg.map", nil},
		{"import", "/ui/meetings/lh/import", "#upload", nil},
		{"import-problems", "/ui/meetings/lh/import", "#problems", upload("bad.xlsx")},
		{"import-preview", "/ui/meetings/lh/import", "#commit", upload("成员单位.csv", "需求清单.csv", "资源清单.csv")},
		{"whatif-sheet", "/ui/meetings/lh/whatif/sheet", "#sheet-upload", nil},
		{"whatif-sheet-problems", "/ui/meetings/lh/whatif/sheet", "#sheet-problems", uploadSheet("坏修改清单.csv")},
		{"whatif-sheet-preview", "/ui/meetings/lh/whatif/sheet", "#sheet-create", uploadSheet("修改清单.csv")},
		{"logins", "/ui/meetings/lh/logins", "#make-slips", nil},
		{"webhooks", "/ui/meetings/lh/webhooks", "main h1", nil},
		{"slips", "/ui/meetings/lh/logins", ".slips", []chromedp.Action[chromedp.Void]{chromedp.Click(chromedp.CSS("#make-slips button"))}},
		{"members", "/ui/meetings/lh/members?find=" + url.QueryEscape("龙华"), "#members", nil},
		{"claim", "/ui/claims/" + half.ID, "#claim-sides", nil},
		{"claim-confirmed", "/ui/claims/" + confirmed.ID, "#fulfil", nil},
		{"unit", "/ui/units/lh-school", "#demands", nil},
		{"item", "/ui/items/LH-D01", "#item-form", nil},
		{"new-item", "/ui/units/lh-school/items/new?kind=resource", "#item-form", nil},
		{"project", "/ui/projects/LH-P01", "#slots", nil},
		{"new-project", "/ui/units/lh-committee/projects/new", "#project-form", nil},
		{"claim-form", "/ui/units/lh-school/claim?item=LH-R12", "#claim-form", nil},
		{"whynot", "/ui/items/LH-D10/whynot", "#candidates", nil},
		{"scenario", "/ui/scenarios/" + scenario[1], "#totals", nil},
		{"brief", "/ui/scenarios/" + scenario[1] + "/brief", "#brief-cost", nil},
		{"scenario-add-unit", "/ui/scenarios/" + second[1], "#scenario-edits", nil},
		{"compare", "/ui/scenarios/" + scenario[1] + "/compare/" + second[1], "#compare-totals", nil},
		{"browse", "/ui/units/lh-school/browse", "#search", nil},
		{"not-found", "/ui/meetings/nope", "#error-box", nil},
	}
	// A street's coordinator also reaches the form of a new alliance below
	// its own.
	streetPages := []deskPage{
		{"dashboard", "/ui/meetings/st-lzw", "#proposals", nil},
		{"home", "/ui/", "#overview-st-lzw", nil},
		{"rollup", "/ui/rollup/st-lzw", "#rollup-children", nil},
		{"new-alliance", "/ui/meetings/st-lzw/alliances/new?find=" + url.QueryEscape("面"), "#alliance-form", nil},
		{"members", "/ui/meetings/st-lzw/members", "#members", nil},
	}
	unitPages := []deskPage{
		{"unit", "/ui/units/lh-school", "#waiting", nil},
		{"item", "/ui/items/LH-D01", "#item-form", nil},
		{"new-item", "/ui/units/lh-school/items/new?kind=demand", "#item-form", nil},
		{"browse", "/ui/units/lh-school/browse?kind=resource", "#results", nil},
		{"claim-form", "/ui/units/lh-school/claim?item=LH-R12", "#claim-form", nil},
		{"claim", "/ui/claims/" + confirmed.ID, "#claim-sides", nil},
		{"webhooks", "/ui/units/lh-school/webhooks", "main h1", nil},
		{"login", "/ui/login", "#login", nil},
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
				acts := append([]chromedp.Action[chromedp.Void]{chromedp.Navigate(ts.URL + p.path)}, p.do...)
				err := chromedp.Do(ctx, append(acts, chromedp.WaitVisible(chromedp.CSS(p.wait)))...)
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
				// Chinese throughout: no English word of the desk's own on a
				// page (the hints that give a field's English name aside;
				// all-capital login codes and the ids of the data are not
				// words of this list).
				english, _ := chromedp.Run(ctx, chromedp.Evaluate[string](englishWords))
				if english != "" {
					t.Errorf("%s %s (%s): English on a Chinese page: %s", role, p.name, p.path, english)
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
			login(makeToken(t, ts.URL, `{"role":"coordinator","alliance":"st-lzw"}`))
			for _, p := range streetPages {
				visit("street", p)
			}
			logout()
			login(makeToken(t, ts.URL, `{"role":"coordinator","alliance":"bn-district"}`))
			for _, p := range districtPages {
				visit("district", p)
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
}
