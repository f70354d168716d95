package web

import (
	"cmp"
	"math"
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"

	"github.com/allymatch/allymatch/matcher/service"
)

// The report: the meeting's demands met in full, in part and not at all,
// counted (a count of demands is the one number that adds up across
// measures), by category, red grid and unit, each row's quantities per
// measure beside it; the claims by status. A chart holds at most
// chartRows rows, the most demands first; the rest are counted.

// bar is one row of a server-drawn bar chart: the demands met in full
// (dark), in part (middle) and not at all (light).
type bar struct {
	Label              string
	Demands, Met, Part int
	Y, TextY           int
	MetW, PartW, RestW float64 // segment widths in px
	PartX, RestX       float64
	ValueX             float64
	Percent            int    // of the demands, met in full
	Measures           string // the row's quantities, per measure
}

// chart is a horizontal bar chart of demands by how they are met.
type chart struct {
	Bars   []bar
	Height int
	Width  int
	LabelW int
	More   int // rows left out (the fewest demands)
}

const (
	chartRow    = 26
	chartLabelW = 190
	chartBarW   = 420
	chartRows   = 15
)

// measuresText says a tally's quantities per measure: "人次 80/120、元 5000/8000".
func measuresText(l *Lang, t service.Tally) string {
	out := ""
	for i, m := range t.Measures {
		if i > 0 {
			out += l.T("list.sep")
		}
		out += l.T("report.measure", m.Met, m.Need, m.Measure)
	}
	return out
}

func newChart(l *Lang, rows map[string]service.Tally, label func(string) string) chart {
	keys := make([]string, 0, len(rows))
	most := 1
	for k, t := range rows {
		keys = append(keys, k)
		most = max(most, t.Demands)
	}
	slices.SortFunc(keys, func(a, b string) int { return cmp.Or(cmp.Compare(rows[b].Demands, rows[a].Demands), cmp.Compare(a, b)) })
	ch := chart{LabelW: chartLabelW, Width: chartLabelW + chartBarW + 110}
	if len(keys) > chartRows {
		ch.More = len(keys) - chartRows
		keys = keys[:chartRows]
	}
	ch.Height = len(keys)*chartRow + 8
	px := func(n int) float64 { return math.Round(float64(n)/float64(most)*chartBarW*10) / 10 }
	for i, k := range keys {
		t := rows[k]
		b := bar{Label: label(k), Demands: t.Demands, Met: t.Met, Part: t.Partly, Y: 4 + i*chartRow, TextY: 4 + i*chartRow + 16, Measures: measuresText(l, t)}
		b.MetW, b.PartW, b.RestW = px(t.Met), px(t.Partly), px(t.Demands-t.Met-t.Partly)
		b.PartX = float64(chartLabelW) + b.MetW
		b.RestX = b.PartX + b.PartW
		b.ValueX = b.RestX + b.RestW + 6
		if t.Demands > 0 {
			b.Percent = t.Met * 100 / t.Demands
		}
		ch.Bars = append(ch.Bars, b)
	}
	return ch
}

type reportData struct {
	meetingHead
	R          *service.Report
	ByCategory chart
	ByGrid     chart
	ByUnit     chart
	Statuses   []statusCount
	Percent    int // of the demands, met in full
	Unmet      int // demands not met at all
}

type statusCount struct {
	Status string
	N      int
}

func (s *site) report(c echo.Context) error {
	al, n, err := s.meetingOf(c)
	if err != nil {
		return err
	}
	r, err := s.Service().MeetingReport(actorOf(c), al.ID)
	if err != nil {
		return err
	}
	l := n.lang
	d := reportData{meetingHead: headOf(al, n), R: r,
		ByCategory: newChart(l, r.ByCategory, n.Category),
		ByGrid:     newChart(l, r.ByGrid, n.Grid),
		ByUnit:     newChart(l, r.ByUnit, n.Unit),
		Unmet:      r.Total.Demands - r.Total.Met - r.Total.Partly,
	}
	if r.Total.Demands > 0 {
		d.Percent = r.Total.Met * 100 / r.Total.Demands
	}
	for _, st := range claimStatuses {
		d.Statuses = append(d.Statuses, statusCount{Status: string(st), N: r.Claims[st]})
	}
	return s.render(c, http.StatusOK, "report", d)
}
