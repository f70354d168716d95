package match

import (
	"slices"
)

// The hard rules a candidate pair must pass, in the order they are checked
// (hardRules). A near pair that a rule excludes keeps the rule's name, so
// that "why not" names every rule that blocks it, not only the first.
const (
	RuleCategory = "category"  // the resource's category cannot meet the demand's
	RuleSameUnit = "same_unit" // both items belong to one unit
	RuleQuantity = "quantity"  // nothing left of the resource after confirmed claims
	RuleDistance = "distance"  // farther apart than the smaller of the two radii
	RuleGrid     = "grid"      // without coordinates (or radius), not the same or a neighbouring red grid
	RuleWindow   = "window"    // no time window of one overlaps a window of the other
	RuleRejected = "rejected"  // one side rejected this pair before
	// The rules on what the items are for: a measure of another family
	// (hours for portions) without a conversion, and a pair across a
	// serves link whose texts are not alike enough (Settings.Relevance).
	RuleMeasure   = "measure"
	RuleRelevance = "relevance"
	// And what the texts say of whom an item is for and when: groups
	// (幼儿 for 小学生) or days of the week and school holidays (周末、寒暑假
	// for 每周三) that do not meet (see readings.go).
	RuleAudience = "audience"
	RuleDays     = "days"
)

// hardRule is one hard rule: its name and whether a pair breaks it.
type hardRule struct {
	name string
	// fit marks the rules on what the items are for (category, measure,
	// audience, days, relevance); the others say where and when the two
	// can meet (ReachablePairs asks only those).
	fit    bool
	broken func(p *pairCheck) bool
}

// hardRules is every hard rule, in the order they are checked: candidate
// rows (row) stop at the first a pair breaks, the explanations (why-not,
// unmet reasons) collect every one. The relative bar of the relevance rule
// (Relevance.Ratio) is not a rule of one pair: it compares a demand's
// candidates with each other, and is applied to the row (relativeKeep).
var hardRules = []hardRule{
	{RuleCategory, true, func(p *pairCheck) bool { return p.strength() == 0 }},
	{RuleSameUnit, false, func(p *pairCheck) bool {
		if p.ri >= 0 { // by number, without comparing strings
			return p.v.unit == p.v.prep.resUnit[p.ri]
		}
		return p.d.unit.ID == p.r.unit.ID
	}},
	{RuleQuantity, false, func(p *pairCheck) bool { return p.r.remaining <= 0 }},
	{RuleDistance, false, func(p *pairCheck) bool {
		d, r := p.d, p.r
		if !d.radial() || !r.radial() {
			return false
		}
		// the chord bound decides the pairs surely beyond the radius and
		// those surely within it without the haversine (a pair that
		// passes computes it for its terms, once it passes every rule);
		// near the edge the distance decides
		switch c, lim := chord2(&d.vec, &r.vec), min(d.lim2, r.lim2); {
		case surelyFarther(c, lim):
			return true
		case surelyNearer(c, lim):
			return false
		}
		return p.distance() > min(d.radius, r.radius) // fRadiusKM: in the parties' reads
	}},
	{RuleGrid, false, func(p *pairCheck) bool {
		d, r := p.d, p.r
		if d.radial() && r.radial() {
			return false
		}
		return r.grid == "" || d.grid == "" || (d.grid != r.grid && !sortedHas(p.v.near, r.grid))
	}},
	{RuleWindow, false, func(p *pairCheck) bool {
		p.reads |= fWindows // of both items, read as spans
		if p.d.spansOK && p.r.spansOK {
			return !spansOverlap(p.d.spans, p.r.spans)
		}
		return !windowsOverlap(p.dItem(fWindows).Windows, p.rItem(fWindows).Windows)
	}},
	{RuleRejected, false, func(p *pairCheck) bool {
		return len(p.v.rejected) > 0 && slices.Contains(p.v.rejected, p.rItem(fID).ID)
	}},
	{RuleMeasure, true, func(p *pairCheck) bool {
		p.dItem(fMeasure)
		r := p.rItem(fMeasure | fCategory)
		return !(p.d.measure == p.r.measure || p.in.vocab.FamiliesMeet(r.Category, p.r.family, p.d.family))
	}},
	{RuleAudience, true, func(p *pairCheck) bool { return !audiencesMeet(p.d, p.r) }},
	{RuleDays, true, func(p *pairCheck) bool {
		p.dItem(fWindows) // the school holidays are read in the windows
		p.rItem(fWindows)
		return !daysMeet(p.d, p.r)
	}},
	// A pair whose category cannot meet breaks the category rule, not
	// this one. The parties must be weighed (weighText).
	{RuleRelevance, true, func(p *pairCheck) bool {
		s := p.strength()
		return s > 0 && p.textSim() < p.in.minText.Need(s)
	}},
}

