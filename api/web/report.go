package web

import (
	"math"
	"net/http"
	"sort"

	"github.com/labstack/echo/v4"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/service"
)

// bar is one row of a server-drawn bar chart.
type bar struct {
	Label      string
	Need, Met  int64
	Y          int     // top of the row
	NeedW      float64 // bar widths in px
	MetW       float64
	Percent    int
	TextY      int
	ValueX     float64
	HasNeedBar bool
}

// chart is a horizontal bar chart: need (light) and met (dark) per row.
type chart struct {
	Bars   []bar
	Height int
	Width  int
	LabelW int
}

const (
	chartRow    = 26
	chartLabelW = 190
	chartBarW   = 420
)

func newChart(rows map[string]service.Tally, label func(string) string) chart {
	keys := make([]string, 0, len(rows))
	var max int64 = 1
	for k, t := range rows {
		keys = append(keys, k)
		if t.Need > max {
			max = t.Need
		}
		if t.Met > max {
			max = t.Met
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := rows[keys[i]], rows[keys[j]]
		if a.Need != b.Need {
			return a.Need > b.Need
		}
		return keys[i] < keys[j]
	})
	ch := chart{LabelW: chartLabelW, Width: chartLabelW + chartBarW + 90, Height: len(keys)*chartRow + 8}
	for i, k := range keys {
		t := rows[k]
		b := bar{Label: label(k), Need: t.Need, Met: t.Met, Y: 4 + i*chartRow, TextY: 4 + i*chartRow + 16}
		b.NeedW = math.Round(float64(t.Need)/float64(max)*chartBarW*10) / 10
		b.MetW = math.Round(float64(t.Met)/float64(max)*chartBarW*10) / 10
		b.HasNeedBar = t.Need > 0
		if t.Need > 0 {
			b.Percent = int(t.Met * 100 / t.Need)
		}
		b.ValueX = float64(chartLabelW) + math.Max(b.NeedW, b.MetW) + 6
		ch.Bars = append(ch.Bars, b)
	}
	return ch
}

type reportData struct {
	Meeting    *matcher.Alliance
	R          *service.Report
	ByCategory chart
	ByGrid     chart
	ByUnit     chart
	Statuses   []statusCount
	Percent    int
}

type statusCount struct {
	Status string
	N      int
}

func (s *site) report(c echo.Context) error {
	a := actorOf(c)
	id := c.Param("id")
	r, err := s.Service().MeetingReport(a, id)
	if err != nil {
		return err
	}
	sn := s.Service().Store.Snapshot()
	al, err := sn.Alliance(id)
	if err != nil {
		return errNotFound
	}
	n := names{sn: sn, lang: langFrom(c)}
	d := reportData{Meeting: al, R: r,
		ByCategory: newChart(r.ByCategory, n.Category),
		ByGrid:     newChart(r.ByGrid, n.Grid),
		ByUnit:     newChart(r.ByUnit, n.Unit),
	}
	if r.Total.Need > 0 {
		d.Percent = int(r.Total.Met * 100 / r.Total.Need)
	}
	for _, st := range []matcher.ClaimStatus{matcher.ClaimProposed, matcher.ClaimConfirmed, matcher.ClaimFulfilled, matcher.ClaimRejected, matcher.ClaimWithdrawn, matcher.ClaimExpired} {
		d.Statuses = append(d.Statuses, statusCount{Status: string(st), N: r.Claims[st]})
	}
	return s.render(c, http.StatusOK, "report", d)
}
