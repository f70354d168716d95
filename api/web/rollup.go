package web

import (
	"bytes"
	"cmp"
	"math"
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/bundle"
	"github.com/allymatch/allymatch/matcher/service"
)

// The district roll-up (区域汇总, /ui/rollup/ID): an alliance and every
// alliance below it, read from service.Rollup (the live plan, never a
// solve). The totals first, then the alliances directly below (the
// drill-down, district → street → community), the demands by measure
// family and category (charts), the unmet hot spots by red grid (a map),
// the projects blocked and by which slot, each meeting's answers, and the
// weekly funnel from proposals to fulfilled claims. Its figures download
// as .xlsx (/ui/rollup/ID/export.xlsx), the same numbers as the page.

// rollupWeeks is how many weeks the funnel chart draws (the latest).
const rollupWeeks = 12

// rollupSpots bounds the red grids drawn on the hot-spot map (the most
// open demands first); rollupSpotList how many are listed beside it.
const (
	rollupValueW   = 110
	rollupSpots    = 300
	rollupSpotList = 10
)

// spot is one red grid on the hot-spot map.
type spot struct {
	ID, Name string
	Open     int // demands with a shortfall
	Demands  int
	X, Y, R  float64
	Link     string
}

// weekBar is one week of the funnel chart.
type weekBar struct {
	service.RollupWeek
	Label                     string
	X                         int
	PY, PH, CY, CH, FY, FH    float64 // the three bars' top and height
	PX, CX, FX, TextX, LabelY int
}

type rollupData struct {
	R          *service.Rollup
	N          names
	ByFamily   chart
	ByCategory chart
	Families   []service.RollupKey
	Unmet      int // demands not met at all
	Percent    int
	Spots      []spot
	SpotList   []spot
	SpotsMore  int
	MapW, MapH int
	NoPlace    int // grids with open demands the map cannot place
	Weeks      []weekBar
	WeeksW     int
	WeeksH     int
	WeeksMore  int
	Meetings   []rollupMeetingRow
	// Blocked are the first rollupBlockedRows blocked projects (by meeting
	// in the tree's order, then by id); BlockedMore counts the others.
	Blocked     []service.RollupProject
	BlockedMore int
	// MeetingsMore counts the meetings left out of the answers table
	// (those with the fewest overdue and waiting answers).
	MeetingsMore int
}

// rollupMeetingRows bounds the answers table: a district has hundreds of
// meetings, each reached through the drill-down and all in the sheet.
const rollupMeetingRows = 40

// rollupBlockedRows bounds the blocked projects listed (a district has
// thousands; all are in the sheet, and each meeting's count in the
// answers table).
const rollupBlockedRows = 30

// meetings picks the rows of the answers table: every meeting, or past
// rollupMeetingRows the roll-up's own and those with the most overdue,
// then waiting answers; in the tree's order.
func (d *rollupData) meetings() {
	ms := d.R.Meetings
	keep := make([]bool, len(ms))
	if len(ms) <= rollupMeetingRows {
		for i := range keep {
			keep[i] = true
		}
	} else {
		order := make([]int, 0, len(ms)-1)
		for i := 1; i < len(ms); i++ {
			order = append(order, i)
		}
		slices.SortStableFunc(order, func(x, y int) int {
			a, b := ms[x].Answers, ms[y].Answers
			return cmp.Or(cmp.Compare(b.Overdue, a.Overdue), cmp.Compare(b.Waiting, a.Waiting))
		})
		keep[0] = true
		for _, i := range order[:rollupMeetingRows-1] {
			keep[i] = true
		}
		d.MeetingsMore = len(ms) - rollupMeetingRows
	}
	for i, m := range ms {
		if keep[i] {
			d.Meetings = append(d.Meetings, rollupMeetingRow{RollupMeeting: m, Indent: m.Depth * 2})
		}
	}
}

type rollupMeetingRow struct {
	service.RollupMeeting
	Indent int // em
}

