package web_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// apiJSON sends a request to the API with token and decodes the answer.
func apiJSON(t *testing.T, base, token, method, path, body string, want int) map[string]any {
	t.Helper()
	req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s = %d, want %d: %s", method, path, resp.StatusCode, want, raw)
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return out
}

// normal is a JSON text as a value, for comparing JSON whatever its
// keys' order.
func normal(t *testing.T, js string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(js), &v); err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return v
}

// TestWhatIfRecordEditsAsForm: every record edit (add and change a unit,
// an item and a project) submitted through the what-if form's fields,
// with Chinese names, kinds, grids and projects, makes the edit the JSON
// API is sent for it, and the same diff.
func TestWhatIfRecordEditsAsForm(t *testing.T) {
	ts, st := newServer(t)
	tok := makeToken(t, ts.URL, `{"role":"coordinator","alliance":"lh"}`)
	b := newBrowser(t, ts.URL)
	b.login(tok)
	seq := st.Seq()
	cases := []struct {
		name string
		form url.Values
		edit string // as the JSON API is sent it
	}{
		{"add_unit", url.Values{"op": {"add_unit"}, "op_new_unit": {"lh-teahouse"}, "op_unit_name": {"龙华老街茶馆"}, "op_unit_kind": {"商户"},
			"op_unit_party": {"0"}, "op_unit_grid": {"龙华社区1号红色网格"}, "op_alliances": {"龙华社区“1+X”党建联盟"}},
			`{"op":"add_unit","unit":{"id":"lh-teahouse","name":"龙华老街茶馆","kind":"shop","party_org":false,"grid":"lh-g1"},"alliances":["lh"]}`},
		{"set_unit", url.Values{"op": {"set_unit"}, "op_unit": {"龙洲湾中学"}, "op_unit_name": {"龙洲湾中学（新校区）"}, "op_unit_lat": {"29.41"}, "op_unit_lon": {"106.52"}},
			`{"op":"set_unit","unit":{"id":"lh-school","name":"龙洲湾中学（新校区）","location":{"lat":29.41,"lon":106.52}}}`},
		{"add_item", url.Values{"op": {"add_item"}, "op_unit": {"lh-school"}, "op_new_item": {"LH-R90"}, "op_item_kind": {"resource"}, "op_item_title": {"周末开放操场"},
			"op_item_category": {"venue"}, "op_item_tags": {"操场、周末"}, "op_quantity": {"20"}, "op_item_measure": {"场"}, "op_radius": {"3"},
			"op_from": {"2027-03-01T08:00", ""}, "op_to": {"2027-06-30T18:00", ""}, "op_item_priority": {"3"}, "op_item_level": {"community"}},
			`{"op":"add_item","unit":"lh-school","item":{"id":"LH-R90","kind":"resource","title":"周末开放操场","category":"venue","tags":["操场","周末"],"quantity":20,"measure":"场","radius_km":3,
			  "windows":[{"from":"2027-03-01T08:00:00+08:00","to":"2027-06-30T18:00:00+08:00"}],"priority":3,"level":"community"}}`},
		{"set_item", url.Values{"op": {"set_item"}, "op_item": {"LH-R05"}, "op_item_title": {"爱心早餐（加量）"}, "op_item_tags": {"-"}, "op_quantity": {"220"}, "op_windows_any": {"1"}},
			`{"op":"set_item","item":{"id":"LH-R05","title":"爱心早餐（加量）","tags":[]},"quantity":220,"windows":[]}`},
		{"add_project", url.Values{"op": {"add_project"}, "op_unit": {"lh-committee"}, "op_new_project": {"LH-P09"}, "op_project_name": {"龙华社区暑期托管班"},
			"op_project_description": {"暑假为双职工家庭的孩子提供看护和作业辅导"}, "op_status": {"planned"}},
			`{"op":"add_project","unit":"lh-committee","project":{"id":"LH-P09","name":"龙华社区暑期托管班","description":"暑假为双职工家庭的孩子提供看护和作业辅导","status":"planned"}}`},
		{"set_project", url.Values{"op": {"set_project"}, "op_project": {"四点半课堂"}, "op_project_name": {"龙华社区四点半课堂（春季班）"}, "op_project_description": {"-"}, "op_status": {"running"}},
			`{"op":"set_project","project":{"id":"LH-P01","name":"龙华社区四点半课堂（春季班）","description":"","status":"running"}}`},
	}
	for _, c := range cases {
		b.get("/ui/meetings/lh")
		c.form.Set("csrf", b.csrf())
		code, body := b.post("/ui/meetings/lh/whatif", c.form)
		m := scenarioRe.FindStringSubmatch(body)
		if code != 200 || m == nil {
			t.Errorf("%s through the form: %d %s", c.name, code, formErrorOf(body))
			continue
		}
		fromForm := apiJSON(t, ts.URL, tok, http.MethodGet, "/v1/scenarios/"+m[1], "", 200)
		fromAPI := apiJSON(t, ts.URL, tok, http.MethodPost, "/v1/scenarios", `{"meeting":"lh","edits":[`+c.edit+`]}`, 201)
		want := []any{normal(t, c.edit)}
		if got := fromForm["edits"]; !reflect.DeepEqual(got, want) {
			g, _ := json.Marshal(got)
			t.Errorf("%s: the form made %s, want %s", c.name, g, c.edit)
		}
		if !reflect.DeepEqual(fromAPI["edits"], want) {
			t.Errorf("%s: the API keeps %v", c.name, fromAPI["edits"])
		}
		df := apiJSON(t, ts.URL, tok, http.MethodGet, "/v1/scenarios/"+m[1]+"/diff", "", 200)
		da := apiJSON(t, ts.URL, tok, http.MethodGet, "/v1/scenarios/"+fromAPI["id"].(string)+"/diff", "", 200)
		if !reflect.DeepEqual(df["demands"], da["demands"]) || !reflect.DeepEqual(df["totals"], da["totals"]) {
			t.Errorf("%s: the form's scenario diffs otherwise than the API's", c.name)
		}
	}
	if st.Seq() != seq {
		t.Error("what-ifs wrote to the store")
	}

	// A new item's id, left empty, is numbered as the unit's lists number
	// them.
	b.get("/ui/meetings/lh")
	_, body := b.post("/ui/meetings/lh/whatif", url.Values{"csrf": {b.csrf()}, "op": {"add_item"}, "op_unit": {"龙洲湾中学"}, "op_item_kind": {"demand"},
		"op_item_title": {"校园安全讲座"}, "op_item_category": {"training"}, "op_quantity": {"2"}, "op_item_measure": {"场"}})
	m := scenarioRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("an item without id: %s", formErrorOf(body))
	}
	sc := apiJSON(t, ts.URL, tok, http.MethodGet, "/v1/scenarios/"+m[1], "", 200)
	item := sc["edits"].([]any)[0].(map[string]any)["item"].(map[string]any)
	// lh-school's demands are LH-D01 and LH-D09; LH-D10 is another's.
	if id, _ := item["id"].(string); id != "LH-D11" {
		t.Errorf("the new item's id is %q, want LH-D11, the unit's next demand number", id)
	}
}

