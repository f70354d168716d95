package web

import (
	"cmp"
	"math"
	"net/http"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/match"
)

// The map: the units and red grids of a meeting's scope, projected from
// WGS-84 (equirectangular around the scope's mean latitude, enough for a
// district), with the meeting's claims as lines. Above mapClusterAt units
// it draws each red grid as one circle with its number of units (a link
// that zooms into the grid: its units, and the grids next to it as
// circles). Labels never overlap: each is placed if it fits where no other
// is, the others are listed beside the map with the numbers drawn on it.

// mapClusterAt is the number of units above which the map draws grids,
// not units.
const mapClusterAt = 200

// mapMaxLines bounds the claim lines drawn (the busiest pairs first).
const mapMaxLines = 400

type mapPoint struct {
	X, Y   float64
	R      float64 // a cluster's radius
	Label  string  // drawn beside the point ("" when it did not fit: then listed beside the map)
	Name   string  // the full name, in the title and the list
	Kind   string
	Count  int    // units of a cluster
	Link   string // a cluster's zoom
	LabelX float64
	LabelY float64
	Anchor string
}

type mapLine struct {
	X1, Y1, X2, Y2 float64
	Class          string
	W              float64
}

type mapData struct {
	meetingHead
	W, H      int
	Clusters  bool   // grids drawn as clusters
	Grid      string // the grid zoomed into ("" for the whole scope)
	GridName  string
	Points    []mapPoint // units, or clusters
	Grids     []mapPoint // grid centres (units view)
	Links     []mapLine  // grid neighbours
	Claims    []mapLine  // confirmed (solid) and proposed (dashed)
	Listed    []mapPoint // the points whose labels did not fit
	Next      []mapPoint // the grids next to the one zoomed into
	Missing   []string   // units without coordinates
	Units     int        // units drawn (or counted in clusters)
	ScaleW    float64
	ScaleText string
	Lines     int // claim lines left out past mapMaxLines
}

// geo is a point of the scope before projection.
type geo struct {
	p    matcher.GeoPoint
	id   string
	name string
	kind string
	grid string
}