// tallies turns roll-up keys into the report's rows, for its charts.
func tallies(keys []service.RollupKey) map[string]service.Tally {
	out := make(map[string]service.Tally, len(keys))
	for _, k := range keys {
		t := service.Tally{Demands: k.Demands, Met: k.Met, Partly: k.Partly}
		for _, m := range k.Measures {
			t.Measures = append(t.Measures, service.MeasureQuantity{Measure: m.Measure, Need: m.Need, Met: m.Met})
		}
		out[k.Key] = t
	}
	return out
}

// familyName is a measure family's name in l.
func familyName(l *Lang, f string) string {
	if k := "ru.family." + f; l.Has(k) {
		return l.T(k)
	}
	return f
}

func (s *site) rollupOf(c echo.Context) (*service.Rollup, names, error) {
	n := namesOf(c, s.Service().View(actorOf(c)))
	r, err := s.Service().Rollup(actorOf(c), c.Param("id"))
	if matcher.ErrorCode(err) == matcher.ENOTFOUND {
		return nil, n, errNotFound
	}
	return r, n, err
}

func (s *site) rollupPage(c echo.Context) error {
	r, n, err := s.rollupOf(c)
	if err != nil {
		return err
	}
	l := n.lang
	d := rollupData{R: r, N: n, Families: r.ByFamily, Unmet: r.Demands.Demands - r.Demands.Met - r.Demands.Partly}
	if r.Demands.Demands > 0 {
		d.Percent = r.Demands.Met * 100 / r.Demands.Demands
	}
	d.ByFamily = newChart(l, tallies(r.ByFamily), func(f string) string { return familyName(l, f) })
	d.ByCategory = newChart(l, tallies(r.ByCategory), n.Category)
	// Room for the value beside the longest bar (the report's charts
	// leave 110 px, short of "0 项全部、0 项部分满足 / 共 12 项").
	d.ByFamily.Width += rollupValueW
	d.ByCategory.Width += rollupValueW
	s.hotSpots(&d)
	d.weeks(l)
	d.meetings()
	d.Blocked = r.Projects.List[:min(len(r.Projects.List), rollupBlockedRows)]
	d.BlockedMore = len(r.Projects.List) - len(d.Blocked)
	return s.render(c, http.StatusOK, "rollup", d)
}

// hotSpots places the red grids with open demands on a map: each grid at
// its centre (or the mean of its units' places), a circle whose area
// grows with its open demands, linked to its community's map zoomed
// into it.
func (s *site) hotSpots(d *rollupData) {
	v := d.N.v
	sn := v.Reader()
	keys := slices.Clone(d.R.ByGrid)
	slices.SortStableFunc(keys, func(x, y service.RollupKey) int { return cmp.Compare(y.Open, x.Open) })
	type placed struct {
		spot
		p matcher.GeoPoint
	}
	var ps []placed
	most := 1
	for _, k := range keys {
		if k.Open == 0 || k.Key == "" {
			continue
		}
		if len(ps) == rollupSpots {
			d.SpotsMore++
			continue
		}
		g, err := sn.Grid(k.Key)
		if err != nil {
			continue
		}
		p := g.Centre
		if p == nil {
			var sum matcher.GeoPoint
			n := 0
			for u := range sn.UnitsInGrid(g.ID) {
				if u.Location != nil {
					sum.Lat, sum.Lon, n = sum.Lat+u.Location.Lat, sum.Lon+u.Location.Lon, n+1
				}
			}
			if n > 0 {
				p = &matcher.GeoPoint{Lat: sum.Lat / float64(n), Lon: sum.Lon / float64(n)}
			}
		}
		if p == nil {
			d.NoPlace++
			continue
		}
		sp := spot{ID: g.ID, Name: g.Name, Open: k.Open, Demands: k.Demands}
		meeting := g.Alliance
		if meeting == "" || !v.CanRunMeeting(meeting) {
			meeting = d.R.Alliance
		}
		sp.Link = Prefix + "/meetings/" + meeting + "/map?grid=" + g.ID
		most = max(most, k.Open)
		ps = append(ps, placed{sp, *p})
	}
	d.MapW, d.MapH = 640, 420
	if len(ps) == 0 {
		return
	}
	minLat, maxLat, minLon, maxLon := ps[0].p.Lat, ps[0].p.Lat, ps[0].p.Lon, ps[0].p.Lon
	for _, p := range ps {
		minLat, maxLat = min(minLat, p.p.Lat), max(maxLat, p.p.Lat)
		minLon, maxLon = min(minLon, p.p.Lon), max(maxLon, p.p.Lon)
	}
	kx := math.Cos((minLat + maxLat) / 2 * math.Pi / 180)
	w, h := max((maxLon-minLon)*kx, 1e-6), max(maxLat-minLat, 1e-6)
	const pad = 40.0
	scale := min((float64(d.MapW)-2*pad)/w, (float64(d.MapH)-2*pad)/h)
	round := func(v float64) float64 { return math.Round(v*10) / 10 }
	for _, p := range ps {
		sp := p.spot
		sp.X = round(pad + ((p.p.Lon-minLon)*kx)*scale + (float64(d.MapW)-2*pad-w*scale)/2)
		sp.Y = round(pad + (maxLat-p.p.Lat)*scale + (float64(d.MapH)-2*pad-h*scale)/2)
		sp.R = round(4 + 22*math.Sqrt(float64(sp.Open)/float64(most)))
		d.Spots = append(d.Spots, sp)
	}
	// The largest first in the list; drawn smallest last, so that every
	// small circle stays on top of a large one.
	d.SpotList = d.Spots[:min(len(d.Spots), rollupSpotList)]
	draw := slices.Clone(d.Spots)
	slices.SortStableFunc(draw, func(x, y spot) int { return cmp.Compare(y.R, x.R) })
	d.Spots = draw
}