// fieldBad matches the form input at fault ("op": the kind of edit, its
// fieldset marked).
func fieldBad(body, input string) bool {
	if input == "op" {
		return strings.Contains(body, `<fieldset id="whatif-op" class="bad">`)
	}
	return regexp.MustCompile(`class="opfield bad" data-ops="[^"]*" id="field-` + input + `"`).MatchString(body)
}

// TestWhatIfFormErrors: a bad input of "one more edit" is named in
// Chinese at the form, its input marked; nothing is stored, no scenario
// made. A project or an alliance outside the caller's sight is answered
// as an absent one.
func TestWhatIfFormErrors(t *testing.T) {
	ts, st := newServer(t)
	tok := makeToken(t, ts.URL, `{"role":"coordinator","alliance":"lh"}`)
	b := newBrowser(t, ts.URL)
	b.login(tok)
	seq := st.Seq()
	before := len(apiJSON(t, ts.URL, tok, http.MethodGet, "/v1/scenarios", "", 200)["items"].([]any))
	cases := []struct {
		name  string
		form  url.Values
		input string // the input named
		words string // in the error
	}{
		{"a new unit without a name", url.Values{"op": {"add_unit"}, "op_new_unit": {"lh-teahouse"}, "op_unit_kind": {"shop"}, "op_unit_grid": {"lh-g1"}},
			"op_unit_name", "单位名称"},
		{"a new unit's id in Chinese", url.Values{"op": {"add_unit"}, "op_new_unit": {"龙华茶馆"}, "op_unit_name": {"龙华老街茶馆"}, "op_unit_kind": {"shop"}, "op_unit_grid": {"lh-g1"}},
			"op_new_unit", "新单位编号"},
		{"a grid that is none", url.Values{"op": {"add_unit"}, "op_new_unit": {"lh-teahouse"}, "op_unit_name": {"龙华老街茶馆"}, "op_unit_kind": {"shop"}, "op_unit_grid": {"龙华社区9号网格"}},
			"op_unit_grid", "红色网格"},
		{"a latitude without longitude", url.Values{"op": {"set_unit"}, "op_unit": {"lh-school"}, "op_unit_lat": {"29.4"}},
			"op_unit_lon", "单位经度"},
		{"a unit's name cleared", url.Values{"op": {"set_unit"}, "op_unit": {"lh-school"}, "op_unit_name": {"-"}},
			"op_unit_name", "不能清空"},
		{"a quantity in words", url.Values{"op": {"add_item"}, "op_unit": {"lh-school"}, "op_item_kind": {"resource"}, "op_item_title": {"操场"}, "op_item_category": {"venue"}, "op_quantity": {"二十"}},
			"op_quantity", "数量"},
		{"a new item without quantity", url.Values{"op": {"add_item"}, "op_unit": {"lh-school"}, "op_item_kind": {"resource"}, "op_item_title": {"操场"}, "op_item_category": {"venue"}},
			"op_quantity", "数量"},
		{"a new item without category nor title (the first problem)", url.Values{"op": {"add_item"}, "op_unit": {"lh-school"}, "op_item_kind": {"resource"}, "op_quantity": {"3"}},
			"op_item_category", "类别"},
		{"a new item without title", url.Values{"op": {"add_item"}, "op_unit": {"lh-school"}, "op_item_kind": {"resource"}, "op_item_category": {"venue"}, "op_quantity": {"3"}},
			"op_item_title", "条目名称"},
		{"a time that is none", url.Values{"op": {"set_window"}, "op_item": {"LH-R05"}, "op_from": {"下周一"}, "op_to": {""}},
			"op_windows", "第 1 个时间段"},
		{"a window that ends before it starts", url.Values{"op": {"set_item"}, "op_item": {"LH-R05"}, "op_from": {"2027-03-02T08:00"}, "op_to": {"2027-03-01T08:00"}},
			"op_windows", "时间段"},
		{"a unit changed in nothing", url.Values{"op": {"set_unit"}, "op_unit": {"lh-school"}}, "op", "请至少填写一项要修改的字段"},
		{"an item changed in nothing", url.Values{"op": {"set_item"}, "op_item": {"LH-R05"}, "op_item_priority": {""}}, "op", "请至少填写一项要修改的字段"},
		{"a project changed in nothing", url.Values{"op": {"set_project"}, "op_project": {"LH-P01"}}, "op", "请至少填写一项要修改的字段"},
		{"times changed to none given", url.Values{"op": {"set_window"}, "op_item": {"LH-R05"}}, "op_windows", "请至少填写一个时间段"},
		{"a priority out of range", url.Values{"op": {"set_item"}, "op_item": {"LH-R05"}, "op_item_priority": {"9"}},
			"op_item_priority", "优先级"},
		{"another community's project by id", url.Values{"op": {"set_project"}, "op_project": {"TW-P01"}, "op_project_name": {"扩产"}},
			"op_project", "没有找到“TW-P01”"},
		{"another community's project by name", url.Values{"op": {"remove_project"}, "op_project": {"梨子酒"}},
			"op_project", "没有找到“梨子酒”"},
		{"another community's alliance", url.Values{"op": {"join_alliance"}, "op_unit": {"lh-school"}, "op_alliance": {"塘湾村"}},
			"op_alliance", "没有找到“塘湾村”"},
		{"a slot of another unit's project", url.Values{"op": {"add_item"}, "op_unit": {"lh-school"}, "op_item_kind": {"demand"}, "op_item_title": {"辅导"}, "op_item_category": {"tutoring"},
			"op_quantity": {"3"}, "op_item_project": {"LH-P01"}},
			"op_item_project", "所属项目"},
	}
	for _, c := range cases {
		b.get("/ui/meetings/lh")
		c.form.Set("csrf", b.csrf())
		code, body := b.post("/ui/meetings/lh/whatif", c.form)
		msg := formErrorOf(body)
		if code == 200 || !strings.Contains(msg, c.words) || !fieldBad(body, c.input) {
			t.Errorf("%s: %d, want %s named (%q): %s", c.name, code, c.input, c.words, msg)
		}
		if strings.Contains(msg, "whatif.") || strings.Contains(msg, "edits[") {
			t.Errorf("%s: the error is not in words: %s", c.name, msg)
		}
	}
	if st.Seq() != seq {
		t.Error("a bad form wrote to the store")
	}
	if after := len(apiJSON(t, ts.URL, tok, http.MethodGet, "/v1/scenarios", "", 200)["items"].([]any)); after != before {
		t.Errorf("bad forms made %d scenarios", after-before)
	}
}

