package bundle_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/allymatch/allymatch/fixtures"
	"github.com/allymatch/allymatch/fixtures/gen"
	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/bundle"
)

const testBundle = `{
  "format": "allymatch.bundle/v1",
  "name": "测试",
  "units": [
    {"id": "u1", "name": "龙华社区党委", "kind": "community", "party_org": true, "grid": "g1"},
    {"id": "u2", "name": "龙洲湾中学", "kind": "school", "party_org": true, "location": {"lat": 29.35, "lon": 106.53}}
  ],
  "items": [
    {"id": "R9", "unit": "u1", "kind": "resource", "category": "goods", "title": "米", "quantity": 5}
  ]
}
`

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func problemStrings(t *testing.T, err error) []string {
	t.Helper()
	var be *bundle.Error
	if !errors.As(err, &be) {
		t.Fatalf("error = %v (%T), want *bundle.Error", err, err)
	}
	var out []string
	for _, p := range be.Problems {
		out = append(out, p.String())
	}
	return out
}

func TestReadPathFolder(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"bundle.json":    testBundle,
		"demands.csv":    "编号,单位,类别,名称,数量\nD1,u2,护学,护送,2\nD2,u2,志愿服务,帮手,1\n",
		"resources.csv":  "id,unit,category,title,quantity\nR1,u1,volunteer,志愿者,10\n",
		"项目清单.csv":       "编号,单位,名称\nP1,u1,四点半课堂\n",
		"README.md":      "# not data",
		"notes.txt":      "not data",
		".~lock.x.csv#":  "office lock file",
		"demands.csv~":   "backup",
		"archive/x.json": "not read: folders are not recursed",
	})
	b, err := bundle.ReadPath(dir)
	if err != nil {
		t.Fatalf("ReadPath error = %v", err)
	}
	if b.Format != bundle.Format || b.Name != "测试" {
		t.Errorf("format %q name %q, want %q and 测试", b.Format, b.Name, bundle.Format)
	}
	if len(b.Units) != 2 || len(b.Items) != 4 || len(b.Projects) != 1 {
		t.Fatalf("read %d units, %d items, %d projects; want 2, 4, 1", len(b.Units), len(b.Items), len(b.Projects))
	}
	// Files are merged in name order, each record keeping its source.
	wantSrc := []string{"bundle.json:9", "demands.csv:2", "demands.csv:3", "resources.csv:2"}
	for i, want := range wantSrc {
		if l, _ := b.Source("items", i); l.String() != want {
			t.Errorf("items[%d] (%s) from %s, want %s", i, b.Items[i].ID, l, want)
		}
	}
	if l, _ := b.Source("projects", 0); l.String() != "项目清单.csv:2" {
		t.Errorf("projects[0] from %s, want 项目清单.csv:2", l)
	}
	if _, err := bundle.Prepare(b, nil); err != nil {
		t.Errorf("Prepare error = %v", err)
	}
}

