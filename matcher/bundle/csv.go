package bundle

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"

	"github.com/allymatch/allymatch/matcher"
)

// CSVKind is what a CSV file holds.
type CSVKind string

// The CSV files a bundle folder may hold. Demands and resources are the two
// item lists; "items" holds both, with a kind column.
const (
	CSVDemands   CSVKind = "demands"
	CSVResources CSVKind = "resources"
	CSVItems     CSVKind = "items"
	CSVProjects  CSVKind = "projects"
	CSVUnits     CSVKind = "units"
)

// csvFileNames maps the file names (without .csv, lower case) to kinds.
var csvFileNames = map[string]CSVKind{
	"demands": CSVDemands, "需求清单": CSVDemands, "需求": CSVDemands,
	"resources": CSVResources, "资源清单": CSVResources, "资源": CSVResources,
	"items": CSVItems, "清单": CSVItems,
	"projects": CSVProjects, "项目清单": CSVProjects, "项目": CSVProjects,
	"units": CSVUnits, "成员单位": CSVUnits, "单位": CSVUnits,
}

func csvNames() []string {
	return []string{"demands.csv (需求清单.csv)", "resources.csv (资源清单.csv)", "items.csv (清单.csv)", "projects.csv (项目清单.csv)", "units.csv (成员单位.csv)"}
}

// CSVKindOf tells what a CSV file holds from its name: demands.csv,
// 需求清单.csv, resources.csv, 资源清单.csv, items.csv, projects.csv,
// 项目清单.csv, units.csv, 成员单位.csv. A prefix before the last "-" or "_"
// is allowed (e.g. longhua-demands.csv).
func CSVKindOf(name string) (CSVKind, bool) {
	base := strings.ToLower(strings.TrimSuffix(filepath.Base(name), filepath.Ext(name)))
	if k, ok := csvFileNames[base]; ok {
		return k, true
	}
	if i := strings.LastIndexAny(base, "-_"); i >= 0 {
		k, ok := csvFileNames[base[i+1:]]
		return k, ok
	}
	return "", false
}

// Column names: the canonical English name first, then aliases (Chinese
// headers as spreadsheets have them). Matching ignores case and spaces.
var columnAliases = map[string][]string{
	"id":          {"编号", "序号id", "代码"},
	"unit":        {"单位", "单位编号", "所属单位", "unit_id"},
	"kind":        {"类型", "种类"},
	"category":    {"类别", "分类", "类目"},
	"title":       {"名称", "标题", "事项", "内容"},
	"description": {"说明", "描述", "详情", "备注"},
	"tags":        {"标签", "关键词"},
	"quantity":    {"数量"},
	"measure":     {"计量单位", "单位名称", "量词"},
	"from":        {"开始", "开始时间", "起"},
	"to":          {"结束", "结束时间", "止"},
	"lat":         {"纬度", "latitude"},
	"lon":         {"经度", "longitude", "lng"},
	"radius_km":   {"服务半径", "半径", "半径公里", "radius"},
	"priority":    {"优先级", "紧急程度"},
	"status":      {"状态"},
	"level":       {"层级", "级别"},
	"project":     {"项目", "项目编号", "所属项目"},
	"optional":    {"可选"},
	"name":        {"名称", "单位名称", "项目名称"},
	"party_org":   {"党组织", "有党组织", "是否有党组织"},
	"grid":        {"网格", "红色网格"},
	"alliances":   {"联盟", "所属联盟"},
}

// ignoredColumns are headers that spreadsheets carry and the lists do not
// need: a running number (序号) is read past, whatever list it heads.
var ignoredColumns = map[string]bool{"序号": true, "序": true, "no": true, "no.": true, "#": true, "行号": true, "编号序号": true}

