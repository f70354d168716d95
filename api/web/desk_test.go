package web_test

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/allymatch/allymatch/api"
	"github.com/allymatch/allymatch/fixtures/gen"
	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/bundle"
	"github.com/allymatch/allymatch/matcher/store"
)

// A page that is not there is the desk's 404 page (HTML, in Chinese, in
// the error style), signed in or not, static files too; a refusal after a
// redirect (a bad login code) shows in the error style, never in the
// green box; the header names the signed-in unit or alliance, not its id.
func TestDeskErrorsAndHeader(t *testing.T) {
	ts, _ := newServer(t)
	anon := newBrowser(t, ts.URL)
	for _, p := range []string{"/ui/static/nope.css", "/ui/static/"} {
		resp, err := anon.c.Get(ts.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			t.Errorf("GET %s = %d %s, want the desk's 404 page", p, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	}
	anon.get("/ui/login")
	anon.post("/ui/login", url.Values{"csrf": {anon.csrf()}, "code": {"ZZZZ-ZZZZ"}})
	if !strings.Contains(anon.last, `class="flash bad" id="flash" role="alert"`) {
		t.Errorf("a bad code is not shown as an error: %.600s", anon.last[strings.Index(anon.last, "<main>"):])
	}

	unit := unitBrowser(t, ts.URL, "lh-school")
	if !strings.Contains(unit.last, `<span class="who">成员单位 龙洲湾中学</span>`) {
		t.Errorf("the header does not name the unit: %.400s", unit.last)
	}
	coord := newBrowser(t, ts.URL)
	coord.login(makeToken(t, ts.URL, `{"role":"coordinator","alliance":"lh"}`))
	if !strings.Contains(coord.last, `<span class="who">联席会协调人 龙华社区“1&#43;X”党建联盟</span>`) {
		t.Errorf("the header does not name the alliance: %.400s", coord.last)
	}
	for _, p := range []string{"/ui/nope", "/ui/meetings/nope", "/ui/static/nope.css", "/ui/units/tw-shop"} {
		code, body := coord.get(p)
		if code != http.StatusNotFound || !strings.Contains(body, `id="error-box"`) || !strings.Contains(body, "找不到该页面") {
			t.Errorf("GET %s = %d, want the desk's 404 page: %.300s", p, code, body)
		}
	}
}

// The meeting's lists are searched, filtered and paged on the server; a
// page names how many match; the dashboard shows the totals and what
// needs attention first; the what-if form takes an item or unit by its
// words and offers the matches when they are several.
func TestDeskLists(t *testing.T) {
	ts, st := newServer(t)
	coord := newBrowser(t, ts.URL)
	coord.login(makeToken(t, ts.URL, `{"role":"coordinator","alliance":"lh"}`))
	coord.get("/ui/meetings/lh")
	if code, _ := coord.post("/ui/meetings/lh/propose", url.Values{"csrf": {coord.csrf()}, "mode": {"welfare"}}); code != 200 {
		t.Fatalf("propose: %d", code)
	}
	body := coord.last
	n := 0
	for cl := range st.Snapshot().ClaimsOfMeetingWith("lh", matcher.ClaimProposed) {
		n++
		_ = cl
	}
	for _, want := range []string{`id="summary"`, `id="attention"`, `id="tile-proposed"><span class="big">` + strconv.Itoa(n) + `</span>`, `id="topunmet"`, `/1000</span>`} {
		if !strings.Contains(body, want) {
			t.Errorf("the dashboard lacks %s", want)
		}
	}
	if strings.Index(body, `id="attention"`) > strings.Index(body, `id="proposals"`) {
		t.Error("the proposals come before what needs attention")
	}
	rows := func(body string) int { return strings.Count(body, `<tr id="claim-`) }
	if got := rows(body); got != min(n, 25) {
		t.Errorf("dashboard: %d proposals shown, want %d", got, min(n, 25))
	}
	// The school's proposals by a part of its name.
	_, body = coord.get("/ui/meetings/lh?unit=" + url.QueryEscape("洲湾中"))
	want := 0
	for cl := range st.Snapshot().ClaimsOfMeetingWith("lh", matcher.ClaimProposed) {
		if cl.DemandUnit == "lh-school" || cl.ResourceUnit == "lh-school" {
			want++
		}
	}
	if got := rows(body); got != want || want == 0 || !strings.Contains(body, fmt.Sprintf("共 %d 项", want)) {
		t.Errorf("unit 洲湾中: %d rows, want %d", got, want)
	}
	// The claims page by status; a page past the end shows the last.
	_, body = coord.get("/ui/meetings/lh/claims?status=confirmed")
	if got := rows(body); got != 1 {
		t.Errorf("confirmed claims: %d rows, want the sample's 1", got)
	}
	// Units, items, events, waiting, unmet: each a page that names its count.
	for _, p := range []string{"/ui/meetings/lh/units?q=" + url.QueryEscape("龙华"), "/ui/meetings/lh/items?kind=demand&cat=escort", "/ui/meetings/lh/events?action=meeting",
		"/ui/meetings/lh/waiting", "/ui/meetings/lh/unmet?sort=priority", "/ui/meetings/lh/claims?page=99", "/ui/?q=" + url.QueryEscape("龙华")} {
		if code, body := coord.get(p); code != 200 || !strings.Contains(body, `-count">共 `) && !strings.Contains(body, "ev.") && !strings.Contains(p, "events") {
			t.Errorf("GET %s = %d, no count", p, code)
		}
	}
	if _, body := coord.get("/ui/meetings/lh/items?kind=demand&cat=escort"); !strings.Contains(body, `id="item-LH-D01"`) || strings.Contains(body, `id="item-LH-R`) {
		t.Error("items: the escort demands are not LH-D01 alone among demands")
	}
	if _, body := coord.get("/ui/meetings/lh/events?action=meeting"); !strings.Contains(body, "生成匹配建议") {
		t.Error("events: the proposal run is not in words")
	}

	// What-if: words that match several items offer them; an id works.
	coord.get("/ui/meetings/lh")
	code, body := coord.post("/ui/meetings/lh/whatif", url.Values{"csrf": {coord.csrf()}, "qty_item": {"积分"}, "qty": {"9"}})
	if code != http.StatusBadRequest || !strings.Contains(body, `<select name="qty_item" id="qty_item">`) || !strings.Contains(body, "请选一项") {
		t.Errorf("what-if 积分: %d, want a choice of the matches: %.400s", code, body[strings.Index(body, `id="whatif"`):])
	}
	code, body = coord.post("/ui/meetings/lh/whatif", url.Values{"csrf": {coord.csrf()}, "remove_unit": {"龙洲湾中学"}})
	if code != 200 || !strings.Contains(body, "移除成员单位") {
		t.Errorf("what-if 龙洲湾中学: %d %.300s", code, body)
	}
	coord.get("/ui/meetings/lh")
	if code, body := coord.post("/ui/meetings/lh/whatif", url.Values{"csrf": {coord.csrf()}, "qty_item": {"没有这种东西"}, "qty": {"9"}}); code != http.StatusBadRequest || !strings.Contains(body, "没有找到“没有这种东西”") {
		t.Errorf("what-if of nothing: %d", code)
	}
}

// Above 200 units the map draws red grids with their number of units,
// each a link that zooms into the grid; the scale bar says 公里.
func TestMapClusters(t *testing.T) {
	bu, err := gen.Generate(gen.Config{Units: 1000, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	st, _, err := store.Open(context.Background(), store.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Import(context.Background(), bu, "system"); err != nil {
		t.Fatal(err)
	}
	var street string
	for al := range st.Snapshot().AlliancesAt(matcher.Street) {
		street = al.ID
		break
	}
	s := api.New(nil)
	s.SetStore(st)
	s.SetAdminToken(testAdmin)
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	b := newBrowser(t, ts.URL)
	b.login(makeToken(t, ts.URL, `{"role":"coordinator","alliance":"`+street+`"}`))
	code, body := b.get("/ui/meetings/" + street + "/map")
	if code != 200 || !strings.Contains(body, `<circle cx=`) || !strings.Contains(body, `class="cluster"`) || strings.Contains(body, `class="unit k-`) || !strings.Contains(body, " 公里<") {
		t.Fatalf("the street's map: %d, no clusters or no 公里: %.600s", code, body)
	}
	zoom := regexp.MustCompile(`<a href="(/ui/meetings/[^"]+/map\?grid=[^"]+)" class="cluster">`).FindStringSubmatch(body)
	if zoom == nil {
		t.Fatal("no cluster links to its grid")
	}
	if code, body := b.get(html.UnescapeString(zoom[1])); code != 200 || !strings.Contains(body, `class="unit k-`) || !strings.Contains(body, `id="map-all"`) {
		t.Errorf("a grid's map: %d, no units", code)
	}
	if _, body := b.get("/ui/meetings/" + street + "/map?lang=en"); !strings.Contains(body, " km<") {
		t.Error("the English scale bar is not in km")
	}
	if code, _ := b.get("/ui/meetings/" + street + "/map?grid=nope"); code != 404 {
		t.Errorf("an unknown grid: %d", code)
	}
}

// Numbers that mean something: the report counts demands and gives
// quantities per measure; the shortfall is what is still open; a score
// says its scale and a word.
func TestNumbers(t *testing.T) {
	ts, _ := newServer(t)
	b := newBrowser(t, ts.URL)
	b.login(makeToken(t, ts.URL, `{"role":"coordinator","alliance":"lh"}`))
	_, body := b.get("/ui/meetings/lh/report")
	if !regexp.MustCompile(`id="report-total">需求 \d+ 项：全部满足 \d+ 项`).MatchString(body) || !strings.Contains(body, `id="report-measures"`) || strings.Contains(body, "已满足 0 / 需求") {
		t.Errorf("the report's total: %.300s", body[strings.Index(body, "<main>"):])
	}
	b.get("/ui/meetings/lh")
	b.post("/ui/meetings/lh/propose", url.Values{"csrf": {b.csrf()}})
	_, body = b.get("/ui/meetings/lh/unmet")
	// LH-D03 needs 200, 130 are proposed: 缺口 70.
	if row := regexp.MustCompile(`(?s)id="unmet-LH-D03".*?</tr>`).FindString(body); !strings.Contains(row, "缺口 70 份") || !strings.Contains(row, "需求 200，已建议 130") {
		t.Errorf("LH-D03's shortfall: %s", row)
	}
	if _, body = b.get("/ui/meetings/lh"); !regexp.MustCompile(`<span class="score">\d+/1000</span> <span class="band">(很合适|较合适|一般|勉强)</span>`).MatchString(body) {
		t.Error("a score without its scale and word")
	}
}

// The agenda lists each claim once, grouped by its demand unit, with the
// answers so far; the coordinator chooses what to print: only the
// unanswered, one category, only the units with something to decide.
func TestAgendaChoices(t *testing.T) {
	ts, st := newServer(t)
	b := newBrowser(t, ts.URL)
	b.login(makeToken(t, ts.URL, `{"role":"coordinator","alliance":"lh"}`))
	b.get("/ui/meetings/lh")
	b.post("/ui/meetings/lh/propose", url.Values{"csrf": {b.csrf()}})
	var proposed []*matcher.Claim
	for cl := range st.Snapshot().ClaimsOfMeetingWith("lh", matcher.ClaimProposed) {
		proposed = append(proposed, cl)
	}
	one := proposed[0]
	b.get("/ui/claims/" + one.ID)
	b.post("/ui/claims/"+one.ID+"/answer", url.Values{"csrf": {b.csrf()}, "answer": {"accept"}, "side": {"resource"}})
	_, body := b.get("/ui/meetings/lh/agenda")
	for _, cl := range proposed {
		if n := strings.Count(body, `id="agenda-`+cl.ID+`"`); n != 1 {
			t.Errorf("claim %s is on the agenda %d times, want once", cl.ID, n)
		}
	}
	if row := regexp.MustCompile(`(?s)id="agenda-` + regexp.QuoteMeta(one.ID) + `".*?</tr>`).FindString(body); !strings.Contains(row, "资源方已同意") {
		t.Errorf("the answer so far is not on the agenda: %s", row)
	}
	if !strings.Contains(body, "□ 提交上级联席会") || !strings.Contains(body, "□ 下次再议") || !strings.Contains(body, `class="signoff"`) {
		t.Error("no decision boxes for unmet demands, or no signatures")
	}
	_, body = b.get("/ui/meetings/lh/agenda?ans=none")
	if strings.Contains(body, `id="agenda-`+one.ID+`"`) || strings.Count(body, `<tr id="agenda-`) != len(proposed)-1 {
		t.Errorf("only unanswered: %d rows, want %d without %s", strings.Count(body, `<tr id="agenda-`), len(proposed)-1, one.ID)
	}
	dem, _ := st.Snapshot().Item(one.Demand)
	_, body = b.get("/ui/meetings/lh/agenda?cat=" + dem.Category)
	if !strings.Contains(body, `id="agenda-`+one.ID+`"`) || strings.Count(body, `<tr id="agenda-`) >= len(proposed) {
		t.Errorf("one category (%s): %d rows", dem.Category, strings.Count(body, `<tr id="agenda-`))
	}
	all := strings.Count(b.last, "<tr><td>")
	_, body = b.get("/ui/meetings/lh/agenda?decide=1&cat=" + dem.Category)
	if strings.Count(body, "<tr><td>") > all {
		t.Error("only units with something to decide: more signers, not fewer")
	}
}

// uploadFiles posts several files to an import form.
func uploadFiles(t *testing.T, b *browser, path string, files map[string][]byte) (int, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	w.WriteField("csrf", b.csrf())
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		fw, _ := w.CreateFormFile("file", n)
		fw.Write(files[n])
	}
	w.Close()
	resp, err := b.c.Post(b.base+path, w.FormDataContentType(), &buf)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	b.last = string(body)
	return resp.StatusCode, b.last
}

// The preview refuses everything the import would, checked against the
// live store, and lists every problem of every file in one pass; sheets
// as people keep them (a title row, 序号, unit names, full-width digits,
// new unit kinds) import as they are, shown with every field first.
func TestImportPreview(t *testing.T) {
	ts, st := newServer(t)
	b := newBrowser(t, ts.URL)
	b.login(makeToken(t, ts.URL, `{"role":"coordinator","alliance":"lh"}`))
	b.get("/ui/meetings/lh/import")
	seq := st.Seq()
	var x bytes.Buffer
	bundle.WriteXLSX(&x, []bundle.Sheet{
		{Name: "需求清单", Header: []string{"编号", "单位", "类别", "名称", "数量"}, Rows: [][]any{
			{"LH-Y1", "lh-school", "护学", "周末护送", "很多"}, // a cell that does not read
			{"LH-Y2", "lh-nobody", "护学", "无主需求", 2},    // an unknown unit
			{"LH-Y3", "lh-school", "没有这个类别", "怪需求", 1}, // an unknown category
			{"TW-D01", "lh-school", "护学", "别人的编号", 1},  // an id of another alliance
			{"LH-Y4", "lh-school", "护学", "重复编号", 1},
			{"LH-Y4", "lh-school", "护学", "重复编号二", 1}, // an id twice
		}},
	})
	units := "编号,名称,类型,网格,联盟\nlh-new,新成员,shop,lh-g1,tw\n" // an alliance outside the meeting
	code, body := uploadFiles(t, b, "/ui/meetings/lh/import", map[string][]byte{"lists.xlsx": x.Bytes(), "成员单位.csv": []byte(units)})
	if code != http.StatusUnprocessableEntity {
		t.Fatalf("a bad upload: %d", code)
	}
	for _, want := range []string{"lists.xlsx[需求清单]:2:5", "本联席会没有单位“lh-nobody”", "没有“没有这个类别”这个类别", "编号“TW-D01”已被其他联盟的条目使用", "编号“LH-Y4”用了两次", "lh 及其下级中没有联盟“tw”", "第 1 行数据", "清单条目 LH-Y2", "成员单位 lh-new"} {
		if !strings.Contains(body, want) {
			t.Errorf("the preview does not list %q:\n%s", want, body[strings.Index(body, `id="problems"`):strings.Index(body, "</section>")])
		}
	}
	if st.Seq() != seq {
		t.Fatal("the preview stored something")
	}

	// As people keep them.
	lists := "龙华社区需求清单（2026年冬）,,,,,,,\n序号,编号,单位,类别,名称,数量,开始,结束\n1,LH-Z1,龙洲湾中学,护学,寒假护送,１２,2026-12-01 18:00,2027-01-20\n"
	newUnits := "序号,编号,名称,类型,网格,联盟\n1,lh-noodle,龙华面馆,餐饮,lh-g1,lh\n"
	items := "序号,编号,单位,类别,名称,数量\n1,LH-Z2,龙华面馆,物资,冬季棉被,５\n"
	code, body = uploadFiles(t, b, "/ui/meetings/lh/import", map[string][]byte{"需求清单.csv": []byte(lists), "成员单位.csv": []byte(newUnits), "more-需求清单.csv": []byte(items)})
	if code != 200 || !strings.Contains(body, `name="pending"`) {
		t.Fatalf("real sheets: %d %.2000s", code, body[strings.Index(body, "<main>"):])
	}
	for _, want := range []string{`id="preview-items"`, "<th>时间</th>", "<th>服务半径（公里）</th>", "2026-12-01 18:00 至 2027-01-21 00:00", "龙洲湾中学", "餐饮"} {
		if !strings.Contains(body, want) {
			t.Errorf("the preview does not show %q", want)
		}
	}
	pending := regexp.MustCompile(`name="pending" value="([0-9a-f]+)"`).FindStringSubmatch(body)[1]
	if code, body := b.post("/ui/meetings/lh/import/commit", url.Values{"csrf": {b.csrf()}, "pending": {pending}}); code != 200 || !strings.Contains(body, `id="imported"`) {
		t.Fatalf("commit: %d %.500s", code, body)
	}
	sn := st.Snapshot()
	if it, err := sn.Item("LH-Z1"); err != nil || it.Unit != "lh-school" || it.Quantity != 12 {
		t.Errorf("LH-Z1: %+v %v", it, err)
	}
	if it, err := sn.Item("LH-Z2"); err != nil || it.Unit != "lh-noodle" || it.Quantity != 5 {
		t.Errorf("LH-Z2: %+v %v", it, err)
	}
	if u := sn.UnitRaw("lh-noodle"); u == nil || u.Kind != "餐饮" {
		t.Errorf("lh-noodle: %+v", u)
	}
}

// Onboarding: a street's coordinator makes a community alliance below
// its own, members picked by search, new units and their demands from
// uploaded sheets, all in one import after a preview; then changes its
// lead and members on its members page.
func TestOnboardAlliance(t *testing.T) {
	ts, st := newServer(t)
	b := newBrowser(t, ts.URL)
	b.login(makeToken(t, ts.URL, `{"role":"coordinator","alliance":"st-lzw"}`))
	if code, _ := b.get("/ui/meetings/st-lzw/alliances/new"); code != 200 {
		t.Fatalf("the form: %d", code)
	}
	// Find members by search: the form comes back with them to tick.
	var buf bytes.Buffer
	post := func(fields url.Values, files map[string]string) (int, string) {
		t.Helper()
		buf.Reset()
		w := multipart.NewWriter(&buf)
		w.WriteField("csrf", b.csrf())
		for k, vs := range fields {
			for _, v := range vs {
				w.WriteField(k, v)
			}
		}
		for name, text := range files {
			fw, _ := w.CreateFormFile("file", name)
			fw.Write([]byte(text))
		}
		w.Close()
		resp, err := b.c.Post(b.base+"/ui/meetings/st-lzw/alliances/new", w.FormDataContentType(), &buf)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		b.last = string(body)
		return resp.StatusCode, b.last
	}
	code, body := post(url.Values{"op": {"find"}, "find": {"面"}, "id": {"lzw-new"}, "name": {"龙洲湾新社区“1+X”党建联盟"}}, nil)
	if code != 200 || !strings.Contains(body, `id="pick-lzwc-noodle"`) || !strings.Contains(body, `value="龙洲湾新社区“1&#43;X”党建联盟"`) {
		t.Fatalf("find 面: %d %.600s", code, body[strings.Index(body, "<main>"):])
	}
	seq := st.Seq()
	units := "编号,名称,类型,网格\nnew-lead,新社区党委,社区党委,lzwc-g1\nnew-shop,新社区菜店,商铺,lzwc-g1\n"
	lists := "编号,单位,类别,名称,数量\nNEW-D1,新社区菜店,物资,冬季蔬菜,30\n"
	code, body = post(url.Values{"op": {"create"}, "id": {"lzw-new"}, "name": {"龙洲湾新社区联盟"}, "level": {"community"}, "lead": {"新社区党委"}, "member": {"lzwc-noodle"}},
		map[string]string{"成员单位.csv": units, "需求清单.csv": lists})
	if code != 200 || !strings.Contains(body, `name="pending"`) || !strings.Contains(body, "新联盟 1 个") {
		t.Fatalf("create: %d %.1500s", code, body[strings.Index(body, "<main>"):])
	}
	if st.Seq() != seq {
		t.Fatal("the preview stored something")
	}
	pending := regexp.MustCompile(`name="pending" value="([0-9a-f]+)"`).FindStringSubmatch(body)[1]
	if code, body := b.post("/ui/meetings/st-lzw/import/commit", url.Values{"csrf": {b.csrf()}, "pending": {pending}}); code != 200 || !strings.Contains(body, "新联盟已建立") {
		t.Fatalf("commit: %d %.500s", code, body)
	}
	sn := st.Snapshot()
	al, err := sn.Alliance("lzw-new")
	if err != nil || al.Lead != "new-lead" || al.Parent != "st-lzw" || !slices.Contains(al.Members, "new-shop") || !slices.Contains(al.Members, "lzwc-noodle") {
		t.Fatalf("the new alliance: %+v %v", al, err)
	}
	if it, err := sn.Item("NEW-D1"); err != nil || it.Unit != "new-shop" {
		t.Errorf("NEW-D1: %+v %v", it, err)
	}
	// Its members page: another lead by name, a member removed.
	b.get("/ui/meetings/lzw-new/members")
	if code, _ := b.post("/ui/meetings/lzw-new/members", url.Values{"csrf": {b.csrf()}, "op": {"lead"}, "unit": {"新社区菜店"}}); code != 200 {
		t.Fatalf("change the lead: %d", code)
	}
	if code, _ := b.post("/ui/meetings/lzw-new/members", url.Values{"csrf": {b.csrf()}, "op": {"remove"}, "unit": {"lzwc-noodle"}}); code != 200 {
		t.Fatalf("remove: %d", code)
	}
	al, _ = st.Snapshot().Alliance("lzw-new")
	if al.Lead != "new-shop" || !slices.Contains(al.Members, "new-lead") || slices.Contains(al.Members, "lzwc-noodle") {
		t.Errorf("after the changes: %+v", al)
	}
	// Another community's unit cannot be added: refused, nothing changes.
	seq = st.Seq()
	if code, _ := b.post("/ui/meetings/lzw-new/members", url.Values{"csrf": {b.csrf()}, "op": {"add"}, "unit": {"tw-company"}}); code != 404 || st.Seq() != seq {
		t.Errorf("adding tw-company: %d", code)
	}
}
