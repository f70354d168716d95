package web_test

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// redCrossJoins makes, as the admin, the scenario "the Red Cross joins
// the waterway meeting" over the whole district and returns its id.
func redCrossJoins(t *testing.T, b *browser) string {
	t.Helper()
	b.get("/ui/meetings/bn-water")
	code, body := b.post("/ui/meetings/bn-water/whatif", url.Values{"csrf": {b.csrf()}, "op": {"set_unit"}, "op_unit": {"红十字会"},
		"op_alliances": {"bn-water"}, "below": {"all"}, "name": {"红十字会加入水上联席会"}})
	m := scenarioRe.FindStringSubmatch(body)
	if code != 200 || m == nil {
		t.Fatalf("the Red Cross joining: %d %s", code, formErrorOf(body))
	}
	return m[1]
}

var tagRe = regexp.MustCompile(`<[^>]*>`)

// The brief of the Red Cross case for the joint meeting: what changes
// (the Red Cross joins the waterway meeting), who gains (the Yudong
// ferry pier's life jackets, met in full by the Red Cross's stock), who
// loses (nobody), the welfare it costs (as the scenario's page says), the
// meeting it touches; all by name. The district's coordinator reads the
// brief of the scenario shared with it; tw's coordinator does not.
func TestScenarioBriefRedCross(t *testing.T) {
	ts, st := newServer(t)
	b := newBrowser(t, ts.URL)
	b.login(testAdmin)
	seq := st.Seq()
	join := redCrossJoins(t, b)
	code, page := b.get("/ui/scenarios/" + join)
	if code != 200 || !strings.Contains(page, `href="/ui/scenarios/`+join+`/brief"`) {
		t.Fatalf("the scenario page has no link to its brief: %d", code)
	}
	code, body := b.get("/ui/scenarios/" + join + "/brief")
	if code != 200 {
		t.Fatalf("brief: %d %.1000s", code, body)
	}
	section := func(id string) string {
		i := strings.Index(body, `id="`+id+`"`)
		if i < 0 {
			t.Fatalf("the brief has no #%s: %.3000s", id, body)
		}
		j := strings.Index(body[i:], "</section>")
		return strings.Join(strings.Fields(tagRe.ReplaceAllString(body[i:i+j], " ")), " ")
	}
	for id, want := range map[string][]string{
		"brief-edits":    {"一、推演改动了什么", "修改成员单位 巴南区红十字会，加入巴南区水上党建联席会"},
		"brief-gain":     {"二、谁得到更多（1 项需求）", "鱼洞客渡码头 渡口救生衣更新 0 → 200 件 巴南区水上党建联席会", "巴南区红十字会 （1 项认领）：救生衣、棉被等救灾物资 → 渡口救生衣更新 ×200件"},
		"brief-lose":     {"三、谁失去（0 项需求）", "没有需求因此失去。"},
		"brief-cost":     {"四、总得分的代价", "有变化的 1 项需求（件）共满足 0 → 200"},
		"brief-meetings": {"五、涉及的联席会", "巴南区水上党建联席会 2", "巴南区红十字会：救生衣、棉被等救灾物资（— → 巴南区水上党建联席会）"},
	} {
		got := section(id)
		for _, w := range want {
			if !strings.Contains(got, w) {
				t.Errorf("#%s lacks %q: %s", id, w, got)
			}
		}
	}
	if !strings.Contains(body, "红十字会加入水上联席会") || !strings.Contains(body, "推演简报") || !strings.Contains(body, "巴南区党建联席会、巴南区水上党建联席会及下级") {
		t.Errorf("the brief's head lacks its name, title or scope: %.2000s", body)
	}
	// The welfare the brief gives is the scenario page's.
	tot := regexp.MustCompile(`<td>总得分</td><td class="num"[^>]*>(-?\d+)</td><td class="num"[^>]*>(-?\d+)</td><td class="num delta"[^>]*>([^<]+)</td>`).FindStringSubmatch(page)
	if tot == nil {
		t.Fatalf("no welfare on the scenario page")
	}
	if want := "总得分由 " + tot[1] + " 变为 " + tot[2] + "（" + tot[3] + "）"; !strings.Contains(body, want) || tot[1] == tot[2] {
		t.Errorf("the brief's welfare is not the page's %q: %s", want, section("brief-cost"))
	}
	if text := tagRe.ReplaceAllString(body, " "); strings.Contains(text, "bn-redcross") || strings.Contains(text, "bn-water") {
		t.Errorf("the brief names a unit or meeting by its id")
	}
	if code, body := b.get("/ui/scenarios/" + join + "/brief?lang=en"); code != 200 || !strings.Contains(body, "Scenario brief") || !strings.Contains(body, "Who gains (1 demands)") {
		t.Errorf("the English brief: %d", code)
	}
	if code, _ := b.get("/ui/scenarios/nope/brief"); code != http.StatusNotFound {
		t.Errorf("an unknown scenario's brief: %d", code)
	}

	b.get("/ui/scenarios/" + join)
	if code, _ := b.post("/ui/scenarios/"+join+"/share", url.Values{"csrf": {b.csrf()}, "shared": {"1"}}); code != 200 {
		t.Fatalf("share: %d", code)
	}
	district := newBrowser(t, ts.URL)
	district.login(makeToken(t, ts.URL, `{"role":"coordinator","alliance":"bn-district"}`))
	if code, body := district.get("/ui/scenarios/" + join + "/brief"); code != 200 || !strings.Contains(body, "鱼洞客渡码头") {
		t.Errorf("the district's coordinator reads the shared brief: %d", code)
	}
	tw := newBrowser(t, ts.URL)
	tw.login(makeToken(t, ts.URL, `{"role":"coordinator","alliance":"tw"}`))
	if code, _ := tw.get("/ui/scenarios/" + join + "/brief"); code != http.StatusNotFound {
		t.Errorf("tw's coordinator reads the brief: %d", code)
	}
	if st.Seq() != seq {
		t.Error("the brief wrote to the store")
	}
}

// The Red Cross brief prints on one A4 page (chromium's print to PDF);
// the PDF is kept beside the screenshots.
func TestScenarioBriefPrint(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test in -short mode")
	}
	exe := chromium(t)
	ts, _ := newServer(t)
	b := newBrowser(t, ts.URL)
	b.login(testAdmin)
	join := redCrossJoins(t, b)
	ctx := chrome(t, exe, 1366, 900)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(ts.URL+"/ui/login"),
		chromedp.Click(chromedp.CSS("#login summary")),
		chromedp.SendKeys(chromedp.CSS("#token"), testAdmin),
		chromedp.Submit(chromedp.CSS("#login")),
		chromedp.WaitVisible(chromedp.CSS("header .who")),
		chromedp.Navigate(ts.URL+"/ui/scenarios/"+join+"/brief"),
		chromedp.WaitVisible(chromedp.CSS("#brief-meetings")),
	); err != nil {
		t.Fatal(err)
	}
	pdf, err := chromedp.Run(ctx, chromedp.PrintToPDF(chromedp.PDFPaper(chromedp.PaperA4), func(p *page.PrintToPDFParams) { v := true; p.PreferCSSPageSize = &v }))
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(shotsDir(t), "brief-redcross.pdf")
	if err := os.WriteFile(out, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	pages := len(regexp.MustCompile(`/Type\s*/Page[^s]`).FindAll(pdf, -1))
	t.Logf("the Red Cross brief: %d A4 pages (%s)", pages, out)
	if pages != 1 {
		t.Errorf("the Red Cross brief prints on %d A4 pages, want 1", pages)
	}
}
