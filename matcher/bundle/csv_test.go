package bundle_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/bundle"
)

var cst = time.FixedZone("CST", 8*3600)

func gbk(t *testing.T, s string) string {
	t.Helper()
	b, err := simplifiedchinese.GBK.NewEncoder().String(s)
	if err != nil {
		t.Fatalf("GBK encode: %v", err)
	}
	return b
}

func TestDecodeCSV(t *testing.T) {
	const zhHeader = "编号,单位,类别,名称,说明,标签,数量,计量单位,开始,结束,服务半径,优先级,层级,项目,可选\n"
	const zhRow = "LH-D01,lh-school,护学,晚间护送学生,晚自习后,护学、晚自习；安全,6,人次,2026-12-01 18:00,2027-01-20 21:00,2,5,社区,,\n"
	tests := []struct {
		name  string
		kind  bundle.CSVKind
		input string
		gbk   bool
		want  []wantProblem
		cols  []int // expected Loc.Col per problem, when set
		check func(t *testing.T, b *bundle.Bundle)
	}{
		{
			name: "English headers",
			kind: bundle.CSVResources,
			input: "id,unit,category,title,quantity,radius_km,lat,lon,from\n" +
				"R1,u1,volunteer,志愿者,60,30,29.38,106.52,2026-12-01\n",
			check: func(t *testing.T, b *bundle.Bundle) {
				it := b.Items[0]
				if it.Kind != matcher.Resource || it.Quantity != 60 || it.RadiusKM != 30 || it.Location == nil || it.Location.Lat != 29.38 {
					t.Errorf("item = %+v", it)
				}
				if w := it.Windows[0]; !w.From.Equal(time.Date(2026, 12, 1, 0, 0, 0, 0, cst)) || !w.To.IsZero() {
					t.Errorf("window = %v..%v, want from 2026-12-01 CST, open end", w.From, w.To)
				}
			},
		},
		{
			name:  "Chinese headers",
			kind:  bundle.CSVDemands,
			input: zhHeader + zhRow,
			check: func(t *testing.T, b *bundle.Bundle) {
				it := b.Items[0]
				if it.ID != "LH-D01" || it.Kind != matcher.Demand || it.Category != "护学" || it.Title != "晚间护送学生" ||
					it.Quantity != 6 || it.Measure != "人次" || it.RadiusKM != 2 || it.Priority != 5 || it.Level != matcher.Community {
					t.Errorf("item = %+v", it)
				}
				if len(it.Tags) != 3 || it.Tags[0] != "护学" || it.Tags[2] != "安全" {
					t.Errorf("tags = %q, want [护学 晚自习 安全]", it.Tags)
				}
				if w := it.Windows[0]; !w.From.Equal(time.Date(2026, 12, 1, 18, 0, 0, 0, cst)) || !w.To.Equal(time.Date(2027, 1, 20, 21, 0, 0, 0, cst)) {
					t.Errorf("window = %v..%v", w.From, w.To)
				}
				if l, _ := b.Source("items", 0); l.Line != 2 {
					t.Errorf("source line = %d, want 2", l.Line)
				}
			},
		},
		{
			name:  "UTF-8 with BOM",
			kind:  bundle.CSVDemands,
			input: "\uFEFF" + zhHeader + zhRow,
			check: func(t *testing.T, b *bundle.Bundle) {
				if len(b.Items) != 1 || b.Items[0].ID != "LH-D01" {
					t.Errorf("items = %+v", b.Items)
				}
			},
		},
		{
			name:  "GBK from Excel",
			kind:  bundle.CSVDemands,
			input: zhHeader + zhRow,
			gbk:   true,
			check: func(t *testing.T, b *bundle.Bundle) {
				if len(b.Items) != 1 || b.Items[0].Title != "晚间护送学生" || b.Items[0].Measure != "人次" {
					t.Errorf("items = %+v", b.Items)
				}
			},
		},
		{
			name:  "header with unit of measure and full-width space",
			kind:  bundle.CSVDemands,
			input: "编号,单位,类别,名　称,数量（人次）\nD1,u1,护学,护送,3\n",
			check: func(t *testing.T, b *bundle.Bundle) {
				if b.Items[0].Title != "护送" || b.Items[0].Quantity != 3 {
					t.Errorf("item = %+v", b.Items[0])
				}
			},
		},
		{
			name:  "blank rows are skipped and lines stay right",
			kind:  bundle.CSVDemands,
			input: zhHeader + "\n,,,,\n" + zhRow + "\n\n" + "LH-D02,lh-school,护学,护送,,,x,,,,,,,,\n",
			want:  []wantProblem{{7, "quantity", `column "数量": must be a whole number, got "x"`}},
			cols:  []int{7},
		},
		{
			name:  "bad numbers name line and column",
			kind:  bundle.CSVDemands,
			input: zhHeader + "D1,u1,护学,护送,,,6,,,,两公里,9,,,\n",
			want: []wantProblem{
				{2, "radius_km", `column "服务半径": must be a number, got "两公里"`},
				{2, "priority", `must be 1 (low) to 5 (urgent)`},
			},
			cols: []int{11, 12},
		},
		{
			name:  "multi-line cell: the bad cell's own line",
			kind:  bundle.CSVDemands,
			input: "id,unit,category,title,description,quantity\nD1,u1,escort,护送,\"第一行\n第二行\",many\n",
			want:  []wantProblem{{3, "quantity", `must be a whole number, got "many"`}},
			cols:  []int{6},
		},
		{
			name:  "unknown column",
			kind:  bundle.CSVDemands,
			input: "编号,单位,类别,名称,数量,颜色\nD1,u1,护学,护送,1,红\n",
			want:  []wantProblem{{1, "", `unknown column "颜色"`}},
		},
		{
			name:  "missing required column",
			kind:  bundle.CSVResources,
			input: "编号,单位,名称,数量\nR1,u1,x,1\n",
			want:  []wantProblem{{1, "", `missing column "category"`}},
		},
		{
			name:  "column twice",
			kind:  bundle.CSVDemands,
			input: "id,编号,unit,category,title,quantity\n",
			want:  []wantProblem{{1, "", `column "编号" appears twice`}},
		},
		{
			name:  "slot columns are not allowed in resources",
			kind:  bundle.CSVResources,
			input: "id,unit,category,title,quantity,project\n",
			want:  []wantProblem{{1, "", `unknown column "project"`}},
		},
		{
			name:  "empty file",
			kind:  bundle.CSVDemands,
			input: "",
			want:  []wantProblem{{1, "", "empty file"}},
		},
		{
			name:  "header only",
			kind:  bundle.CSVDemands,
			input: zhHeader,
			check: func(t *testing.T, b *bundle.Bundle) {
				if b.Len() != 0 {
					t.Errorf("Len = %d, want 0", b.Len())
				}
			},
		},
		{
			name:  "malformed quote in a data row (used to panic)",
			kind:  bundle.CSVDemands,
			input: "id,unit,category,title,quantity\n\"D1\"x,u1,escort,t,1\n",
			want:  []wantProblem{{2, "", "malformed CSV"}},
		},
		{
			name:  "extra non-blank cell; trailing blank cells are fine",
			kind:  bundle.CSVDemands,
			input: "id,unit,category,title,quantity\nD1,u1,escort,t,1,,\nD2,u1,escort,t,1,,x\n",
			want:  []wantProblem{{3, "", "row has 7 cells, the header 5"}},
		},
		{
			name:  "time problems",
			kind:  bundle.CSVDemands,
			input: "id,unit,category,title,quantity,from,to\nD1,u1,escort,t,1,,2027-01-01\nD2,u1,escort,t,1,12月1日,\n",
			want: []wantProblem{
				{2, "from", "is required when to is given"},
				{3, "from", `not a date or time: "12月1日"`},
			},
		},
		{
			name:  "a date alone as end includes that day",
			kind:  bundle.CSVDemands,
			input: "id,unit,category,title,quantity,from,to\nD1,u1,escort,t,1,2026-12-05,2026-12-05\nD2,u1,escort,t,1,2026/12/5 08:00,2026/12/05 10:30\n",
			check: func(t *testing.T, b *bundle.Bundle) {
				w := b.Items[0].Windows[0]
				if !w.From.Equal(time.Date(2026, 12, 5, 0, 0, 0, 0, cst)) || !w.To.Equal(time.Date(2026, 12, 6, 0, 0, 0, 0, cst)) {
					t.Errorf("window = %v..%v, want the whole of 2026-12-05", w.From, w.To)
				}
				w = b.Items[1].Windows[0]
				if !w.From.Equal(time.Date(2026, 12, 5, 8, 0, 0, 0, cst)) || !w.To.Equal(time.Date(2026, 12, 5, 10, 30, 0, 0, cst)) {
					t.Errorf("window = %v..%v", w.From, w.To)
				}
			},
		},
		{
			name:  "Chinese values for level, priority, status, optional",
			kind:  bundle.CSVDemands,
			input: "id,unit,category,title,quantity,层级,优先级,状态,项目,可选\nD1,u1,escort,t,1,街道,紧急,暂停,P1,是\nD2,u1,escort,t,1,区,低,,,否\nD3,u1,escort,t,1,市,,,,也许\n",
			want: []wantProblem{
				{4, "optional", `must be yes/no (是/否), got "也许"`},
			},
		},
		{
			name:  "items with a kind column",
			kind:  bundle.CSVItems,
			input: "编号,单位,类型,类别,名称,数量\nD1,u1,需求,护学,t,1\nR1,u2,资源,志愿服务,t,5\nX1,u3,交换,物资,t,1\n",
			want:  []wantProblem{{4, "kind", `must be demand or resource (需求/资源), got "交换"`}},
			cols:  []int{3},
		},
		{
			name:  "projects with 名称",
			kind:  bundle.CSVProjects,
			input: "编号,单位,名称,说明,状态\nP1,u1,四点半课堂,放学后辅导,\nP2,u1,爱心超市,,Running\n",
			check: func(t *testing.T, b *bundle.Bundle) {
				if len(b.Projects) != 2 || b.Projects[0].Name != "四点半课堂" || b.Projects[1].Status != matcher.ProjectRunning {
					t.Errorf("projects = %+v", b.Projects)
				}
			},
		},
		{
			name:  "units",
			kind:  bundle.CSVUnits,
			input: "编号,单位名称,类型,党组织,网格,纬度,经度,所属联盟\nu1,龙洲湾中学,学校,是,g1,29.35,106.53,lh；st-lzw\nu2,小面馆,shop,否,g1,,,lh\nu3,某店,商铺,也许,,29.3,,\n",
			want: []wantProblem{
				{4, "party_org", "must be yes/no"},
				{4, "lat", "give both lat and lon"},
			},
		},
		{
			name:  "unknown kind",
			kind:  bundle.CSVKind("lists"),
			input: "id\n",
			want:  []wantProblem{{0, "", `unknown CSV kind "lists"`}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.input
			if tt.gbk {
				in = gbk(t, in)
			}
			b, err := bundle.DecodeCSV("list.csv", tt.kind, []byte(in))
			checkProblems(t, err, tt.want)
			if err != nil {
				var be *bundle.Error
				errors.As(err, &be)
				for i, col := range tt.cols {
					if i < len(be.Problems) && be.Problems[i].Loc.Col != col {
						t.Errorf("problem %d column = %d, want %d", i, be.Problems[i].Loc.Col, col)
					}
				}
				return
			}
			if tt.check != nil {
				tt.check(t, b)
			}
		})
	}
}

