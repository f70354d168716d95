package scenario

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/bundle"
	"github.com/allymatch/allymatch/matcher/match"
)

// The Banan planner's sheet: the Red Cross joins the waterway meeting,
// its relief stock drops to 100, and a new demand with two times, with
// Chinese headers, words and a title row above the header.
const redCrossSheet = "巴南区红十字会推演\n" +
	"序号,操作,成员单位,加入联盟,条目,数量,需求或资源,类别,条目名称,时间段,优先级,层级,说明\n" +
	"示例,修改数量,LH-R12,,,５０,,,,,,,\n" +
	"1,修改成员单位,bn-redcross,bn-water,,,,,,,,,\n" +
	"2,修改数量,,,BN-R10,１００,,,,,,,\n" +
	"\n" +
	"3,新增条目,lh-school,,LH-D90,6,需求,课业辅导,周末作业辅导志愿者,2026-12-05 09:00~11:30；2026-12-12 09:00~11:30,较高,社区,周六上午\n"

// The same edits as an API client sends them.
const redCrossJSON = `[{"op":"set_unit","unit":"bn-redcross","alliances":["bn-water"]},
{"op":"set_quantity","item":"BN-R10","quantity":100},
{"op":"add_item","unit":"lh-school","item":{"category":"课业辅导","description":"周六上午","id":"LH-D90","kind":"demand","level":"community","priority":4,"quantity":6,"title":"周末作业辅导志愿者",
 "windows":[{"from":"2026-12-05T09:00:00+08:00","to":"2026-12-05T11:30:00+08:00"},{"from":"2026-12-12T09:00:00+08:00","to":"2026-12-12T11:30:00+08:00"}]}}]`