func TestReadPathErrors(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		path  string // relative to the folder; "" is the folder
		code  string
		want  []string // problems, or the message for non-bundle errors
	}{
		{
			name:  "unknown CSV file name",
			files: map[string]string{"bundle.json": testBundle, "notes.csv": "a,b\n"},
			code:  matcher.EINVALID,
			want:  []string{"notes.csv: unknown CSV file name; name it demands.csv (需求清单.csv)"},
		},
		{
			name:  "unknown file type",
			files: map[string]string{"bundle.json": testBundle, "demands.ods": "PK"},
			code:  matcher.EINVALID,
			want:  []string{"demands.ods: unknown file type; use .json, .csv or .xlsx"},
		},
		{
			name: "problems of every file are listed",
			files: map[string]string{
				"a.json":        "{\"format\": \"x\"}",
				"resources.csv": "id,unit,category,title,quantity\nR1,u1,volunteer,t,ten\n",
			},
			code: matcher.EINVALID,
			want: []string{
				`a.json:1: format: must be "allymatch.bundle/v1", got "x"`,
				`resources.csv:2:5: row 1: quantity: must be a whole number, got "ten"`,
			},
		},
		{
			name:  "empty folder",
			files: map[string]string{"README.md": "#"},
			code:  matcher.EINVALID,
			want:  []string{"no .json or .csv data files"},
		},
		{
			name:  "missing path",
			files: map[string]string{},
			path:  "nope",
			code:  matcher.ENOTFOUND,
			want:  []string{"nope"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeFiles(t, tt.files)
			_, err := bundle.ReadPath(filepath.Join(dir, tt.path))
			if got := matcher.ErrorCode(err); got != tt.code {
				t.Fatalf("ErrorCode = %q (%v), want %q", got, err, tt.code)
			}
			var be *bundle.Error
			if !errors.As(err, &be) {
				if len(tt.want) != 1 || !strings.Contains(err.Error(), tt.want[0]) {
					t.Errorf("error = %v, want one with %q", err, tt.want)
				}
				return
			}
			got := problemStrings(t, err)
			if len(got) != len(tt.want) {
				t.Fatalf("problems %q, want %q", got, tt.want)
			}
			for i := range got {
				if !strings.HasPrefix(got[i], tt.want[i]) {
					t.Errorf("problem %d = %q, want it to start with %q", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestReadPathFile(t *testing.T) {
	dir := writeFiles(t, map[string]string{"longhua-demands.csv": "id,unit,category,title,quantity\nD1,u2,escort,t,1\n", "x.json": testBundle})
	b, err := bundle.ReadPath(filepath.Join(dir, "longhua-demands.csv"))
	if err != nil || len(b.Items) != 1 || b.Items[0].Kind != matcher.Demand {
		t.Fatalf("ReadPath(csv) = %+v, %v; want one demand", b, err)
	}
	if l, _ := b.Source("items", 0); l.String() != "longhua-demands.csv:2" {
		t.Errorf("source %s, want longhua-demands.csv:2", l)
	}
	b, err = bundle.ReadPath(filepath.Join(dir, "x.json"))
	if err != nil || len(b.Units) != 2 {
		t.Fatalf("ReadPath(json) = %+v, %v; want 2 units", b, err)
	}
}

func TestReadFS(t *testing.T) {
	fsys := fstest.MapFS{
		"data/bundle.json":   {Data: []byte(testBundle)},
		"data/resources.csv": {Data: []byte("id,unit,category,title,quantity\nR1,u1,volunteer,t,3\n")},
		"data/README.md":     {Data: []byte("#")},
		"other/bad.csv":      {Data: []byte("x")},
	}
	b, err := bundle.ReadFS(fsys, "data")
	if err != nil || len(b.Items) != 2 || len(b.Units) != 2 {
		t.Fatalf("ReadFS(data) = %+v, %v; want 2 items and 2 units", b, err)
	}
	b, err = bundle.ReadFS(fsys, "data/resources.csv")
	if err != nil || len(b.Items) != 1 {
		t.Fatalf("ReadFS(file) = %+v, %v", b, err)
	}
	if _, err := bundle.ReadFS(fsys, "other"); err == nil || !strings.Contains(err.Error(), "bad.csv") {
		t.Errorf("ReadFS(other) error = %v, want one naming bad.csv", err)
	}
	if _, err := bundle.ReadFS(fsys, "missing"); matcher.ErrorCode(err) != matcher.ENOTFOUND {
		t.Errorf("ReadFS(missing) error = %v, want ENOTFOUND", err)
	}
	if _, err := bundle.ReadFS(fixtures.BananFS(), "."); err != nil {
		t.Errorf("ReadFS(BananFS) error = %v", err)
	}
}

func TestPrepare(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"bundle.json": `{
  "format": "allymatch.bundle/v1",
  "categories": [{"id": "ceremony", "name_zh": "红白理事", "name_en": "family ceremonies"}],
  "items": [
    {"id": "D1", "unit": "u1", "kind": "demand", "category": "student escort", "title": "护送", "quantity": 1, "rev": 9}
  ]
}`,
		"demands.csv":   "编号,单位,类别,名称,数量\nD2,u2,志愿服务,帮手,1\nD3,u2,红白理事,帮忙,2\nD1,u3,护学,重复,1\n",
		"resources.csv": "id,unit,category,title,quantity\nR1,u1,volunteer,志愿者,10\n",
	})
	b, err := bundle.ReadPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, err = bundle.Prepare(b, nil)
	got := problemStrings(t, err)
	want := []string{`demands.csv:4: items[3] (id D1): id: id "D1" is used twice (first at bundle.json:5)`}
	if len(got) != 1 || got[0] != want[0] {
		t.Fatalf("Prepare problems %q, want %q", got, want)
	}

	b.Items = b.Items[:3] // drop the duplicate
	vocab, err := bundle.Prepare(b, nil)
	if err != nil {
		t.Fatalf("Prepare error = %v", err)
	}
	if !vocab.Has("ceremony") || !vocab.Has("escort") {
		t.Errorf("vocabulary lacks the bundle's or the built-in categories")
	}
	for i, want := range []string{"escort", "volunteer", "ceremony"} {
		if got := b.Items[i].Category; got != want {
			t.Errorf("items[%d].category = %q, want %q", i, got, want)
		}
	}
	it := b.Items[1]
	if it.Status != matcher.ItemOpen || it.Priority != matcher.DefaultPriority || it.Level != matcher.Community {
		t.Errorf("defaults not filled: status %q priority %d level %q", it.Status, it.Priority, it.Level)
	}
	if b.Items[0].Rev != 0 {
		t.Errorf("rev = %d, want 0: the store sets it", b.Items[0].Rev)
	}
	// Prepare is idempotent.
	if _, err := bundle.Prepare(b, vocab); err != nil {
		t.Errorf("second Prepare error = %v", err)
	}
}

func TestPrepareProblems(t *testing.T) {
	in := `{
  "format": "allymatch.bundle/v1",
  "categories": [
    {"id": "Bad Id", "name_zh": "坏", "name_en": "bad"},
    {"id": "ok", "name_zh": "好", "name_en": "ok"},
    {"id": "ok", "name_zh": "好2", "name_en": "ok2"}
  ],
  "units": [{"id": "u 1", "name": "", "kind": "shop"}],
  "items": [
    {"id": "D1", "unit": "u1", "kind": "demand", "category": "烹饪", "title": "做饭", "quantity": 0, "radius_km": -1}
  ]
}`
	b, err := bundle.DecodeJSON("p.json", []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	_, err = bundle.Prepare(b, matcher.MustDefaultVocabulary())
	got := strings.Join(problemStrings(t, err), "\n")
	for _, want := range []string{
		`p.json:4: categories[0] (id Bad Id): id: must be a lower-case word`,
		`p.json:6: categories[2] (id ok): id: id "ok" is used twice (first at p.json:5)`,
		`p.json:8: units[0] (id u 1): id: "u 1" is not a valid id`,
		`p.json:8: units[0] (id u 1): name: is required`,
		`p.json:8: units[0] (id u 1): location: a unit needs a location or a red grid`,
		`p.json:10: items[0] (id D1): quantity: must be between 1 and`,
		`p.json:10: items[0] (id D1): radius_km: must be between 0 and 500, got -1`,
		`p.json:10: items[0] (id D1): category: unknown category "烹饪"`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("problems lack %q; got:\n%s", want, got)
		}
	}
}

// A list long enough to be validated by several goroutines reports its
// problems in the list's order, each at its record, as a short one does:
// an id used twice, a field out of range, an unknown category.
func TestPrepareProblemsLongList(t *testing.T) {
	b, err := gen.Generate(gen.Config{Units: 1000, Seed: 4})
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Items) < 4500 { // parallelRecords (4096) and more
		t.Fatalf("%d items: too few for a parallel check", len(b.Items))
	}
	var want []string
	for i := 17; i < len(b.Items); i += 613 {
		it := &b.Items[i]
		rec := fmt.Sprintf("items[%d] (id %s)", i, it.ID)
		switch i % 3 {
		case 0:
			it.ID = b.Items[i-1].ID
			rec = fmt.Sprintf("items[%d] (id %s)", i, it.ID)
			want = append(want, rec+": id: id "+strconv.Quote(it.ID)+" is used twice")
		case 1:
			it.Quantity = 0
			want = append(want, rec+": quantity: must be between 1 and")
		default:
			it.Category = "烹饪"
			want = append(want, rec+`: category: unknown category "烹饪"`)
		}
	}
	_, err = bundle.Prepare(b, nil)
	got := problemStrings(t, err)
	if len(got) != len(want) {
		t.Fatalf("%d problems, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
	for i := range want {
		if !strings.Contains(got[i], want[i]) {
			t.Errorf("problem %d: %s\nwant %s", i, got[i], want[i])
		}
	}
}

// Records built in code (no sources) merged with read ones keep the read
// ones' sources at the right index.
func TestMergeKeepsSources(t *testing.T) {
	b := fixtures.Small()
	n := len(b.Items)
	read, err := bundle.DecodeCSV("demands.csv", bundle.CSVDemands, []byte("id,unit,category,title,quantity\nLH-D01,lh-school,escort,t,1\n"))
	if err != nil {
		t.Fatal(err)
	}
	b.Merge(read)
	if l, ok := b.Source("items", n); !ok || l.String() != "demands.csv:2" {
		t.Errorf("Source(items, %d) = %v, %v; want demands.csv:2", n, l, ok)
	}
	_, err = bundle.Prepare(b, nil)
	got := problemStrings(t, err)
	if len(got) != 1 || !strings.Contains(got[0], `demands.csv:2: items[3] (id LH-D01): id: id "LH-D01" is used twice (first at items[0])`) {
		t.Errorf("problems %q, want the duplicate named with both places", got)
	}
}