// The Chinese values of the "Chinese values" row, read without its bad row.
func TestDecodeCSVChineseValues(t *testing.T) {
	in := "id,unit,category,title,quantity,层级,优先级,状态,项目,可选\nD1,u1,escort,t,1,街道,紧急,暂停,P1,是\nD2,u1,escort,t,1,区,低,,,否\nD3,u1,escort,t,1,村,一般,关闭,,\n"
	b, err := bundle.DecodeCSV("d.csv", bundle.CSVDemands, []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		level    matcher.Level
		priority int
		status   matcher.ItemStatus
		optional bool
	}{
		{matcher.Street, 5, matcher.ItemPaused, true},
		{matcher.District, 1, "", false},
		{matcher.Community, 3, matcher.ItemClosed, false},
	}
	for i, w := range want {
		it := b.Items[i]
		if it.Level != w.level || it.Priority != w.priority || it.Status != w.status || it.Optional != w.optional {
			t.Errorf("item %s: level %s priority %d status %q optional %v, want %+v", it.ID, it.Level, it.Priority, it.Status, it.Optional, w)
		}
	}
}

func TestDecodeCSVUnits(t *testing.T) {
	in := "编号,单位名称,类型,党组织,网格,纬度,经度,所属联盟\nu1,龙洲湾中学,学校,是,g1,29.35,106.53,lh；st-lzw\nu2,小面馆,shop,否,g1,,,lh\n"
	b, err := bundle.DecodeCSV("units.csv", bundle.CSVUnits, []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	u := b.Units[0]
	if u.Name != "龙洲湾中学" || u.Kind != matcher.KindSchool || !u.PartyOrg || u.Grid != "g1" || u.Location == nil || len(u.Alliances) != 2 {
		t.Errorf("unit = %+v", u)
	}
	if u := b.Units[1]; u.Kind != matcher.KindShop || u.PartyOrg || u.Location != nil {
		t.Errorf("unit = %+v", u)
	}
}

func TestCSVKindOf(t *testing.T) {
	for name, want := range map[string]bundle.CSVKind{
		"demands.csv": bundle.CSVDemands, "需求清单.csv": bundle.CSVDemands, "Demands.CSV": bundle.CSVDemands,
		"longhua-demands.csv": bundle.CSVDemands, "龙华_资源清单.csv": bundle.CSVResources,
		"items.csv": bundle.CSVItems, "项目清单.csv": bundle.CSVProjects, "成员单位.csv": bundle.CSVUnits,
		"dir/units.csv": bundle.CSVUnits, "notes.csv": "", "demand.csv": "", "demands-old.csv": "",
	} {
		got, ok := bundle.CSVKindOf(name)
		if got != want || ok != (want != "") {
			t.Errorf("CSVKindOf(%q) = %q, %v; want %q, %v", name, got, ok, want, want != "")
		}
	}
}

// TestCSVText: after a CSV or GBK file is read as UTF-8, its texts go
// through the domain's text rules like any other: control and
// bidirectional characters, and bytes that GBK cannot read, are problems
// at their row and field.
func TestCSVText(t *testing.T) {
	const header = "编号,单位,类别,名称,说明,标签,数量\n"
	cases := []struct {
		name        string
		givenData   string
		expectField string
		expectMsg   string
	}{
		{"bidi in a title", header + "D1,lh-school,护学,护学\u202e,说明,护学,1\n", "title", "holds the invisible bidirectional control U+202E at character 3"},
		{"NUL in a description", header + "D1,lh-school,护学,护学,说明\x00,护学,1\n", "description", "holds a NUL character (U+0000) at character 3"},
		{"line break in a title", header + "D1,lh-school,护学,\"护\n学\",说明,护学,1\n", "title", "holds a tab or line break (U+000A) at character 2"},
		{"BOM in a tag", header + "D1,lh-school,护学,护学,说明,护\ufeff学,1\n", "tags[0]", "holds a byte-order mark (U+FEFF) at character 2"},
		{"GBK with a byte it cannot read", gbk(t, header+"D1,lh-school,护学,护学") + "\x81\x20" + gbk(t, ",说明,护学,1\n"), "title", "holds the replacement character U+FFFD"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b, err := bundle.DecodeCSV("需求清单.csv", bundle.CSVDemands, []byte(tc.givenData))
			if err == nil {
				_, err = bundle.Prepare(b, nil)
			}
			var be *bundle.Error
			if !errors.As(err, &be) || len(be.Problems) != 1 {
				t.Fatalf("DecodeCSV+Prepare = %v, want one problem", err)
			}
			p := be.Problems[0]
			if p.Loc.Line != 2 || p.Field != tc.expectField || !strings.HasPrefix(p.Msg, tc.expectMsg) {
				t.Errorf("problem = %s, want line 2, %s: %s", p, tc.expectField, tc.expectMsg)
			}
		})
	}
}
