package web

import (
	"sort"
	"strconv"
	"strings"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/match"
)

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
		switch t.Name {
		case match.TermProximity:
			switch {
			case distKM != nil:
				key, arg = "why.distance", strconv.FormatFloat(*distKM, 'f', 1, 64)
			case t.Value >= 1000:
				key = "why.samegrid"
			case t.Value > 0:
				key = "why.neargrid"
			}
		case match.TermText:
			switch {
			case t.Value >= 400:
				key = "why.text.close"
			case t.Value > 0:
				key = "why.text.some"
			}
		case match.TermPriority:
			switch {
			case t.Value >= 750:
				key = "why.prio.high"
			case t.Value >= 500:
				key = "why.prio.mid"
			default:
				key = "why.prio.low"
			}
		case match.TermTime:
			switch {
			case t.Value >= 1000:
				key = "why.time.full"
			case t.Value >= 500:
				key = "why.time.most"
			case t.Value > 0:
				key = "why.time.part"
			}
		case match.TermAffinity:
			switch {
			case t.Value >= 1000:
				key = "why.aff.same"
			case t.Value >= 600:
				key = "why.aff.street"
			default:
				key = "why.aff.far"
			}
		case match.TermHistory:
			if t.Value > 0 {
				key, arg = "why.history", t.Value/200
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
