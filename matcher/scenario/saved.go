package scenario

import (
	"encoding/json"
	"slices"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/index"
	"github.com/allymatch/allymatch/matcher/service"
	"github.com/allymatch/allymatch/matcher/store"
)

// Scenarios last: a Manager keeps each in the store's scenarios table (as
// the JSON of Scenario) and loads them when it first works with a store.
// A loaded scenario is forked again from the live state it is loaded on,
// its edits applied anew: on the state it was made at (nothing written
// since), its diff is the one it had, byte for byte; on a later state it
// is stale (apply is a 409 as before), and when its edits no longer apply
// it is kept, Broken, to be read and deleted.

// Use makes st the store m keeps its scenarios in, loading the ones it
// holds (once per store; a Manager used with another store starts over).
func (m *Manager) Use(st *store.Store) error { return m.use(st) }

func (m *Manager) use(st *store.Store) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.st == st {
		return nil
	}
	saved, err := st.Scenarios()
	if err != nil {
		return err
	}
	sn := st.Snapshot()
	byID := make(map[string]*Scenario, len(saved))
	for _, rec := range saved {
		var was Scenario
		if err := json.Unmarshal(rec.Data, &was); err != nil {
			return matcher.Errorf(matcher.EINTERNAL, "stored scenario %s does not decode: %v", rec.ID, err)
		}
		byID[rec.ID] = reload(sn, &was)
	}
	m.st, m.byID = st, byID
	return nil
}

// reload forks a stored scenario again on sn.
func reload(sn store.Snapshot, was *Scenario) *Scenario {
	w := was.Base.Weights
	req := Request{Meeting: was.Meeting, Scope: was.Scope, Name: was.Name, Note: was.Note, Edits: was.Edits, Mode: was.Base.Mode, Weights: &w}
	sc, err := Fork(sn, req)
	if err != nil {
		sc = was
		sc.Broken = err.Error()
		sc.db = nil
	}
	sc.ID, sc.Owner, sc.Created, sc.Seq, sc.Applied, sc.Shared = was.ID, was.Owner, was.Created, was.Seq, was.Applied, was.Shared
	return sc
}

// saveLocked writes sc to the store (m.mu held).
func (m *Manager) saveLocked(sc *Scenario) error {
	if m.st == nil {
		return nil
	}
	data, err := json.Marshal(sc)
	if err != nil {
		return err
	}
	return m.st.PutScenario(sc.ID, data)
}

// Share shares scenario id read-only with the coordinators of the
// alliances it touches (shared false: no longer). Only who may change it
// (its owner, the coordinators of its scope) shares it.
func (m *Manager) Share(st *store.Store, actor matcher.Actor, id string, shared bool) (*Scenario, error) {
	if err := m.use(st); err != nil {
		return nil, err
	}
	if _, err := m.get(st.Snapshot().Reader, actor, id, true); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	cur := m.byID[id]
	if cur == nil {
		return nil, matcher.Errorf(matcher.ENOTFOUND, "scenario %q not found", id)
	}
	was := cur.Shared
	cur.Shared = shared
	if err := m.saveLocked(cur); err != nil {
		cur.Shared = was
		return nil, err
	}
	c := *cur
	return &c, nil
}

// The access an actor has to a scenario.
const (
	noAccess = iota
	readAccess
	fullAccess
)

// access: the owner and whoever may run every meeting the scenario names
// (admins, the coordinators of its scope and those above) change it; once
// shared, the coordinators of the alliances it touches read it.
func access(r index.Reader, a matcher.Actor, s *Scenario) int {
	if s == nil {
		return noAccess
	}
	if a == s.Owner {
		return fullAccess
	}
	all := true
	for _, id := range s.roots() {
		all = all && service.CanRunMeeting(r, a, id)
	}
	if all {
		return fullAccess
	}
	if s.Shared && a.Role == matcher.RoleCoordinator {
		for _, id := range s.Touched {
			if service.CanRunMeeting(r, a, id) {
				return readAccess
			}
		}
	}
	return noAccess
}

// touched returns the alliances the scenario touches: every alliance (at
// r or in the fork) of a unit its edits change and every alliance they
// join or leave, sorted; a scenario whose edits change no unit (the
// objective, the weights) touches what it names (its meeting, its scope).
// Being in a scope is not being touched: a whole-district scenario is not
// every coordinator's business.
func (s *Scenario) touched(r index.Reader) []string {
	var out []string
	fork := s.Reader()
	for i := range s.Edits {
		e := &s.Edits[i]
		out = append(out, e.memberships()...)
		for _, u := range e.units(r) {
			for _, rd := range []index.Reader{r, fork} {
				for a := range rd.AlliancesOf(u) {
					out = append(out, a.ID)
				}
			}
		}
	}
	if len(out) == 0 {
		out = slices.Clone(s.roots())
	}
	slices.Sort(out)
	return slices.Compact(out)
}
