package match

import (
	"math"
	"time"

	"github.com/allymatch/allymatch/matcher"
)

// The score terms, in breakdown order. Each is worth 0..1000 before its
// weight.
const (
	TermProximity = "proximity" // 1000 at the same spot, 0 at the edge of the smaller radius; by grid: same 1000, neighbour 600
	TermText      = "text"      // similarity of titles, tags and descriptions: character bigrams weighted by rarity in the scope, both directions
	TermCategory  = "category"  // category strength: the same category 1000, a serves link less (matcher.Category.Strength)
	TermPriority  = "priority"  // the demand's priority: 1 → 0, 5 → 1000
	TermTime      = "time"      // share of the demand's time windows the resource covers (any time = 1000)
	TermAffinity  = "affinity"  // same alliance 1000, same street (parent meeting) 600, otherwise 300
	TermHistory   = "history"   // fulfilled claims between the two units before: 200 each, up to 1000
)

// The indexes of the terms in termValues, in breakdown order.
const (
	termProximity = iota
	termText
	termCategory
	termPriority
	termTime
	termAffinity
	termHistory
	nTerms
)

// scoreTerms is every score term by index: its name and its weight in
// Weights. Terms, Weights.list, Weights.Validate and the breakdown read
// it; demandView.terms computes the values.
var scoreTerms = [nTerms]struct {
	name   string
	weight func(*Weights) *int
}{
	termProximity: {TermProximity, func(w *Weights) *int { return &w.Proximity }},
	termText:      {TermText, func(w *Weights) *int { return &w.Text }},
	termCategory:  {TermCategory, func(w *Weights) *int { return &w.Category }},
	termPriority:  {TermPriority, func(w *Weights) *int { return &w.Priority }},
	termTime:      {TermTime, func(w *Weights) *int { return &w.Time }},
	termAffinity:  {TermAffinity, func(w *Weights) *int { return &w.Affinity }},
	termHistory:   {TermHistory, func(w *Weights) *int { return &w.History }},
}

// Terms lists the score terms in breakdown order.
var Terms = func() []string {
	out := make([]string, nTerms)
	for i, t := range scoreTerms {
		out[i] = t.name
	}
	return out
}()

// Weights weigh the score terms. A score is Σ weight·term / Σ weight, so
// only the ratios matter; each weight is 0..100 and at least one is > 0.
type Weights struct {
	Proximity int `json:"proximity"`
	Text      int `json:"text"`
	Category  int `json:"category"`
	Priority  int `json:"priority"`
	Time      int `json:"time"`
	Affinity  int `json:"affinity"`
	History   int `json:"history"`
}

// DefaultWeights favour what the demand says it needs and nearness:
// proximity 25, text 30, category 10, priority 15, time 10, affinity 5,
// history 5.
var DefaultWeights = Weights{Proximity: 25, Text: 30, Category: 10, Priority: 15, Time: 10, Affinity: 5, History: 5}

// Weight returns the weight of the score term named term (one of Terms),
// false for a name that is no term.
func (w *Weights) Weight(term string) (*int, bool) {
	for _, t := range scoreTerms {
		if t.name == term {
			return t.weight(w), true
		}
	}
	return nil, false
}

// list returns the weights by term index.
func (w Weights) list() [nTerms]int {
	var out [nTerms]int
	for i, t := range scoreTerms {
		out[i] = *t.weight(&w)
	}
	return out
}

// Validate checks every weight is within 0..100 and that they do not sum to 0.
func (w Weights) Validate() error {
	var p matcher.Problems
	sum := 0
	for i, v := range w.list() {
		if v < 0 || v > 100 {
			p.Add("weights."+scoreTerms[i].name, "must be between 0 and 100, got %d", v)
		}
		sum += v
	}
	if sum == 0 {
		p.Add("weights", "at least one weight must be above 0")
	}
	return p.Err()
}

// termValues are one candidate's term values, 0..1000 each.
type termValues [nTerms]uint16

// scoreOf combines term values with weights into 0..1000, rounding half up.
func scoreOf(v termValues, w [nTerms]int) int {
	num, den := 0, 0
	for i := range v {
		num += int(v[i]) * w[i]
		den += w[i]
	}
	if den == 0 {
		return 0
	}
	return (2*num + den) / (2 * den)
}