// columns allowed per kind (beyond these, a header is an error).
var kindColumns = map[CSVKind][]string{
	CSVDemands:   {"id", "unit", "category", "title", "description", "tags", "quantity", "measure", "from", "to", "lat", "lon", "radius_km", "priority", "status", "level", "project", "optional"},
	CSVResources: {"id", "unit", "category", "title", "description", "tags", "quantity", "measure", "from", "to", "lat", "lon", "radius_km", "priority", "status", "level"},
	CSVItems:     {"id", "unit", "kind", "category", "title", "description", "tags", "quantity", "measure", "from", "to", "lat", "lon", "radius_km", "priority", "status", "level", "project", "optional"},
	CSVProjects:  {"id", "unit", "name", "description", "status"},
	CSVUnits:     {"id", "name", "kind", "party_org", "grid", "lat", "lon", "alliances"},
}

var requiredColumns = map[CSVKind][]string{
	CSVDemands:   {"id", "unit", "category", "title", "quantity"},
	CSVResources: {"id", "unit", "category", "title", "quantity"},
	CSVItems:     {"id", "unit", "kind", "category", "title", "quantity"},
	CSVProjects:  {"id", "unit", "name"},
	CSVUnits:     {"id", "name", "kind"},
}

func normHeader(h string) string {
	h = strings.ToLower(strings.TrimSpace(h))
	h = strings.NewReplacer(" ", "", "　", "", "（", "(", "）", ")").Replace(h)
	if i := strings.IndexByte(h, '('); i > 0 { // "数量(人次)" -> "数量"
		h = h[:i]
	}
	return h
}

// mapHeader maps each header cell to a canonical column for kind.
func mapHeader(kind CSVKind, header []string) (map[string]int, []*matcher.Error) {
	allowed := kindColumns[kind]
	cols := map[string]int{}
	var bad []*matcher.Error
	for i, h := range header {
		n := normHeader(h)
		found := ""
		for _, c := range allowed {
			if n == c {
				found = c
				break
			}
		}
		if found == "" {
			for _, c := range allowed {
				for _, a := range columnAliases[c] {
					if n == strings.ToLower(a) {
						found = c
					}
				}
				if found != "" {
					break
				}
			}
		}
		switch {
		case n == "" || ignoredColumns[n]:
			continue
		case found == "":
			bad = append(bad, matcher.Errorf(matcher.EINVALID, "unknown column %q (allowed: %s)", h, strings.Join(allowed, ", ")))
		case hasCol(cols, found):
			bad = append(bad, matcher.Errorf(matcher.EINVALID, "column %q appears twice", h))
		default:
			cols[found] = i
		}
	}
	for _, r := range requiredColumns[kind] {
		if !hasCol(cols, r) {
			bad = append(bad, matcher.Errorf(matcher.EINVALID, "missing column %q (or %s)", r, strings.Join(columnAliases[r], ", ")))
		}
	}
	return cols, bad
}

func hasCol(cols map[string]int, c string) bool { _, ok := cols[c]; return ok }

// toUTF8 returns data as UTF-8: a UTF-8 BOM is dropped; data that is not
// valid UTF-8 is read as GBK/GB18030, as Excel on a Chinese Windows saves it.
func toUTF8(data []byte) ([]byte, error) {
	data = bytes.TrimPrefix(data, utf8BOM)
	if utf8.Valid(data) {
		return data, nil
	}
	out, _, err := transform.Bytes(simplifiedchinese.GB18030.NewDecoder(), data)
	if err != nil || !utf8.Valid(out) {
		return nil, errors.New("the file is neither UTF-8 nor GBK text")
	}
	return out, nil
}

// headerScan is how many rows from the top may hold a title (a merged
// cell above the header) before the header itself.
const headerScan = 6

// findHeader returns the row of rows that is the header of a kind's list:
// among the first headerScan non-blank rows, the first that names every
// required column, else the one that names the most columns (a title row
// above names none). 0 when no row names any.
func findHeader(kind CSVKind, rows [][]string) int {
	best, bestN := 0, 0
	seen := 0
	for i, row := range rows {
		if seen >= headerScan {
			break
		}
		if blank(row) {
			continue
		}
		seen++
		cols, _ := mapHeader(kind, row)
		missing := false
		for _, r := range requiredColumns[kind] {
			if !hasCol(cols, r) {
				missing = true
			}
		}
		if !missing {
			return i
		}
		if len(cols) > bestN {
			best, bestN = i, len(cols)
		}
	}
	return best
}

