package web_test

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/allymatch/allymatch/matcher/bundle"
)

// The Banan planner's sheet: the Red Cross joins the waterway meeting, and
// its relief stock (life jackets and quilts) drops to 100.
func redCrossSheet(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	err := bundle.WriteXLSX(&buf, []bundle.Sheet{{Name: "修改清单", Header: []string{"序号", "操作", "成员单位", "加入联盟", "条目", "数量"},
		Rows: [][]any{{1, "修改成员单位", "bn-redcross", "bn-water", nil, nil}, {2, "修改数量", nil, nil, "BN-R10", 100}}}})
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// uploadSheet posts a sheet of edits with the form's values.
func uploadSheet(t *testing.T, b *browser, path, name string, data []byte, values url.Values) (int, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	w.WriteField("csrf", b.csrf())
	for k, vs := range values {
		for _, v := range vs {
			w.WriteField(k, v)
		}
	}
	fw, _ := w.CreateFormFile("file", name)
	fw.Write(data)
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

// TestWhatIfSheet: the what-if section takes a sheet of edits; a bad one
// is previewed with every problem by row, column and field, in Chinese
// (English with ?lang=en), without the create button, and stores
// nothing; the Red Cross sheet previews its edits in words and creates the
// scenario whose diff shows the waterway meeting; the template downloads.
func TestWhatIfSheet(t *testing.T) {
	ts, st := newServer(t)
	b := newBrowser(t, ts.URL)
	b.login(testAdmin)
	if code, body := b.get("/ui/meetings/bn-water"); code != 200 || !strings.Contains(body, `id="sheet-upload"`) || !strings.Contains(body, `href="/ui/whatif/template.xlsx"`) {
		t.Fatalf("the what-if section has no sheet upload: %d", code)
	}
	if code, body := b.get("/ui/whatif/template.xlsx"); code != 200 || !strings.HasPrefix(body, "PK") {
		t.Errorf("the template: %d", code)
	}
	if code, body := b.get("/ui/whatif/template.csv"); code != 200 || !strings.Contains(body, "序号,操作,") || !strings.Contains(body, "示例,修改数量") {
		t.Errorf("the CSV template: %d %.200s", code, body)
	}
	seq := st.Seq()
	const bad = "操作,条目,数量,颜色\n修改数量,BN-R10,一百,\n修改数量,ZZ-NONE,100,\n"
	b.get("/ui/meetings/bn-water/whatif/sheet")
	code, body := uploadSheet(t, b, "/ui/meetings/bn-water/whatif/sheet", "坏表.csv", []byte(bad), url.Values{"below": {"all"}})
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, `id="sheet-problems"`) || strings.Contains(body, `id="sheet-create"`) {
		t.Fatalf("a bad sheet: %d %.3000s", code, body)
	}
	for _, want := range []string{"发现 3 个问题", "“颜色”", ">D1<", ">C2<", "须为整数", ">B3<", "没有条目“ZZ-NONE”"} {
		if !strings.Contains(body, want) {
			t.Errorf("the bad sheet's preview lacks %q", want)
		}
	}
	code, body = uploadSheet(t, b, "/ui/meetings/bn-water/whatif/sheet?lang=en", "bad.csv", []byte(bad), url.Values{"below": {"all"}})
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, "3 problems") || !strings.Contains(body, `no item &#34;ZZ-NONE&#34;`) {
		t.Errorf("in English: %d %.3000s", code, body)
	}
	b.get("/ui/meetings/bn-water/whatif/sheet?lang=zh")

	code, body = uploadSheet(t, b, "/ui/meetings/bn-water/whatif/sheet", "红十字会.xlsx", redCrossSheet(t), url.Values{"below": {"all"}, "name": {"红十字会加入水上联席会"}})
	if code != 200 || !strings.Contains(body, `id="sheet-create"`) || !strings.Contains(body, "读到 2 项修改") || !strings.Contains(body, "BN-R10") || !strings.Contains(body, "巴南区红十字会") {
		t.Fatalf("the Red Cross sheet: %d %.3000s", code, body)
	}
	if !strings.Contains(body, `id="sheet-scope"`) || !strings.Contains(body, "全区") {
		t.Errorf("the preview does not say what the scenario plans: %.3000s", body)
	}
	pending := regexp1(body, `name="pending" value="([0-9a-f]+)"`)
	code, body = b.post("/ui/meetings/bn-water/whatif/sheet/create", url.Values{"csrf": {b.csrf()}, "pending": {pending}, "below": {"all"}, "name": {"红十字会加入水上联席会"}})
	if code != 200 || !strings.Contains(body, `id="meeting-bn-water"`) || !strings.Contains(body, "巴南区水上党建联席会") || !strings.Contains(body, "红十字会加入水上联席会") {
		t.Fatalf("created: %d %.3000s", code, body)
	}
	if st.Seq() != seq {
		t.Fatal("a sheet wrote to the store")
	}
	// The check is used once.
	b.get("/ui/meetings/bn-water/whatif/sheet")
	if code, body := b.post("/ui/meetings/bn-water/whatif/sheet/create", url.Values{"csrf": {b.csrf()}, "pending": {pending}, "below": {"all"}}); code != http.StatusConflict || !strings.Contains(body, "已过期") {
		t.Errorf("the same check again: %d %.1000s", code, body)
	}
	// A coordinator of a community cannot plan the district with it.
	lh := newBrowser(t, ts.URL)
	lh.login(makeToken(t, ts.URL, `{"role":"coordinator","alliance":"lh"}`))
	lh.get("/ui/meetings/lh/whatif/sheet")
	if code, body := uploadSheet(t, lh, "/ui/meetings/lh/whatif/sheet", "红十字会.xlsx", redCrossSheet(t), url.Values{"below": {"all"}}); code != http.StatusUnprocessableEntity || !strings.Contains(body, "没有单位“bn-redcross”") {
		t.Errorf("lh's coordinator with the Red Cross: %d %.2000s", code, body)
	}
}

// regexp1 returns the first group of pattern in s ("" when none).
func regexp1(s, pattern string) string {
	if m := regexp.MustCompile(pattern).FindStringSubmatch(s); m != nil {
		return m[1]
	}
	return ""
}