// RuleNames lists the hard rules in the order they are checked.
var RuleNames = func() []string {
	out := make([]string, len(hardRules))
	for i, r := range hardRules {
		out[i] = r.name
	}
	return out
}()

// pairCheck is a demand and a resource the rules judge, with what they
// compute on the way (the distance, the category strength, the texts'
// similarity), each at most once.
type pairCheck struct {
	in   *instance
	v    demandView // of d
	d, r *party
	ri   int32 // r's index in in.resources; -1: a party the instance does not hold

	reads    fieldSet // the fields of the two items read (see fieldSet)
	km       float64  // distance: -1 without coordinates on both sides
	kmDone   bool
	str      int // strength: -1 until computed
	shared   int64
	text     int
	textDone bool
	dense    []uint16 // d's weights by gram number (rowBuf.dense); nil: merge the two gram lists
}

// checker returns a pairCheck for the demand d (a party of in or not).
func (in *instance) checker(d *party) pairCheck {
	return pairCheck{in: in, v: in.view(d), d: d}
}

// with sets the resource judged: r, at index ri of the instance (-1: not
// one of its resources).
func (p *pairCheck) with(r *party, ri int32) *pairCheck {
	p.r, p.ri = r, ri
	p.kmDone, p.textDone, p.str = false, false, -1
	return p
}

// distance is DistanceKM between the two, -1 when one has no coordinates
// (as haversineKM with the parties' cosines: the same to the bit).
func (p *pairCheck) distance() float64 {
	if !p.kmDone {
		p.kmDone, p.km = true, -1
		if p.d.hasLoc && p.r.hasLoc {
			p.km = haversineKM(p.d.loc, p.r.loc, p.d.cosLat, p.r.cosLat)
		}
	}
	return p.km
}

// strength is the category strength of the resource for the demand
// (matcher.Vocabulary.Strength).
func (p *pairCheck) strength() int {
	if p.str < 0 {
		if p.ri >= 0 {
			p.str = int(p.v.strength[p.v.prep.resCat[p.ri]])
		} else {
			p.str = p.in.vocab.Strength(p.rItem(fCategory).Category, p.dItem(fCategory).Category)
		}
	}
	return p.str
}

// textSim is the text similarity of the two (the text term), with the
// weight their texts share (textShared).
func (p *pairCheck) textSim() int {
	if !p.textDone {
		p.textDone = true
		if p.dense != nil && len(p.r.gw) == len(p.r.grams) {
			p.shared = denseShared(p.dense, p.r.grams, p.r.gw)
		} else {
			p.shared = textShared(p.d.grams, p.d.gw, p.r.grams, p.r.gw)
		}
		p.text = simOf(p.shared, p.d.wsum, p.r.wsum)
	}
	return p.text
}

// passes reports whether the pair breaks no hard rule, stopping at the
// first it breaks.
func (p *pairCheck) passes() bool { return p.first(nil) == "" }

