package web

import (
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/match"
)

// termBand is a range of a score term's raw value (0..1000) from floor
// up to the next band's, said by the message key.
type termBand struct {
	floor int
	key   string
}

// termBands say a score term's value: by the first band whose floor it
// reaches; a value below every floor is not said. A proximity whose
// distance is known and the history are said with a figure instead
// (explainScore).
var termBands = map[string][]termBand{
	match.TermProximity: {{1000, "why.samegrid"}, {1, "why.neargrid"}},
	match.TermText:      {{400, "why.text.close"}, {1, "why.text.some"}},
	match.TermPriority:  {{750, "why.prio.high"}, {500, "why.prio.mid"}, {math.MinInt, "why.prio.low"}},
	match.TermTime:      {{1000, "why.time.full"}, {500, "why.time.most"}, {1, "why.time.part"}},
	match.TermAffinity:  {{1000, "why.aff.same"}, {600, "why.aff.street"}, {math.MinInt, "why.aff.far"}},
}

// explainScore puts a score breakdown into words, strongest terms first,
// e.g. "距离0.3公里、标签相近、优先级高".
func explainScore(l *Lang, terms []matcher.ScoreTerm, distKM *float64) string {
	type part struct {
		text   string
		points int
	}
	var parts []part
	for _, t := range terms {
		var key string
		var arg any
		switch {
		case t.Name == match.TermProximity && distKM != nil:
			key, arg = "why.distance", strconv.FormatFloat(*distKM, 'f', 1, 64)
		case t.Name == match.TermHistory:
			if t.Value > 0 {
				key, arg = "why.history", t.Value/200
			}
		default:
			for _, b := range termBands[t.Name] {
				if t.Value >= b.floor {
					key = b.key
					break
				}
			}
		}
		if key == "" || t.Weight == 0 {
			continue
		}
		var text string
		if arg != nil {
			text = l.T(key, arg)
		} else {
			text = l.T(key)
		}
		parts = append(parts, part{text, t.Points})
	}
	sort.SliceStable(parts, func(i, j int) bool { return parts[i].points > parts[j].points })
	out := make([]string, len(parts))
	for i, p := range parts {
		out[i] = p.text
	}
	return strings.Join(out, l.T("list.sep"))
}

// explainUnmet says why a demand stays unmet.
func explainUnmet(n names, u match.Unmet) string {
	l := n.lang
	switch u.Reason {
	case match.ReasonNoResource:
		return l.T("unmet.no_resource", n.Category(u.Category))
	case match.ReasonOutcompeted:
		return l.T("unmet.outcompeted", u.Candidates)
	case match.ReasonProjectBlocked:
		return l.T("unmet.project_blocked", n.Item(u.BlockedBy).Title)
	case match.ReasonNoCandidate:
		var rules []string
		for _, r := range match.RuleNames {
			if k := u.Rules[r]; k > 0 {
				rules = append(rules, l.T("rule."+r, k))
			}
		}
		if len(rules) == 0 {
			return l.T("unmet.no_candidate")
		}
		return l.T("unmet.no_candidate_rules", strings.Join(rules, l.T("list.sep")))
	}
	return u.Reason
}
