package match

import (
	"slices"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/index"
)

// Scope is what one joint meeting matches: the units of its alliance and of
// every alliance below it, and the items sitting at its level.
type Scope struct {
	Meeting   string        // alliance id of the meeting
	Level     matcher.Level // the meeting's level; only items at this level are matched
	Alliances []string      // the meeting's alliance and all below it, sorted
	units     map[string]bool
}

// HasUnit reports whether unit is in the scope.
func (s *Scope) HasUnit(unit string) bool { return s.units[unit] }

// Units returns the units in scope, sorted.
func (s *Scope) Units() []string {
	out := make([]string, 0, len(s.units))
	for u := range s.units {
		out = append(out, u)
	}
	slices.Sort(out)
	return out
}

// ResolveScope returns the scope of the meeting held by alliance meeting.
func ResolveScope(r index.Reader, meeting string) (*Scope, error) {
	a, err := r.Alliance(meeting)
	if err != nil {
		return nil, err
	}
	s := &Scope{Meeting: a.ID, Level: a.Level, units: map[string]bool{}}
	queue := []*matcher.Alliance{a}
	seen := map[string]bool{a.ID: true}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		s.Alliances = append(s.Alliances, cur.ID)
		for _, u := range cur.AllUnits() {
			s.units[u] = true
		}
		for child := range r.Children(cur.ID) {
			if !seen[child.ID] {
				seen[child.ID] = true
				queue = append(queue, child)
			}
		}
	}
	slices.Sort(s.Alliances)
	return s, nil
}