// DecodeCSV decodes one CSV file of the given kind. The header is the
// first row that names the list's columns (English or Chinese; a title
// above it, such as a merged cell, is read past; a 序号 column is
// ignored); blank rows are skipped. A ' that protects a formula-like cell
// (as WriteCSV writes it) is dropped; numbers may be typed full-width
// (４０). Every problem is listed with its line and column. On problems
// the bundle of the rows as far as they read is returned with the error,
// for a preview to check them against a store too; nothing is to be
// stored from it.
func DecodeCSV(name string, kind CSVKind, data []byte) (*Bundle, error) {
	var ps problems
	if _, ok := kindColumns[kind]; !ok {
		ps.add(Loc{File: name}, "", "", "unknown CSV kind %q; use demands, resources, items, projects or units", kind)
		return nil, ps.err()
	}
	text, err := toUTF8(data)
	if err != nil {
		ps.addErr(Loc{File: name}, "", err)
		return nil, ps.err()
	}
	r := csv.NewReader(bytes.NewReader(text))
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	type row struct {
		rec   []string
		lines []int // each cell's line
	}
	var rows []row
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			loc := Loc{File: name}
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				loc.Line = pe.Line
			}
			ps.add(loc, "", "", "malformed CSV: %v", err)
			return nil, ps.err()
		}
		lines := make([]int, len(rec))
		for i := range rec {
			lines[i], _ = r.FieldPos(i)
		}
		rows = append(rows, row{rec, lines})
	}
	if len(rows) == 0 {
		ps.add(Loc{File: name, Line: 1}, "", "", "empty file: the first row must name the columns")
		return nil, ps.err()
	}
	recs := make([][]string, len(rows))
	for i, rw := range rows {
		recs[i] = rw.rec
	}
	h := findHeader(kind, recs)
	header := rows[h].rec
	headLine := 1
	if len(rows[h].lines) > 0 {
		headLine = rows[h].lines[0]
	}
	cols, bad := mapHeader(kind, header)
	for _, e := range bad {
		ps.add(Loc{File: name, Line: headLine}, "header", "", e.Format, e.Args...)
	}
	if ps.any() {
		return nil, ps.err()
	}
	var marks []int // the 序号 columns: a row marked 示例 there is an example, not a record
	for i, c := range header {
		if ignoredColumns[normHeader(c)] {
			marks = append(marks, i)
		}
	}
	b := &Bundle{Format: Format}
	for n, rw := range rows[h+1:] {
		rec := rw.rec
		if slices.ContainsFunc(marks, func(i int) bool { return i < len(rec) && exampleMark[strings.ToLower(strings.TrimSpace(rec[i]))] }) {
			continue
		}
		line := 0
		if len(rw.lines) > 0 {
			line = rw.lines[0]
		}
		loc := Loc{File: name, Line: line}
		if blank(rec) {
			continue
		}
		if extra := rec[min(len(rec), len(header)):]; !blank(extra) {
			ps.add(loc, "", "", "row has %d cells, the header %d", len(rec), len(header))
			continue
		}
		c := cells{lines: rw.lines, rec: rec, header: header, cols: cols, loc: loc, ps: &ps, record: fmt.Sprintf("row %d", n+1)}
		switch kind {
		case CSVDemands, CSVResources, CSVItems:
			it := c.item(kind)
			b.Items = append(b.Items, it)
			b.addSource("items", loc)
		case CSVProjects:
			b.Projects = append(b.Projects, matcher.Project{
				ID: c.str("id"), Unit: c.str("unit"), Name: c.str("name"),
				Description: c.str("description"), Status: c.projectStatus(),
			})
			b.addSource("projects", loc)
		case CSVUnits:
			u := matcher.Unit{ID: c.str("id"), Name: c.str("name"), Kind: c.unitKind(),
				PartyOrg: c.boolean("party_org"), Grid: c.str("grid"), Location: c.point(), Alliances: c.list("alliances")}
			b.Units = append(b.Units, u)
			b.addSource("units", loc)
		}
	}
	if err := ps.err(); err != nil {
		return b, err
	}
	return b, nil
}