// weeks draws the funnel's latest weeks as groups of three bars.
func (d *rollupData) weeks(l *Lang) {
	ws := d.R.Weeks
	if len(ws) > rollupWeeks {
		d.WeeksMore = len(ws) - rollupWeeks
		ws = ws[len(ws)-rollupWeeks:]
	}
	const barW, gap, plotH, top = 14, 16, 150, 18
	most := 1
	for _, w := range ws {
		most = max(most, w.Proposed, w.Confirmed, w.Fulfilled)
	}
	hOf := func(n int) float64 { return math.Round(float64(n)/float64(most)*plotH*10) / 10 }
	for i, w := range ws {
		x := 10 + i*(3*barW+gap)
		b := weekBar{RollupWeek: w, X: x, PX: x, CX: x + barW, FX: x + 2*barW, TextX: x + 3*barW/2, LabelY: top + plotH + 16}
		b.PH, b.CH, b.FH = hOf(w.Proposed), hOf(w.Confirmed), hOf(w.Fulfilled)
		b.PY, b.CY, b.FY = top+plotH-b.PH, top+plotH-b.CH, top+plotH-b.FH
		b.Label = w.Week[5:] // MM-DD
		d.Weeks = append(d.Weeks, b)
	}
	d.WeeksW = 20 + len(ws)*(3*barW+gap)
	d.WeeksH = top + plotH + 24
}

