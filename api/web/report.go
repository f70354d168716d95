package web

import (
	"fmt"
	"math"
	"net/http"
	"sort"

	"github.com/labstack/echo/v4"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/match"
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

// The map: units and red grids of a meeting's scope, projected from WGS-84
// (equirectangular around the scope's mean latitude, enough for a district).

type mapPoint struct {
	X, Y  float64
	Label string
	Kind  string
	Title string
}

type mapLine struct {
	X1, Y1, X2, Y2 float64
	Class          string
}

type mapData struct {
	Meeting   *matcher.Alliance
	W, H      int
	Units     []mapPoint
	Grids     []mapPoint
	Links     []mapLine // grid neighbours
	Claims    []mapLine // confirmed (solid) and proposed (dashed) claims
	Missing   []string  // units without coordinates
	ScaleKM   float64
	ScaleW    float64
	ScaleText string
}

func (s *site) mapPage(c echo.Context) error {
	a := actorOf(c)
	id := c.Param("id")
	sn := s.Service().Store.Snapshot()
	al, err := sn.Alliance(id)
	if err != nil || !service.CanRunMeeting(sn.Reader, a, id) {
		return errNotFound
	}
	sc, err := match.ResolveScope(sn.Reader, id)
	if err != nil {
		return err
	}
	inScope := map[string]bool{}
	for _, x := range sc.Alliances {
		inScope[x] = true
	}
	type geo struct {
		p     matcher.GeoPoint
		label string
		kind  string
		title string
	}
	var units, grids []geo
	pos := map[string]matcher.GeoPoint{}
	d := mapData{Meeting: al, W: 900, H: 640}
	for _, uid := range sc.Units() {
		u := sn.UnitRaw(uid)
		if u == nil {
			continue
		}
		p := u.Location
		if p == nil && u.Grid != "" {
			if g, err := sn.Grid(u.Grid); err == nil {
				p = g.Centre
			}
		}
		if p == nil {
			d.Missing = append(d.Missing, u.Name)
			continue
		}
		pos[uid] = *p
		units = append(units, geo{*p, u.Name, string(u.Kind), fmt.Sprintf("%s (%.4f, %.4f)", u.Name, p.Lat, p.Lon)})
	}
	gridPos := map[string]matcher.GeoPoint{}
	for g := range sn.Grids() {
		if g.Centre == nil || !inScope[g.Alliance] {
			continue
		}
		gridPos[g.ID] = *g.Centre
		grids = append(grids, geo{*g.Centre, g.Name, "grid", g.Name})
	}
	all := append(append([]geo{}, units...), grids...)
	if len(all) == 0 {
		return s.render(c, http.StatusOK, "map", d)
	}
	minLat, maxLat, minLon, maxLon := 90.0, -90.0, 180.0, -180.0
	for _, g := range all {
		minLat, maxLat = math.Min(minLat, g.p.Lat), math.Max(maxLat, g.p.Lat)
		minLon, maxLon = math.Min(minLon, g.p.Lon), math.Max(maxLon, g.p.Lon)
	}
	kx := math.Cos((minLat + maxLat) / 2 * math.Pi / 180) // km per degree of longitude shrinks with latitude
	spanX := math.Max((maxLon-minLon)*kx, 1e-4)
	spanY := math.Max(maxLat-minLat, 1e-4)
	const pad = 40.0
	scale := math.Min((float64(d.W)-2*pad)/spanX, (float64(d.H)-2*pad)/spanY)
	proj := func(p matcher.GeoPoint) (float64, float64) {
		x := pad + (p.Lon-minLon)*kx*scale
		y := float64(d.H) - pad - (p.Lat-minLat)*scale
		return math.Round(x*10) / 10, math.Round(y*10) / 10
	}
	for _, g := range units {
		x, y := proj(g.p)
		d.Units = append(d.Units, mapPoint{X: x, Y: y, Label: g.label, Kind: g.kind, Title: g.title})
	}
	for _, g := range grids {
		x, y := proj(g.p)
		d.Grids = append(d.Grids, mapPoint{X: x, Y: y, Label: g.label, Kind: "grid", Title: g.title})
	}
	for g := range sn.Grids() {
		p, ok := gridPos[g.ID]
		if !ok {
			continue
		}
		for _, nb := range g.Neighbours {
			q, ok := gridPos[nb]
			if !ok || nb < g.ID {
				continue
			}
			x1, y1 := proj(p)
			x2, y2 := proj(q)
			d.Links = append(d.Links, mapLine{x1, y1, x2, y2, "link"})
		}
	}
	for cl := range sn.ClaimsOfMeeting(id) {
		p, ok1 := pos[cl.ResourceUnit]
		q, ok2 := pos[cl.DemandUnit]
		if !ok1 || !ok2 || !(cl.Status == matcher.ClaimProposed || cl.Status.Holds()) {
			continue
		}
		x1, y1 := proj(p)
		x2, y2 := proj(q)
		class := "claim-proposed"
		if cl.Status.Holds() {
			class = "claim-confirmed"
		}
		d.Claims = append(d.Claims, mapLine{x1, y1, x2, y2, class})
	}
	// A scale bar of a round number of km, about a fifth of the width.
	km := (float64(d.W) / 5) / scale * 111.32
	step := math.Pow(10, math.Floor(math.Log10(km)))
	for _, m := range []float64{5, 2, 1} {
		if m*step <= km {
			step *= m
			break
		}
	}
	d.ScaleKM = step
	d.ScaleW = math.Round(step/111.32*scale*10) / 10
	d.ScaleText = fmt.Sprintf("%g km", step)
	return s.render(c, http.StatusOK, "map", d)
}