func blank(rec []string) bool {
	for _, s := range rec {
		if strings.TrimSpace(s) != "" {
			return false
		}
	}
	return true
}

// cells reads typed values out of one CSV row, recording problems.
type cells struct {
	lines  []int // each cell's line
	rec    []string
	header []string
	cols   map[string]int
	loc    Loc
	record string
	ps     *problems
}

// str returns a cell's text: trimmed, and without the ' that protects a
// formula-like text in a spreadsheet (UnquoteCSVCell).
func (c cells) str(col string) string {
	i, ok := c.cols[col]
	if !ok || i >= len(c.rec) {
		return ""
	}
	return UnquoteCSVCell(strings.TrimSpace(c.rec[i]))
}

// bad records a problem with column col: at the cell's line and column,
// with the column's header as the file has it.
func (c cells) bad(col, format string, args ...any) {
	p := Problem{Loc: c.loc, Record: c.record, Field: col, Msg: fmt.Sprintf(format, args...), Format: format, Args: args}
	if i, ok := c.cols[col]; ok {
		p.Loc.Col = i + 1
		if i < len(c.lines) {
			p.Loc.Line = c.lines[i]
		}
		if h := strings.TrimSpace(c.header[i]); h != col {
			p.Column = h
			p.Msg = fmt.Sprintf("column %q: %s", h, p.Msg)
		}
	}
	c.ps.put(p)
}

// num returns a number cell's text with full-width digits and signs
// (４０, －３) as ASCII.
func (c cells) num(col string) string { return Number(c.str(col)) }

func (c cells) int64(col string) int64 {
	s := c.num(col)
	if s == "" {
		return 0
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		c.bad(col, "must be a whole number, got %q", s)
	}
	return n
}

func (c cells) float(col string) float64 {
	s := c.num(col)
	if s == "" {
		return 0
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		c.bad(col, "must be a number, got %q", s)
	}
	return f
}

func (c cells) boolean(col string) bool {
	v, ok := Bool(c.str(col))
	if !ok {
		c.bad(col, "must be yes/no (是/否), got %q", c.str(col))
	}
	return v
}

// list splits a cell on ; ； 、 , ， and |.
func (c cells) list(col string) []string {
	return List(c.str(col))
}

func (c cells) point() *matcher.GeoPoint {
	if c.str("lat") == "" && c.str("lon") == "" {
		return nil
	}
	if c.str("lat") == "" || c.str("lon") == "" {
		c.bad("lat", "give both lat and lon, or neither")
		return nil
	}
	return &matcher.GeoPoint{Lat: c.float("lat"), Lon: c.float("lon")}
}

// timeLayouts are the forms a time cell may take; a date alone is midnight,
// China Standard Time.
var timeLayouts = []string{time.RFC3339, "2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02", "2006/01/02 15:04", "2006/1/2 15:04", "2006/01/02", "2006/1/2"}

// CST is China Standard Time, the zone of times given without one.
var CST = time.FixedZone("CST", 8*3600)

// time reads a time cell. A date alone in the "to" column means the end
// of that day (结束 2026-12-31 includes the 31st).
func (c cells) time(col string) time.Time {
	s := c.num(col)
	if s == "" {
		return time.Time{}
	}
	if t, ok := Time(s, col == "to"); ok {
		return t
	}
	c.bad(col, "not a date or time: %q (use 2026-12-01 or 2026-12-01 18:00)", s)
	return time.Time{}
}

// levelNames maps Chinese level names to levels.
var levelNames = map[string]matcher.Level{
	"社区": matcher.Community, "村": matcher.Community, "社区级": matcher.Community, "村级": matcher.Community,
	"街道": matcher.Street, "镇": matcher.Street, "街镇": matcher.Street, "街道级": matcher.Street, "镇级": matcher.Street,
	"区": matcher.District, "区级": matcher.District,
}

// level reads a level: community/street/district or its Chinese name.
func (c cells) level() matcher.Level {
	return LevelOf(c.str("level"))
}