// rollupSheets are the roll-up's figures as sheets: the meetings (the
// alliance first), the demands by measure family, category and red grid
// (a row per measure), the blocked projects and the weeks. The page
// shows the same numbers.
func rollupSheets(r *service.Rollup, n names) []bundle.Sheet {
	l := n.lang
	split := func(key string) []string { return splitHeader(l.T(key)) }
	meetings := bundle.Sheet{Name: l.T("ru.sheet.meetings"), Header: split("ru.sheet.meetings.header")}
	row := func(id, name, level string, d service.RollupCount, p service.RollupProjects, a service.RollupAnswers) []any {
		return []any{id, name, level, d.Demands, d.Met, d.Partly, d.Open, a.Claims, a.Answered, a.Rate, a.Waiting, a.Overdue, p.Launched, p.Ready, p.Blocked}
	}
	meetings.Rows = append(meetings.Rows, row(r.Alliance, l.T("ru.sheet.all", r.Name), l.T("level."+string(r.Level)), r.Demands, r.Projects, r.Answers))
	for _, c := range r.Children {
		meetings.Rows = append(meetings.Rows, row(c.Alliance, l.T("ru.sheet.below", c.Name), l.T("level."+string(c.Level)), c.Demands, c.Projects, c.Answers))
	}
	for _, m := range r.Meetings {
		meetings.Rows = append(meetings.Rows, row(m.Alliance, m.Name, l.T("level."+string(m.Level)), m.Demands, m.Projects, m.Answers))
	}
	keys := bundle.Sheet{Name: l.T("ru.sheet.demands"), Header: split("ru.sheet.demands.header")}
	add := func(dim string, ks []service.RollupKey, name func(string) string) {
		for _, k := range ks {
			if len(k.Measures) == 0 {
				keys.Rows = append(keys.Rows, []any{dim, k.Key, name(k.Key), k.Demands, k.Met, k.Partly, k.Open, nil, nil, nil, nil, nil})
			}
			for i, m := range k.Measures {
				if i == 0 {
					keys.Rows = append(keys.Rows, []any{dim, k.Key, name(k.Key), k.Demands, k.Met, k.Partly, k.Open, m.Measure, m.Need, m.Met, m.Proposed, m.Open})
				} else {
					keys.Rows = append(keys.Rows, []any{dim, k.Key, name(k.Key), nil, nil, nil, nil, m.Measure, m.Need, m.Met, m.Proposed, m.Open})
				}
			}
		}
	}
	add(l.T("ru.byfamily"), r.ByFamily, func(f string) string { return familyName(l, f) })
	add(l.T("report.bycategory"), r.ByCategory, n.Category)
	add(l.T("report.bygrid"), r.ByGrid, n.Grid)
	add(l.T("report.total"), []service.RollupKey{{Key: r.Alliance, RollupCount: r.Demands}}, func(string) string { return r.Name })
	projects := bundle.Sheet{Name: l.T("ru.sheet.projects"), Header: split("ru.sheet.projects.header")}
	for _, p := range r.Projects.List {
		projects.Rows = append(projects.Rows, []any{p.Project, p.Name, n.Unit(p.Unit), n.Alliance(p.Meeting), p.Slot, n.Item(p.Slot).Title, p.Open, p.Measure})
	}
	weeks := bundle.Sheet{Name: l.T("ru.sheet.weeks"), Header: split("ru.sheet.weeks.header")}
	for _, w := range r.Weeks {
		weeks.Rows = append(weeks.Rows, []any{w.Week, w.Proposed, w.Confirmed, w.Fulfilled})
	}
	return []bundle.Sheet{meetings, keys, projects, weeks}
}