// TestWhatIfPickers: projects and alliances are found by words of their
// names, within the caller's sight; several matches are offered to
// choose from; a list names the entry that matches several.
func TestWhatIfPickers(t *testing.T) {
	ts, _ := newServer(t)
	b := newBrowser(t, ts.URL)
	b.login(testAdmin)
	// 四点半课堂 is a project of 龙华 and one of 双河口: choose.
	b.get("/ui/meetings/lh")
	code, body := b.post("/ui/meetings/lh/whatif", url.Values{"csrf": {b.csrf()}, "op": {"set_project_status"}, "op_project": {"四点半课堂"}, "op_status": {"running"}})
	if code == 200 || !strings.Contains(body, `<option value="LH-P01">`) || !strings.Contains(body, `<option value="SHK-P01">`) {
		t.Fatalf("two projects match: %d %s", code, formErrorOf(body))
	}
	// The one chosen from the select.
	code, body = b.post("/ui/meetings/lh/whatif", url.Values{"csrf": {b.csrf()}, "op": {"set_project_status"}, "op_project": {"LH-P01"}, "op_status": {"running"}})
	if code != 200 || !strings.Contains(body, "龙华社区四点半课堂") {
		t.Fatalf("the chosen project: %d %s", code, formErrorOf(body))
	}
	// An alliance by its name, typed in full: the Red Cross joins the
	// waterway meeting.
	b.get("/ui/meetings/bn-water")
	code, body = b.post("/ui/meetings/bn-water/whatif", url.Values{"csrf": {b.csrf()}, "op": {"join_alliance"}, "op_unit": {"红十字会"}, "op_alliance": {"巴南区水上党建联席会"}})
	if code != 200 || !strings.Contains(body, "加入 巴南区水上党建联席会") {
		t.Fatalf("an alliance by name: %d %s", code, formErrorOf(body))
	}
	// A list of alliances with an entry that matches several.
	b.get("/ui/meetings/bn-water")
	code, body = b.post("/ui/meetings/bn-water/whatif", url.Values{"csrf": {b.csrf()}, "op": {"set_unit"}, "op_unit": {"红十字会"}, "op_alliances": {"bn-water、街道党建联席会"}})
	if msg := formErrorOf(body); code == 200 || !strings.Contains(msg, "“街道党建联席会”对应多个联盟") || !strings.Contains(msg, "st-lzw") || !fieldBad(body, "op_alliances") {
		t.Fatalf("a list entry matching several: %d %s", code, msg)
	}
}
