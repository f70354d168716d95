package scenario

import (
	"context"
	"slices"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/index"
	"github.com/allymatch/allymatch/matcher/match"
	"github.com/allymatch/allymatch/matcher/store"
)

// Comparison sets two scenarios of the same scope side by side: the totals
// of the live plan and of each, and the demands whose plan differs between
// them (Before is A's plan, After B's), by meeting.
type Comparison struct {
	A        string          `json:"a"`
	B        string          `json:"b"`
	Meetings []string        `json:"meetings"`
	Totals   CompareTotals   `json:"totals"`
	Demands  []DemandChange  `json:"demands"`
	Units    []UnitChange    `json:"units"`
	Changed  []MeetingChange `json:"changed"` // meetings whose plans differ between A and B (live: A, scenario: B)
	Moves    []Move          `json:"moves"`   // resources serving other meetings in B than in A
	// Partial: parts outside the reader's scope are hidden (see sight).
	Partial bool `json:"partial,omitempty"`
	// Plans are the three plans of each meeting, for what is counted per
	// measure (quantities of unlike measures never add up).
	Plans []ComparePlan `json:"-"`
	// Scenarios are A and B as the reader sees them (Get's answer).
	Scenarios [2]*Scenario `json:"-"`
}

// ComparePlan is one meeting's live plan and A's and B's.
type ComparePlan struct {
	Meeting    string
	Live, A, B *match.Result
}

// CompareTotals sum the three plans over the scope's meetings.
type CompareTotals struct {
	Live Side `json:"live"`
	A    Side `json:"a"`
	B    Side `json:"b"`
	// B less A
	Met     int64 `json:"met"`
	Welfare int64 `json:"welfare"`
}

// Compare sets scenarios a and b side by side; the actor must be able to
// read both, and both must plan the same meetings.
func (m *Manager) Compare(ctx context.Context, st *store.Store, actor matcher.Actor, a, b string) (*Comparison, error) {
	if err := m.use(st); err != nil {
		return nil, err
	}
	sn := st.Snapshot()
	sa, err := m.get(sn.Reader, actor, a, false)
	if err != nil {
		return nil, err
	}
	sb, err := m.get(sn.Reader, actor, b, false)
	if err != nil {
		return nil, matcher.WithField(err, "with")
	}
	for f, sc := range map[string]*Scenario{"id": sa, "with": sb} {
		if sc.db == nil {
			return nil, matcher.NewError(matcher.ECONFLICT, f, "scenario %q no longer applies to the live state (%s): make it anew", sc.ID, sc.Broken)
		}
	}
	if !slices.Equal(sa.Meetings, sb.Meetings) {
		return nil, matcher.FieldError("with", "scenario %q plans other meetings than %q; only scenarios of the same scope compare", b, a)
	}
	if sa.Base != sb.Base {
		return nil, matcher.FieldError("with", "scenario %q compares with other settings of the live plan than %q", b, a)
	}
	fa, fb := sa.Reader(), sb.Reader()
	res, err := solveAll(ctx, sa.Meetings, []plan{{sn.Reader, sn.Vocab, sa.Base}, {fa, sa.vocab, sa.Settings}, {fb, sb.vocab, sb.Settings}}, m.pool())
	if err != nil {
		return nil, err
	}
	sg := sightFor(sn.Reader, actor, sa.Owner, sb.Owner)
	hid := sg.plans(res, []index.Reader{fa, fb})
	pairs := make([][2]*match.Result, len(res))
	var live []*match.Result
	three := make([]ComparePlan, len(res))
	for i, r := range res {
		pairs[i] = [2]*match.Result{r[1], r[2]}
		live = append(live, r[0])
		three[i] = ComparePlan{Meeting: sa.Meetings[i], Live: r[0], A: r[1], B: r[2]}
	}
	d := mergeScope(sa.Meetings, pairs)
	c := &Comparison{A: a, B: b, Meetings: sa.Meetings, Demands: d.Demands, Units: d.Units, Changed: d.Meetings, Moves: d.Moves, Plans: three, Partial: hid}
	c.Scenarios = [2]*Scenario{sg.record(sa), sg.record(sb)}
	if sg != nil {
		c.Meetings = c.Scenarios[0].Meetings
	}
	c.Totals = CompareTotals{Live: sides(live), A: d.Totals.Live, B: d.Totals.Scenario, Met: d.Totals.Met, Welfare: d.Totals.Welfare}
	return c, nil
}