// first returns the first hard rule the pair breaks among those pick
// selects (nil: every rule), "" when it breaks none.
func (p *pairCheck) first(pick func(*hardRule) bool) string {
	for i := range hardRules {
		if h := &hardRules[i]; (pick == nil || pick(h)) && h.broken(p) {
			return h.name
		}
	}
	return ""
}

// brokenRules returns every hard rule the pair breaks that pick selects
// (nil: every rule), in hardRules order.
func (p *pairCheck) brokenRules(pick func(*hardRule) bool) []string {
	return p.appendBroken(nil, pick)
}

// appendBroken is brokenRules appending to out.
func (p *pairCheck) appendBroken(out []string, pick func(*hardRule) bool) []string {
	for i := range hardRules {
		if h := &hardRules[i]; (pick == nil || pick(h)) && h.broken(p) {
			out = append(out, h.name)
		}
	}
	return out
}

// breaks reports whether the pair breaks the rule named name.
func (p *pairCheck) breaks(name string) bool {
	for i := range hardRules {
		if hardRules[i].name == name {
			return hardRules[i].broken(p)
		}
	}
	panic("match: no rule " + name)
}

// placement selects the rules on where and when two items can meet, fit
// the rules on what they are for.
func placement(h *hardRule) bool { return !h.fit }
func fit(h *hardRule) bool       { return h.fit }

// searchArea is where a demand's resources are looked for: the buckets of
// the categories that can meet it, the radial resources there in the
// spatial cells x0..x1 × y0..y1 that may hold a point within the radius
// searched (cells: when the demand has coordinates and that radius is
// above 0), and those of the grids near (the demand's grid and its
// neighbours), a radial one there only when the cells do not hold it. It
// is the one definition of that area: nearby walks it, and a Session's
// row keeps it as what the row read (rowReads).
type searchArea struct {
	cats           []string // MetBy(demand category): the buckets looked up, found or not
	cells          bool
	x0, x1, y0, y1 int32
	near           []string // sorted
}

// areaOf is the area searched for d's resources within km of it, near
// the grids near. Candidate rows search d's own radius (0 when d is not
// radial: a pair that is not radial on both sides is judged by grid);
// explanations search a wider one.
func (in *instance) areaOf(d *party, km float64, near []string) searchArea {
	a := searchArea{cats: in.vocab.MetBy(d.item.Category), near: near}
	if a.cells = d.hasLoc && km > 0; a.cells {
		a.x0, a.x1, a.y0, a.y1 = cellRange(d.loc, km)
	}
	return a
}

// inCells reports whether the area's cells hold r, a radial resource.
func (a *searchArea) inCells(r *party) bool {
	if !a.cells || !r.radial() {
		return false
	}
	c := cellOf(r.loc)
	return c.x >= a.x0 && c.x <= a.x1 && c.y >= a.y0 && c.y <= a.y1
}

// holds reports whether a bucket key of the resource r (see
// instance.indexResources: its category with its cell when radial, with
// its grid when it has one) lies in the area.
func (a *searchArea) holds(r *party) bool {
	if !slices.Contains(a.cats, r.item.Category) {
		return false
	}
	return a.inCells(r) || (r.grid != "" && sortedHas(a.near, r.grid))
}

// nearby appends to found every resource in the area a, each once, in no
// particular order.
func (in *instance) nearby(a *searchArea, found []int32) []int32 {
	for _, cat := range a.cats {
		b := in.buckets[cat]
		if b == nil {
			continue
		}
		if a.cells && len(b.cells) > 0 {
			for y := a.y0; y <= a.y1; y++ {
				for x := a.x0; x <= a.x1; x++ {
					found = append(found, b.cells[cell{x, y}]...)
				}
			}
		}
		for _, g := range a.near {
			for _, ri := range b.byGrid[g] {
				if a.inCells(&in.resources[ri]) {
					continue // listed by its cell
				}
				found = append(found, ri)
			}
		}
	}
	return found
}