func splitHeader(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '|' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// rollupExport sends the roll-up's figures as .xlsx (formula-like text
// written as text: bundle.WriteXLSX).
func (s *site) rollupExport(c echo.Context) error {
	r, n, err := s.rollupOf(c)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := bundle.WriteXLSX(&buf, rollupSheets(r, n)); err != nil {
		return err
	}
	return sendFile(c, r.Alliance+"-rollup.xlsx", buf.Bytes())
}

// homeOverview is a roll-up at a glance on the home page: the caller's
// alliance (the admin: each alliance at the top), its totals and the
// alliances below it.
type homeOverview struct {
	R       *service.Rollup
	Percent int
}

// maxHomeOverviews bounds the roll-ups the admin's home page shows.
const maxHomeOverviews = 4

// overviews returns the home page's roll-ups for a: a coordinator's own
// alliance; for the admin the alliances without a parent, by id.
func (s *site) overviews(a matcher.Actor) ([]homeOverview, error) {
	var tops []string
	switch a.Role {
	case matcher.RoleCoordinator:
		tops = []string{a.ID}
	case matcher.RoleAdmin, matcher.RoleSystem:
		all, err := s.Service().Alliances(a)
		if err != nil {
			return nil, err
		}
		for al := range all {
			if al.Parent == "" && len(tops) < maxHomeOverviews {
				tops = append(tops, al.ID)
			}
		}
	}
	var out []homeOverview
	for _, id := range tops {
		r, err := s.Service().Rollup(a, id)
		if err != nil {
			return nil, err
		}
		o := homeOverview{R: r}
		if r.Demands.Demands > 0 {
			o.Percent = r.Demands.Met * 100 / r.Demands.Demands
		}
		out = append(out, o)
	}
	return out, nil
}

// The roll-up's words, Chinese and English side by side: they join both
// languages at start.
func init() { addWords(rollupWords) }

var rollupWords = map[string][2]string{
	"ru.title":                 {"区域汇总", "District roll-up"},
	"ru.link":                  {"区域汇总", "Roll-up"},
	"ru.up":                    {"↑ 上级：%s", "↑ Above: %s"},
	"ru.meeting":               {"本级联席会", "This joint meeting"},
	"ru.export":                {"下载汇总表（.xlsx）", "Download the figures (.xlsx)"},
	"ru.total.line":            {"需求 %d 项：全部满足 %d 项，部分满足 %d 项，尚未满足 %d 项（全部满足的占 %d%%）；其中 %d 项仍有缺口，已确认的认领和现有匹配建议都未覆盖。", "%d demands: %d met in full, %d in part, %d not yet (%d%% met in full); %d still short, covered neither by confirmed claims nor by the proposals."},
	"ru.glance":                {"会议 %d 个 · 认领 %d 条，已答复 %d%% · 待答复 %d 条，已逾期 %d 条 · 项目已启动 %d 个、可启动 %d 个、受阻 %d 个", "%d meetings · %d claims, %d%% answered · %d waiting, %d overdue · projects: %d launched, %d ready, %d blocked"},
	"ru.children":              {"下级联盟", "Alliances below"},
	"ru.col.alliance":          {"联盟", "Alliance"},
	"ru.col.meetings":          {"会议数", "Meetings"},
	"ru.col.demands":           {"需求", "Demands"},
	"ru.col.met":               {"全部满足", "Met"},
	"ru.col.partly":            {"部分满足", "In part"},
	"ru.col.open":              {"仍有缺口", "Short"},
	"ru.col.rate":              {"答复率", "Answered"},
	"ru.col.waiting":           {"待答复", "Waiting"},
	"ru.col.overdue":           {"已逾期", "Overdue"},
	"ru.col.blocked":           {"受阻项目", "Blocked projects"},
	"ru.col.claims":            {"认领", "Claims"},
	"ru.col.answered":          {"已答复", "Answered"},
	"ru.col.measure":           {"计量单位", "Measure"},
	"ru.col.need":              {"需求量", "Demanded"},
	"ru.col.held":              {"已确认", "Confirmed"},
	"ru.col.proposed":          {"已建议", "Proposed"},
	"ru.col.openq":             {"缺口", "Short"},
	"ru.byfamily":              {"按计量类别", "By measure family"},
	"ru.bycategory":            {"按需求类别", "By category"},
	"ru.spots":                 {"未满足热点（红色网格）", "Unmet hot spots (red grids)"},
	"ru.spots.hint":            {"圆越大，仍有缺口的需求越多；点击圆圈查看该网格的地图。", "The larger the circle, the more demands still short; a circle opens the grid's map."},
	"ru.spots.none":            {"没有仍有缺口的需求。", "No demand is short."},
	"ru.spots.more":            {"另有 %d 个网格缺口较小，未画出。", "%d more grids with smaller shortfalls are not drawn."},
	"ru.spots.noplace":         {"%d 个网格没有坐标，未画出。", "%d grids without coordinates are not drawn."},
	"ru.spot":                  {"%s：%d 项需求仍有缺口（共 %d 项）", "%s: %d demands short (of %d)"},
	"ru.col.grid":              {"红色网格", "Red grid"},
	"ru.projects":              {"项目", "Projects"},
	"ru.projects.line":         {"已启动 %d 个，可启动 %d 个（必需岗位都已确认或已有建议），受阻 %d 个，已放弃 %d 个。", "%d launched, %d ready (every required slot confirmed or proposed), %d blocked, %d dropped."},
	"ru.col.project":           {"项目", "Project"},
	"ru.col.meetingof":         {"联席会", "Meeting"},
	"ru.col.slot":              {"受阻于必需岗位", "Blocked by required slot"},
	"ru.col.short":             {"缺口", "Short"},
	"ru.projects.none":         {"没有受阻的项目。", "No project is blocked."},
	"ru.projects.more":         {"另有 %d 个受阻项目未列出，见汇总表。", "%d more blocked projects are not listed: see the spreadsheet."},
	"ru.answers":               {"各联席会答复情况", "Answers by meeting"},
	"ru.answers.hint":          {"认领不计已过期的建议；已答复指已确认、已完成、已拒绝或已撤回。", "Claims leave out expired proposals; answered means confirmed, fulfilled, rejected or withdrawn."},
	"ru.answers.more":          {"另有 %d 个联席会待答复和逾期较少，未列出：见下级联盟的汇总或汇总表。", "%d more meetings with fewer overdue and waiting answers are not listed: see the roll-ups below, or the spreadsheet."},
	"ru.weeks":                 {"每周进展：建议 → 确认 → 完成", "Week by week: proposed → confirmed → fulfilled"},
	"ru.weeks.hint":            {"按审计日志统计（北京时间，周一起）。", "From the audit log (China Standard Time, weeks from Monday)."},
	"ru.weeks.none":            {"审计日志中还没有建议。", "No proposal in the audit log yet."},
	"ru.weeks.more":            {"更早的 %d 周未画出，见汇总表。", "%d earlier weeks are not drawn: see the spreadsheet."},
	"ru.legend.proposed":       {"新建议", "proposed"},
	"ru.legend.confirmed":      {"双方确认", "confirmed"},
	"ru.legend.fulfilled":      {"已完成", "fulfilled"},
	"ru.week.bar":              {"%s 当周：建议 %d 条，确认 %d 条，完成 %d 条", "week of %s: %d proposed, %d confirmed, %d fulfilled"},
	"ru.family.people":         {"人次类", "people"},
	"ru.family.sessions":       {"场次类", "sessions"},
	"ru.family.hours":          {"课时类", "hours"},
	"ru.family.goods":          {"物资类", "goods"},
	"ru.family.money":          {"资金类", "money"},
	"ru.family.places":         {"场所类", "places"},
	"ru.family.other":          {"其他计量", "other measures"},
	"ru.sheet.meetings":        {"汇总", "Roll-up"},
	"ru.sheet.meetings.header": {"联盟编号|名称|层级|需求项数|全部满足|部分满足|仍有缺口|认领|已答复|答复率（%）|待答复|已逾期|已启动项目|可启动项目|受阻项目", "Alliance id|Name|Level|Demands|Met in full|Met in part|Short|Claims|Answered|Answered (%)|Waiting|Overdue|Projects launched|Projects ready|Projects blocked"},
	"ru.sheet.all":             {"%s（合计）", "%s (total)"},
	"ru.sheet.below":           {"%s（含下级）", "%s (and below)"},
	"ru.sheet.demands":         {"需求", "Demands"},
	"ru.sheet.demands.header":  {"维度|编号|名称|需求项数|全部满足|部分满足|仍有缺口|计量单位|需求量|已确认|已建议|缺口", "By|Id|Name|Demands|Met in full|Met in part|Short|Measure|Demanded|Confirmed|Proposed|Short"},
	"ru.sheet.projects":        {"受阻项目", "Blocked projects"},
	"ru.sheet.projects.header": {"项目编号|项目|单位|联席会|受阻岗位|岗位名称|缺口|计量单位", "Project id|Project|Unit|Meeting|Blocking slot|Slot|Short|Measure"},
	"ru.sheet.weeks":           {"每周进展", "Weeks"},
	"ru.sheet.weeks.monday":    {"当周（周一）", "Week of"},
	"ru.sheet.weeks.header":    {"周一|新建议|双方确认|已完成", "Monday|Proposed|Confirmed|Fulfilled"},
	"home.overview":            {"区域概览", "Overview"},
	"home.overview.more":       {"查看汇总 →", "Open the roll-up →"},
}
