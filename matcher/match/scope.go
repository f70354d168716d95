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
	s := &Scope{Meeting: a.ID, Level: a.Level}
	// The alliances first, then their units, in a map of the size of
	// them all.
	queue := []*matcher.Alliance{a}
	seen := map[string]bool{a.ID: true}
	n := 0
	for k := 0; k < len(queue); k++ {
		cur := queue[k]
		s.Alliances = append(s.Alliances, cur.ID)
		n += len(cur.Members) + 1
		for child := range r.Children(cur.ID) {
			if !seen[child.ID] {
				seen[child.ID] = true
				queue = append(queue, child)
			}
		}
	}
	s.units = make(map[string]bool, n)
	for _, cur := range queue {
		if cur.Lead != "" {
			s.units[cur.Lead] = true
		}
		for _, u := range cur.Members {
			s.units[u] = true
		}
	}
	slices.Sort(s.Alliances)
	return s, nil
}