func sheetXLSX(t *testing.T, rows [][]any) []byte {
	t.Helper()
	var buf bytes.Buffer
	sh := bundle.Sheet{Name: "修改清单", Header: toStrings(rows[0])}
	sh.Rows = rows[1:]
	if err := bundle.WriteXLSX(&buf, []bundle.Sheet{sh, {Name: "说明", Header: []string{"说明"}}}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func toStrings(row []any) []string {
	out := make([]string, len(row))
	for i, v := range row {
		out[i] = fmt.Sprint(v)
	}
	return out
}

// A good sheet, as CSV (UTF-8 with and without a BOM, GB18030) or .xlsx,
// reads into the edits the JSON API takes, in order, with their rows; and
// the scenario made of them is the JSON one's, diff and all.
func TestSheetReadsAsTheJSON(t *testing.T) {
	want := mustJSON(edits(t, redCrossJSON))
	gbk, err := simplifiedchinese.GB18030.NewEncoder().String(redCrossSheet)
	if err != nil {
		t.Fatal(err)
	}
	var rows [][]any
	for i, line := range strings.Split(strings.TrimSuffix(redCrossSheet, "\n"), "\n") {
		if i == 0 {
			rows = append(rows, []any{}) // the title row stays blank: WriteXLSX writes the header first
			continue
		}
		var row []any
		for _, c := range strings.Split(line, ",") {
			row = append(row, c)
		}
		rows = append(rows, row)
	}
	xlsx := sheetXLSX(t, rows[1:])
	for name, data := range map[string][]byte{
		"utf8.csv": []byte(redCrossSheet), "bom.csv": append([]byte("\ufeff"), redCrossSheet...), "gbk.csv": []byte(gbk), "sheet.xlsx": xlsx,
	} {
		s := ReadSheet(name, data)
		if len(s.Problems) > 0 {
			t.Fatalf("%s: %v", name, s.Problems)
		}
		if got := mustJSON(s.Edits); got != want {
			t.Errorf("%s: the sheet reads\n %s\nthe JSON is\n %s", name, got, want)
		}
		wantRows := []int{4, 5, 7}
		if name == "sheet.xlsx" {
			wantRows = []int{3, 4, 6} // no title row above the header
		}
		if fmt.Sprint(s.Rows) != fmt.Sprint(wantRows) {
			t.Errorf("%s: rows %v, want %v", name, s.Rows, wantRows)
		}
	}

	st := bananStore(t)
	m := NewManager()
	s := ReadSheet("红十字会.csv", []byte(redCrossSheet))
	req := Request{Scope: []string{"bn-district", "bn-water"}, Name: "红十字会加入水上联席会"}
	problems, err := m.CheckSheet(ctx, st, matcher.Admin, req, s)
	if err != nil || len(problems) > 0 {
		t.Fatalf("a good sheet: %v %v", err, problems)
	}
	if m.Len() != 0 || st.Seq() != 1 {
		t.Fatalf("the check kept something: %d scenarios, store at %d", m.Len(), st.Seq())
	}
	req.Edits = s.Edits
	bySheet, err := m.Create(ctx, st, matcher.Admin, req)
	if err != nil {
		t.Fatal(err)
	}
	req.Edits = edits(t, redCrossJSON)
	byJSON, err := m.Create(ctx, st, matcher.Admin, req)
	if err != nil {
		t.Fatal(err)
	}
	d1, err := m.Diff(ctx, st, matcher.Admin, bySheet.ID)
	if err != nil {
		t.Fatal(err)
	}
	d2, err := m.Diff(ctx, st, matcher.Admin, byJSON.ID)
	if err != nil {
		t.Fatal(err)
	}
	d1.Scenario, d2.Scenario = "", ""
	if mustJSON(d1) != mustJSON(d2) || !strings.Contains(mustJSON(d1), `"meeting":"bn-water"`) {
		t.Errorf("the sheet's diff differs from the JSON's:\n%.500s\n%.500s", mustJSON(d1), mustJSON(d2))
	}
}

// A bad sheet lists every problem at once, each with its row, column
// (header and letter) and field: what does not read, and what the fork
// refuses; a coordinator's sheet that names another alliance's records
// is told they do not exist, as an absent id; nothing is kept.
func TestSheetListsEveryProblem(t *testing.T) {
	const bad = "操作,成员单位,条目,数量,联盟,颜色,服务半径（公里）,状态\n" + // 2: 颜色 is no column
		"修改数量,,LH-R12,七十,,,,\n" + // 2: a bad number
		"改名字,,LH-R12,,,,,\n" + // 3: no such operation
		"修改数量,lh-school,LH-R12,70,,,,\n" + // 4: the unit is not read by set_quantity
		"加入联盟,lh-bank,,,,,,\n" + // 5: the alliance is required
		",lh-bank,,,,,,\n" + // 6: no operation
		"修改数量,,TW-R01,70,,,,\n" + // 7: another alliance's item
		"修改数量,,ZZ-NONE,70,,,,\n" + // 8: no such item
		"修改服务半径,,LH-R12,,,,9999,\n" + // 9: too far
		"修改项目状态,,,,,,,已完成\n" // 10: no project named
	s := ReadSheet("bad.csv", []byte(bad))
	st := bananStore(t)
	m := NewManager()
	lh := matcher.Actor{Role: matcher.RoleCoordinator, ID: "lh"}
	problems, err := m.CheckSheet(ctx, st, lh, Request{Meeting: "lh", Name: "坏表"}, s)
	if err != nil {
		t.Fatal(err)
	}
	type where struct {
		row    int
		cell   string
		column string
		field  string
		code   string
	}
	var got []where
	for _, p := range problems {
		got = append(got, where{p.Loc.Line, p.Record, p.Column, p.Field, p.Code})
		if p.Format == "" || p.Msg == "" {
			t.Errorf("%v: no message or no key for a translation", p)
		}
	}
	want := []where{
		{1, "F1", "颜色", "", matcher.EINVALID},
		{2, "D2", "数量", "quantity", matcher.EINVALID},
		{3, "A3", "操作", "op", matcher.EINVALID},
		{4, "B4", "成员单位", "unit", matcher.EINVALID},
		{5, "E5", "联盟", "alliance", matcher.EINVALID},
		{6, "A6", "操作", "op", matcher.EINVALID},
		{7, "C7", "条目", "item", matcher.ENOTFOUND},
		{8, "C8", "条目", "item", matcher.ENOTFOUND},
		{9, "G9", "服务半径（公里）", "radius_km", matcher.EINVALID},
		{10, "row 10", "", "project", matcher.EINVALID}, // the sheet has no column 项目
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("problems:\n got %v\nwant %v", got, want)
		for _, p := range problems {
			t.Log(p)
		}
	}
	// Another alliance's item and an absent one read alike.
	var foreign, absent string
	for _, p := range problems {
		switch p.Loc.Line {
		case 7:
			foreign = strings.ReplaceAll(p.Msg, "TW-R01", "ID")
		case 8:
			absent = strings.ReplaceAll(p.Msg, "ZZ-NONE", "ID")
		}
	}
	if foreign != absent || foreign == "" {
		t.Errorf("a foreign id says %q, an absent one %q", foreign, absent)
	}
	if m.Len() != 0 || st.Seq() != 1 {
		t.Fatalf("a bad sheet kept something: %d scenarios, store at %d", m.Len(), st.Seq())
	}
	if err := SheetError(problems); err == nil || matcher.ErrorCode(err) != matcher.EINVALID {
		t.Errorf("the sheet's error: %v", err)
	}
	// A scope the caller may not plan is refused as Create refuses it.
	if _, err := m.CheckSheet(ctx, st, lh, Request{Meeting: "tw"}, s); matcher.ErrorCode(err) != matcher.ENOTFOUND {
		t.Errorf("a foreign scope: %v", err)
	}
	if _, err := m.CheckSheet(ctx, st, lh, Request{Meeting: "st-lzw"}, s); matcher.ErrorCode(err) != matcher.EFORBIDDEN {
		t.Errorf("the street above: %v", err)
	}
}

// A sheet whose rows build on each other is checked in order, and an edit
// that does not apply is left out of the fork: the item added after a bad
// unit is refused for the missing unit, the next good edits are not.
func TestSheetChecksInOrder(t *testing.T) {
	const sheet = "操作,成员单位,单位名称,单位类型,纬度,经度,加入联盟,条目,需求或资源,类别,条目名称,数量\n" +
		"新增成员单位,lh-tea,龙华茶馆,商铺,29.35,,lh,,,,,\n" + // no longitude, so no location
		"新增条目,lh-tea,,,,,,LH-R90,资源,场地,茶馆包间,2\n" + // its unit was not added
		"新增成员单位,lh-tea2,龙华茶社,商铺,29.35,106.53,lh,,,,,\n" +
		"新增条目,lh-tea2,,,,,,LH-R91,资源,场地,茶社包间,2\n"
	s := ReadSheet("order.csv", []byte(sheet))
	problems, err := NewManager().CheckSheet(ctx, bananStore(t), matcher.Admin, Request{Meeting: "lh"}, s)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range problems {
		got = append(got, fmt.Sprintf("%s %s %s", p.Record, p.Column, p.Field))
	}
	if want := "[E2 纬度 unit.location F2 经度 unit.location.lon B3 成员单位 unit]"; fmt.Sprint(got) != want {
		t.Errorf("problems %v, want %s", got, want)
		for _, p := range problems {
			t.Log(p)
		}
	}
}

// The template has every column of the registry and one example row per
// operation, each in the operation's columns only; its example rows are
// read past; with their marks removed, every one reads, and all of them,
// in order, make a scenario of the Banan sample without a problem.
func TestSheetTemplate(t *testing.T) {
	sheets := SheetTemplate()
	sh := sheets[0]
	if len(sh.Rows) != len(Ops()) || sh.Header[1] != "操作" {
		t.Fatalf("%d example rows for %d operations; header %v", len(sh.Rows), len(Ops()), sh.Header)
	}
	for _, name := range Ops() {
		for _, f := range registry[name].Spec().Fields {
			if f.Kind == ArgRecord {
				continue
			}
			if !strings.Contains(strings.Join(sh.Header, ","), f.Label[0]) {
				t.Errorf("no column %s for %s.%s", f.Label[0], name, f.Name)
			}
		}
	}
	var buf bytes.Buffer
	if err := bundle.WriteXLSX(&buf, sheets); err != nil {
		t.Fatal(err)
	}
	if s := ReadSheet("template.xlsx", buf.Bytes()); len(s.Edits) != 0 || len(s.Problems) != 0 {
		t.Fatalf("the template reads as %d edits, problems %v", len(s.Edits), s.Problems)
	}
	for i := range sh.Rows {
		sh.Rows[i][0] = i + 1
	}
	buf.Reset()
	if err := bundle.WriteCSV(&buf, sh); err != nil {
		t.Fatal(err)
	}
	s := ReadSheet("template.csv", buf.Bytes())
	if len(s.Problems) != 0 || len(s.Edits) != len(Ops()) {
		t.Fatalf("the examples read as %d edits, problems %v", len(s.Edits), s.Problems)
	}
	problems, err := NewManager().CheckSheet(ctx, bananStore(t), matcher.Admin, Request{Scope: []string{"bn-district", "bn-water"}}, s)
	if err != nil || len(problems) > 0 {
		t.Errorf("the examples on the Banan sample: %v %v", err, problems)
	}
	for i, name := range Ops() {
		if s.Edits[i].Op != name {
			t.Errorf("example %d is %s, want %s", i, s.Edits[i].Op, name)
		}
		js, _ := json.Marshal(s.Edits[i])
		if len(js) < len(`{"op":""}`)+len(name)+5 {
			t.Errorf("example %s reads as %s", name, js)
		}
	}
}

// ReadSheet takes any bytes: it never panics, every edit it reads has a
// registered operation and its row (rows in the sheet's order), and every
// problem a message.
func FuzzReadSheet(f *testing.F) {
	f.Add([]byte(redCrossSheet))
	f.Add([]byte("操作,条目,数量,颜色\n修改数量,LH-R12,七十,\n改名字,,,\n"))
	f.Add([]byte("操作,成员单位,纬度,经度,时间段,权重,匹配目标\n新增成员单位,x,1,,2026-12-01 18:00~21:00；不限,距离=3、x=1,稳定\n"))
	f.Add([]byte("\"unterminated,操作\n"))
	f.Add([]byte("PK\x03\x04garbage"))
	var buf bytes.Buffer
	bundle.WriteCSV(&buf, SheetTemplate()[0])
	f.Add(buf.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		s := ReadSheet("fuzz.csv", data)
		if len(s.Edits) != len(s.Rows) {
			t.Fatalf("%d edits, %d rows", len(s.Edits), len(s.Rows))
		}
		for i, e := range s.Edits {
			if _, ok := Lookup(e.Op); !ok {
				t.Fatalf("edit %d: operation %q", i, e.Op)
			}
			if i > 0 && s.Rows[i] <= s.Rows[i-1] {
				t.Fatalf("rows %v", s.Rows)
			}
		}
		for _, p := range s.Problems {
			if p.Msg == "" {
				t.Fatalf("a problem without a message: %+v", p)
			}
		}
	})
}

// A sheet of far more rows than a scenario keeps is refused whole, not
// read in part.
func TestSheetTooLong(t *testing.T) {
	s := ReadSheet("long.csv", []byte("操作,条目,数量\n"+strings.Repeat("修改数量,LH-R12,70\n", maxSheetRows+1)))
	if len(s.Edits) != 0 || len(s.Problems) != 1 || !strings.Contains(s.Problems[0].Msg, "more than") {
		t.Errorf("%d edits, problems %v", len(s.Edits), s.Problems)
	}
}

// The sheets of notes a workbook may carry are the same for the sheet of
// edits and for the lists (bundle.NotesSheet): each is read past by both.
func TestSheetNotesAsTheLists(t *testing.T) {
	for _, notes := range []string{"说明", "填写说明", "帮助", "Help", "Read Me", "instructions", "NOTES", "_hidden"} {
		var buf bytes.Buffer
		edits := bundle.Sheet{Name: "修改清单", Header: []string{"操作", "条目", "数量"}, Rows: [][]any{{"修改数量", "LH-R12", "70"}}}
		if err := bundle.WriteXLSX(&buf, []bundle.Sheet{edits, {Name: notes, Header: []string{"说明"}}}); err != nil {
			t.Fatal(err)
		}
		if s := ReadSheet("edits.xlsx", buf.Bytes()); len(s.Problems) != 0 || len(s.Edits) != 1 {
			t.Errorf("edits with a sheet %q: %d edits, problems %v", notes, len(s.Edits), s.Problems)
		}
		buf.Reset()
		if err := bundle.WriteXLSX(&buf, []bundle.Sheet{{Name: notes, Header: []string{"说明"}}}); err != nil {
			t.Fatal(err)
		}
		_, err := bundle.DecodeXLSX("lists.xlsx", buf.Bytes(), bundle.DefaultXLSXLimits)
		if err == nil || !strings.Contains(err.Error(), "no list in the workbook") || strings.Contains(err.Error(), "unknown sheet") {
			t.Errorf("lists with only a sheet %q: %v", notes, err)
		}
	}
}

// normWord folds without building anything per call: a word already
// folded costs no allocation (a sheet's every header and cell goes
// through it).
func TestNormWordAllocs(t *testing.T) {
	if got := normWord(" 时间段（ 起 ）"); got != "时间段(起)" {
		t.Errorf("normWord = %q", got)
	}
	var got string
	if n := testing.AllocsPerRun(100, func() { got = normWord("数量") }); n != 0 || got != "数量" {
		t.Errorf("normWord of a folded word: %v allocations, want 0", n)
	}
}

// set_weights reads one way from a sheet and from JSON: the terms a row
// or an object names are set, the others keep their current value (the
// base, or what an earlier set_weights made them). Both give the same
// edits and the same settings.
func TestSetWeightsKeepsWhatItDoesNotName(t *testing.T) {
	const sheetCSV = "操作,权重\n修改权重,距离=40\n修改权重,内容相似=5\n"
	const js = `[{"op":"set_weights","weights":{"proximity":40}},{"op":"set_weights","weights":{"text":5}}]`
	s := ReadSheet("weights.csv", []byte(sheetCSV))
	if len(s.Problems) != 0 {
		t.Fatal(s.Problems)
	}
	if got, want := mustJSON(s.Edits), mustJSON(edits(t, js)); got != want {
		t.Errorf("the sheet's edits %s, the JSON's %s", got, want)
	}
	st := bananStore(t)
	m := NewManager()
	want := match.DefaultWeights
	want.Proximity, want.Text = 40, 5
	for name, e := range map[string][]Edit{"sheet": s.Edits, "JSON": edits(t, js)} {
		sc, err := m.Create(ctx, st, matcher.Coordinator("lh"), Request{Meeting: "lh", Edits: e})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if sc.Settings.Weights != want {
			t.Errorf("%s: weights %+v, want %+v", name, sc.Settings.Weights, want)
		}
	}
	_, err := m.Create(ctx, st, matcher.Coordinator("lh"), Request{Meeting: "lh", Edits: edits(t, `[{"op":"set_weights","weights":{"nearness":40}}]`)})
	if fe := matcher.FieldErrors(err); len(fe) != 1 || fe[0].Field != "edits[0].weights.nearness" {
		t.Errorf("an unknown term: %v", err)
	}
}