// statusNames maps Chinese item statuses to statuses.
var statusNames = map[string]matcher.ItemStatus{
	"开放": matcher.ItemOpen, "待认领": matcher.ItemOpen, "暂停": matcher.ItemPaused, "关闭": matcher.ItemClosed, "已完成": matcher.ItemClosed,
}

func (c cells) status() matcher.ItemStatus {
	return ItemStatusOf(c.str("status"))
}

// priorityNames maps the words spreadsheets use for urgency to priorities.
var priorityNames = map[string]int{"低": 1, "较低": 2, "一般": 3, "中": 3, "较高": 4, "高": 4, "紧急": 5}

// priority reads 1..5 or 低/较低/一般/中/较高/高/紧急.
func (c cells) priority() int {
	s := c.num("priority")
	n, ok := PriorityOf(s)
	if !ok {
		c.bad("priority", "must be 1 (low) to %d (urgent), or 低/一般/高/紧急; got %q", matcher.MaxPriority, s)
	}
	return n
}

// unitKindNames maps Chinese unit kinds to kinds.
var unitKindNames = map[string]matcher.UnitKind{
	"机关": matcher.KindAgency, "机关单位": matcher.KindAgency, "事业单位": matcher.KindAgency,
	"学校": matcher.KindSchool, "幼儿园": matcher.KindSchool,
	"企业": matcher.KindEnterprise, "公司": matcher.KindEnterprise,
	"银行": matcher.KindBank, "金融机构": matcher.KindBank,
	"商铺": matcher.KindShop, "商店": matcher.KindShop, "餐馆": matcher.KindShop, "个体工商户": matcher.KindShop,
	"社会组织": matcher.KindNGO, "部队": matcher.KindMilitary, "驻区部队": matcher.KindMilitary,
	"社区": matcher.KindCommunity, "社区党委": matcher.KindCommunity, "村": matcher.KindVillage, "村党组织": matcher.KindVillage,
	"医院": matcher.KindHospital, "卫生院": matcher.KindHospital, "诊所": matcher.KindHospital,
	"群团组织": matcher.KindMass,
}

// unitKind reads a unit's kind: a kind of the vocabulary by its English
// or Chinese name (学校, school), else the word as it is: 餐饮, 物业 are
// kinds too (the vocabulary grows with the data, as categories do).
func (c cells) unitKind() matcher.UnitKind {
	return UnitKindOf(c.str("kind"))
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// projectStatusNames maps Chinese project statuses to statuses.
var projectStatusNames = map[string]matcher.ProjectStatus{
	"筹备中": matcher.ProjectPlanned, "筹备": matcher.ProjectPlanned, "计划": matcher.ProjectPlanned, "进行中": matcher.ProjectRunning, "实施中": matcher.ProjectRunning,
	"已完成": matcher.ProjectDone, "完成": matcher.ProjectDone, "已取消": matcher.ProjectDropped, "取消": matcher.ProjectDropped,
}

func (c cells) projectStatus() matcher.ProjectStatus {
	return ProjectStatusOf(c.str("status"))
}

func (c cells) item(kind CSVKind) matcher.Item {
	it := matcher.Item{
		ID: c.str("id"), Unit: c.str("unit"), Category: c.str("category"),
		Title: c.str("title"), Description: c.str("description"), Tags: c.list("tags"),
		Quantity: c.int64("quantity"), Measure: c.str("measure"), Location: c.point(),
		RadiusKM: c.float("radius_km"), Priority: c.priority(),
		Status: c.status(), Level: c.level(),
		Project: c.str("project"), Optional: c.boolean("optional"),
	}
	switch kind {
	case CSVDemands:
		it.Kind = matcher.Demand
	case CSVResources:
		it.Kind = matcher.Resource
	default:
		k, ok := ItemKindOf(c.str("kind"))
		if !ok {
			c.bad("kind", "must be demand or resource (需求/资源), got %q", strings.ToLower(c.str("kind")))
		}
		it.Kind = k
	}
	from, to := c.time("from"), c.time("to")
	if !from.IsZero() || !to.IsZero() {
		if from.IsZero() {
			c.bad("from", "is required when to is given")
		}
		it.Windows = []matcher.Window{{From: from, To: to}}
	}
	return it
}