func (s *site) mapPage(c echo.Context) error {
	al, n, err := s.meetingOf(c)
	if err != nil {
		return err
	}
	sn := n.v.Reader()
	sc, err := match.ResolveScope(sn, al.ID)
	if err != nil {
		return err
	}
	l := n.lang
	d := &mapData{meetingHead: headOf(al, n), W: 900, H: 640}
	inScope := map[string]bool{}
	for _, x := range sc.Alliances {
		inScope[x] = true
	}
	var units []geo
	byGrid := map[string][]geo{}
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
		g := geo{*p, u.ID, u.Name, string(u.Kind), u.Grid}
		units = append(units, g)
		byGrid[u.Grid] = append(byGrid[u.Grid], g)
	}
	d.Clusters = len(units) > mapClusterAt
	if gid := c.QueryParam("grid"); gid != "" {
		if _, ok := byGrid[gid]; !ok {
			return errNotFound
		}
		d.Grid, d.GridName, d.Clusters = gid, n.Grid(gid), false
	}
	// What is drawn: every unit, the units of one grid (and its
	// neighbours as clusters), or one cluster per grid.
	centre := func(gid string) (matcher.GeoPoint, bool) {
		if g, err := sn.Grid(gid); err == nil && g.Centre != nil {
			return *g.Centre, true
		}
		us := byGrid[gid]
		if len(us) == 0 {
			return matcher.GeoPoint{}, false
		}
		var p matcher.GeoPoint
		for _, u := range us {
			p.Lat += u.p.Lat / float64(len(us))
			p.Lon += u.p.Lon / float64(len(us))
		}
		return p, true
	}
	var shown []geo              // units drawn
	clusters := map[string]int{} // grid → units, for the grids drawn as clusters
	switch {
	case d.Grid != "":
		shown = byGrid[d.Grid]
		if g, err := sn.Grid(d.Grid); err == nil {
			for _, nb := range g.Neighbours {
				if k := len(byGrid[nb]); k > 0 {
					d.Next = append(d.Next, mapPoint{Name: n.Grid(nb), Count: k, Link: Prefix + "/meetings/" + al.ID + "/map?grid=" + nb})
				}
			}
		}
	case d.Clusters:
		for gid, us := range byGrid {
			clusters[gid] = len(us)
		}
	default:
		shown = units
	}
	var frame []matcher.GeoPoint
	for _, u := range shown {
		frame = append(frame, u.p)
	}
	for gid := range clusters {
		if p, ok := centre(gid); ok {
			frame = append(frame, p)
		}
	}
	gridPos := map[string]matcher.GeoPoint{}
	if !d.Clusters && d.Grid == "" {
		for g := range sn.Grids() {
			if g.Centre != nil && inScope[g.Alliance] {
				gridPos[g.ID] = *g.Centre
				frame = append(frame, *g.Centre)
			}
		}
	}
	if len(frame) == 0 {
		return s.render(c, http.StatusOK, "map", d)
	}
	proj, scale := projection(frame, d.W, d.H)
	// Claims: between units, or between the clusters of their grids.
	unitAt := map[string]matcher.GeoPoint{}
	gridOf := map[string]string{}
	for _, u := range units {
		gridOf[u.id] = u.grid
	}
	for _, u := range shown {
		unitAt[u.id] = u.p
	}
	type pair struct{ a, b, class string }
	counts := map[pair]int{}
	for cl := range sn.ClaimsOfMeeting(al.ID) {
		if !(cl.Status == matcher.ClaimProposed || cl.Status.Holds()) {
			continue
		}
		class := "claim-proposed"
		if cl.Status.Holds() {
			class = "claim-confirmed"
		}
		end := func(unit string) string {
			if _, ok := unitAt[unit]; ok {
				return "u:" + unit
			}
			if g := gridOf[unit]; clusters[g] > 0 {
				return "g:" + g
			}
			return ""
		}
		a, b := end(cl.ResourceUnit), end(cl.DemandUnit)
		if a == "" || b == "" || a == b {
			continue
		}
		if a > b {
			a, b = b, a
		}
		counts[pair{a, b, class}]++
	}
	at := func(key string) matcher.GeoPoint {
		if key[0] == 'u' {
			return unitAt[key[2:]]
		}
		p, _ := centre(key[2:])
		return p
	}
	pairs := make([]pair, 0, len(counts))
	for p := range counts {
		pairs = append(pairs, p)
	}
	slices.SortFunc(pairs, func(x, y pair) int {
		return cmp.Or(cmp.Compare(counts[y], counts[x]), cmp.Compare(x.a, y.a), cmp.Compare(x.b, y.b), cmp.Compare(x.class, y.class))
	})
	if len(pairs) > mapMaxLines {
		d.Lines = len(pairs) - mapMaxLines
		pairs = pairs[:mapMaxLines]
	}
	for _, p := range pairs {
		x1, y1 := proj(at(p.a))
		x2, y2 := proj(at(p.b))
		d.Claims = append(d.Claims, mapLine{x1, y1, x2, y2, p.class, math.Min(6, 1+math.Log2(float64(counts[p])))})
	}
	// Grid neighbours (the units view).
	for g := range sn.Grids() {
		p, ok := gridPos[g.ID]
		if !ok {
			continue
		}
		for _, nb := range g.Neighbours {
			if q, ok := gridPos[nb]; ok && nb > g.ID {
				x1, y1 := proj(p)
				x2, y2 := proj(q)
				d.Links = append(d.Links, mapLine{X1: x1, Y1: y1, X2: x2, Y2: y2, Class: "link"})
			}
		}
	}
	for gid, p := range gridPos {
		x, y := proj(p)
		d.Grids = append(d.Grids, mapPoint{X: x, Y: y, Name: n.Grid(gid), Kind: "grid"})
	}
	slices.SortFunc(d.Grids, func(a, b mapPoint) int { return cmp.Compare(a.Name, b.Name) })
	// The points: clusters (biggest first), then units.
	gids := make([]string, 0, len(clusters))
	for g := range clusters {
		gids = append(gids, g)
	}
	slices.SortFunc(gids, func(a, b string) int { return cmp.Or(cmp.Compare(clusters[b], clusters[a]), cmp.Compare(a, b)) })
	for _, g := range gids {
		p, ok := centre(g)
		if !ok {
			continue
		}
		x, y := proj(p)
		k := clusters[g]
		d.Units += k
		d.Points = append(d.Points, mapPoint{X: x, Y: y, R: math.Round((6+3*math.Sqrt(float64(k)))*10) / 10, Name: n.Grid(g), Kind: "cluster", Count: k,
			Link: Prefix + "/meetings/" + al.ID + "/map?grid=" + g})
	}
	sorted := slices.Clone(shown)
	slices.SortFunc(sorted, func(a, b geo) int { return cmp.Compare(a.id, b.id) })
	for _, u := range sorted {
		x, y := proj(u.p)
		d.Units++
		d.Points = append(d.Points, mapPoint{X: x, Y: y, Name: u.name, Kind: u.kind, Link: Prefix + "/units/" + u.id})
	}
	placeLabels(d)
	// A scale bar of a round number of km, about a fifth of the width.
	km := (float64(d.W) / 5) / scale * 111.32
	step := math.Pow(10, math.Floor(math.Log10(km)))
	for _, m := range []float64{5, 2, 1} {
		if m*step <= km {
			step *= m
			break
		}
	}
	d.ScaleW = math.Round(step/111.32*scale*10) / 10
	d.ScaleText = l.T("map.km", strconv.FormatFloat(step, 'g', -1, 64))
	return s.render(c, http.StatusOK, "map", d)
}

