package web

import (
	"testing"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/match"
)

// TestExplainScore: each term is said by the band its value falls in, at
// the bands' edges; a term of weight 0, or below every band, is not said;
// the strongest term comes first.
func TestExplainScore(t *testing.T) {
	l := langOf("en")
	km := 0.34
	for _, c := range []struct {
		term  string
		value int
		dist  *float64
		want  string
	}{
		{match.TermProximity, 1000, nil, l.T("why.samegrid")},
		{match.TermProximity, 1, nil, l.T("why.neargrid")},
		{match.TermProximity, 0, nil, ""},
		{match.TermProximity, 0, &km, l.T("why.distance", "0.3")},
		{match.TermText, 400, nil, l.T("why.text.close")},
		{match.TermText, 399, nil, l.T("why.text.some")},
		{match.TermPriority, 750, nil, l.T("why.prio.high")},
		{match.TermPriority, 749, nil, l.T("why.prio.mid")},
		{match.TermPriority, 0, nil, l.T("why.prio.low")},
		{match.TermTime, 999, nil, l.T("why.time.most")},
		{match.TermTime, 499, nil, l.T("why.time.part")},
		{match.TermAffinity, 600, nil, l.T("why.aff.street")},
		{match.TermAffinity, 599, nil, l.T("why.aff.far")},
		{match.TermHistory, 400, nil, l.T("why.history", 2)},
		{match.TermHistory, 0, nil, ""},
	} {
		got := explainScore(l, []matcher.ScoreTerm{{Name: c.term, Value: c.value, Weight: 1, Points: 10}}, c.dist)
		if got != c.want {
			t.Errorf("%s %d: %q, want %q", c.term, c.value, got, c.want)
		}
	}
	terms := []matcher.ScoreTerm{
		{Name: match.TermText, Value: 500, Weight: 1, Points: 100},
		{Name: match.TermPriority, Value: 800, Weight: 1, Points: 300},
		{Name: match.TermTime, Value: 1000, Weight: 0, Points: 0},
	}
	if got, want := explainScore(l, terms, nil), l.T("why.prio.high")+l.T("list.sep")+l.T("why.text.close"); got != want {
		t.Errorf("strongest first: %q, want %q", got, want)
	}
}