// breakdown expands term values into named terms whose points add up to the
// score (the rounding remainder goes to the largest term).
func breakdown(v termValues, w [nTerms]int) []matcher.ScoreTerm {
	return breakdownInto(make([]matcher.ScoreTerm, nTerms), v, w)
}

// breakdownInto is breakdown written into out (nTerms long).
func breakdownInto(out []matcher.ScoreTerm, v termValues, w [nTerms]int) []matcher.ScoreTerm {
	den := 0
	for _, x := range w {
		den += x
	}
	total, big := 0, 0
	for i := range v {
		pts := 0
		if den > 0 {
			pts = int(v[i]) * w[i] / den
		}
		out[i] = matcher.ScoreTerm{Name: scoreTerms[i].name, Value: int(v[i]), Weight: w[i], Points: pts}
		total += pts
		if pts > out[big].Points {
			big = i
		}
	}
	out[big].Points += scoreOf(v, w) - total
	return out
}

// timeShare is how much of the demand's windows the resource's windows
// cover, 0..1000. No windows on either side means any time: 1000.
func timeShare(dem, res []matcher.Window) int {
	if len(dem) == 0 || len(res) == 0 {
		return 1000
	}
	var need, got time.Duration
	for _, d := range dem {
		if d.To.IsZero() {
			return 1000 // open-ended demand: any overlap serves it for good
		}
		need += d.To.Sub(d.From)
		for _, r := range res {
			got += min(d.Overlap(r), d.To.Sub(d.From))
		}
	}
	if need <= 0 || got >= need {
		return 1000
	}
	// In seconds: nanoseconds × 1000 overflow int64 past about 106 days.
	return int(int64(got/time.Second) * 1000 / max(1, int64(need/time.Second)))
}

// windowsOverlap reports whether some window of a overlaps some window of b;
// no windows means any time.
func windowsOverlap(a, b []matcher.Window) bool {
	if len(a) == 0 || len(b) == 0 {
		return true
	}
	for _, x := range a {
		for _, y := range b {
			if x.Overlap(y) > 0 {
				return true
			}
		}
	}
	return false
}

// span is a time window as Unix nanoseconds, its end exclusive and
// math.MaxInt64 for an open end: windowsOverlap and timeShare on two
// integers instead of time.Time's methods.
type span struct{ from, to int64 }

// Windows convert to spans between these times: UnixNano is exact there,
// and so is the difference of two (less than 292 years, where time.Time's
// Sub saturates); a window outside them leaves the item's windows as they
// are (spansOf).
var (
	spanMin = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
	spanMax = time.Date(2150, 1, 1, 0, 0, 0, 0, time.UTC)
)

// spansOf returns ws as spans, false when a time of ws is outside
// spanMin..spanMax (then nil: the windows are compared as they are).
func spansOf(ws []matcher.Window) ([]span, bool) {
	if len(ws) == 0 {
		return nil, true
	}
	out := make([]span, len(ws))
	for i, w := range ws {
		if !w.From.After(spanMin) || !w.From.Before(spanMax) || (!w.To.IsZero() && (!w.To.After(spanMin) || !w.To.Before(spanMax))) {
			return nil, false
		}
		out[i] = span{w.From.UnixNano(), math.MaxInt64}
		if !w.To.IsZero() {
			out[i].to = w.To.UnixNano()
		}
	}
	return out, true
}

// spanShare is timeShare on spans: the same sums of nanoseconds.
func spanShare(dem, res []span) int {
	if len(dem) == 0 || len(res) == 0 {
		return 1000
	}
	var need, got int64
	for _, d := range dem {
		if d.to == math.MaxInt64 {
			return 1000 // open-ended demand: any overlap serves it for good
		}
		need += d.to - d.from
		for _, r := range res {
			var overlap int64
			if from, to := max(d.from, r.from), min(d.to, r.to); to > from {
				overlap = to - from
			}
			got += min(overlap, d.to-d.from)
		}
	}
	if need <= 0 || got >= need {
		return 1000
	}
	const second = int64(time.Second)
	return int(got / second * 1000 / max(1, need/second))
}

// spansOverlap is windowsOverlap on spans: two windows overlap when the
// later start is before the earlier end (Window.Overlap > 0; two open
// ends always overlap).
func spansOverlap(a, b []span) bool {
	if len(a) == 0 || len(b) == 0 {
		return true
	}
	for _, x := range a {
		for _, y := range b {
			if max(x.from, y.from) < min(x.to, y.to) {
				return true
			}
		}
	}
	return false
}