// projection maps WGS-84 points into a w×h frame with a margin: x east,
// y south; scale is pixels per degree of latitude.
func projection(pts []matcher.GeoPoint, w, h int) (func(matcher.GeoPoint) (float64, float64), float64) {
	minLat, maxLat, minLon, maxLon := 90.0, -90.0, 180.0, -180.0
	for _, p := range pts {
		minLat, maxLat = math.Min(minLat, p.Lat), math.Max(maxLat, p.Lat)
		minLon, maxLon = math.Min(minLon, p.Lon), math.Max(maxLon, p.Lon)
	}
	kx := math.Cos((minLat + maxLat) / 2 * math.Pi / 180) // a degree of longitude shrinks with latitude
	spanX := math.Max((maxLon-minLon)*kx, 1e-4)
	spanY := math.Max(maxLat-minLat, 1e-4)
	const pad = 48.0
	scale := math.Min((float64(w)-2*pad)/spanX, (float64(h)-2*pad)/spanY)
	// Centre the drawing in the frame.
	offX := (float64(w) - spanX*scale) / 2
	offY := (float64(h) - spanY*scale) / 2
	return func(p matcher.GeoPoint) (float64, float64) {
		x := offX + (p.Lon-minLon)*kx*scale
		y := float64(h) - offY - (p.Lat-minLat)*scale
		return math.Round(x*10) / 10, math.Round(y*10) / 10
	}, scale
}

// box is a label's rectangle in the frame.
type box struct{ x0, y0, x1, y1 float64 }

func (a box) overlaps(b box) bool { return a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1 }

// labelFont is the labels' font size in px: CJK characters are about as
// wide as the font is high, others about half.
const labelFont = 11.0

func labelWidth(s string) float64 {
	w := 0.0
	for _, r := range s {
		if utf8.RuneLen(r) > 1 {
			w += labelFont
		} else {
			w += labelFont * 0.6
		}
	}
	return w
}

// placeLabels gives each point a label where it overlaps no other label
// and no point, trying the right, left, above and below, in the points'
// order (the biggest clusters first); a point whose label fits nowhere
// is listed beside the map instead.
func placeLabels(d *mapData) {
	var placed []box
	for _, p := range d.Points {
		r := math.Max(p.R, 5)
		placed = append(placed, box{p.X - r, p.Y - r, p.X + r, p.Y + r})
	}
	bounds := box{2, 2, float64(d.W) - 2, float64(d.H) - 28} // the scale bar's corner kept free
	for i := range d.Points {
		p := &d.Points[i]
		text := p.Name
		if p.Kind == "cluster" {
			text = p.Name + " " + strconv.Itoa(p.Count)
		}
		w, h := labelWidth(text), labelFont+2
		r := math.Max(p.R, 5) + 3
		ok := false
		for _, try := range []struct {
			x, y   float64
			anchor string
		}{
			{p.X + r, p.Y + h/2 - 2, "start"},
			{p.X - r, p.Y + h/2 - 2, "end"},
			{p.X, p.Y - r - 2, "middle"},
			{p.X, p.Y + r + h - 2, "middle"},
		} {
			var b box
			switch try.anchor {
			case "start":
				b = box{try.x, try.y - h + 2, try.x + w, try.y + 2}
			case "end":
				b = box{try.x - w, try.y - h + 2, try.x, try.y + 2}
			default:
				b = box{try.x - w/2, try.y - h + 2, try.x + w/2, try.y + 2}
			}
			if b.x0 < bounds.x0 || b.y0 < bounds.y0 || b.x1 > bounds.x1 || b.y1 > bounds.y1 {
				continue
			}
			if slices.ContainsFunc(placed, b.overlaps) {
				continue
			}
			placed = append(placed, b)
			p.Label, p.LabelX, p.LabelY, p.Anchor = text, try.x, try.y, try.anchor
			ok = true
			break
		}
		if !ok {
			d.Listed = append(d.Listed, *p)
		}
	}
}
