package scenario

import (
	"bytes"
	"encoding/json"
	"slices"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/index"
	"github.com/allymatch/allymatch/matcher/store"
)

// Scenarios last: a Manager keeps each in the store's scenarios table (as
// the JSON of Scenario) and loads them when it first works with a store.
// A loaded scenario is forked again from the live state it is loaded on,
// its edits applied anew: on the state it was made at (nothing written
// since), its diff is the one it had, byte for byte; on a later state it
// is stale (apply is a 409 as before), and when its edits no longer apply
// it is kept, Broken, to be read and deleted.
//
// Replicas over one store (PostgreSQL) each keep their own forks: a read
// of one scenario (get) reads its stored bytes again and the list reads
// them all (sync), so that a scenario another replica made, changed
// (shared, applied) or deleted is seen at the next read. A kept fork is
// reused while its stored bytes are the ones it was loaded from or saved
// as (raw); otherwise it is loaded anew, and a scenario gone from the
// store is dropped.

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
	byID, raw := make(map[string]*Scenario, len(saved)), make(map[string][]byte, len(saved))
	for _, rec := range saved {
		sc, err := load(sn, rec.ID, rec.Data)
		if err != nil {
			return err
		}
		byID[rec.ID], raw[rec.ID] = sc, rec.Data
	}
	m.st, m.byID, m.raw = st, byID, raw
	m.gen++
	return nil
}

// load decodes the stored scenario id and forks it again on sn.
func load(sn store.Snapshot, id string, data []byte) (*Scenario, error) {
	var was Scenario
	if err := json.Unmarshal(data, &was); err != nil {
		return nil, matcher.Errorf(matcher.EINTERNAL, "stored scenario %s does not decode: %v", id, err)
	}
	return reload(sn, &was), nil
}

// refresh makes the kept scenario id the stored one: loaded anew when the
// store holds other bytes than it was loaded from (another replica made
// or changed it), dropped when the store no longer has it.
func (m *Manager) refresh(id string) error {
	m.mu.Lock()
	st, gen := m.st, m.gen
	m.mu.Unlock()
	if st == nil {
		return nil
	}
	data, ok, err := st.Scenario(id)
	if err != nil {
		return err
	}
	var saved []store.Saved
	if ok {
		saved = []store.Saved{{ID: id, Data: data}}
	}
	return m.adopt(st, gen, saved, []string{id})
}

// sync makes the kept scenarios the stored ones (see refresh).
func (m *Manager) sync() error {
	m.mu.Lock()
	st, gen := m.st, m.gen
	m.mu.Unlock()
	if st == nil {
		return nil
	}
	saved, err := st.Scenarios()
	if err != nil {
		return err
	}
	return m.adopt(st, gen, saved, nil)
}

// adopt makes the kept scenarios of ids (nil: all) the stored ones of
// saved, read from st when m's writes were at gen: forks are made outside
// the lock, and nothing is changed when m wrote since (its own write is
// newer than what was read).
func (m *Manager) adopt(st *store.Store, gen uint64, saved []store.Saved, ids []string) error {
	m.mu.Lock()
	var fresh []store.Saved
	for _, rec := range saved {
		if !bytes.Equal(m.raw[rec.ID], rec.Data) {
			fresh = append(fresh, rec)
		}
	}
	in := map[string]bool{}
	for _, rec := range saved {
		in[rec.ID] = true
	}
	if ids == nil {
		for id := range m.byID {
			ids = append(ids, id)
		}
	}
	var gone []string
	for _, id := range ids {
		if !in[id] && m.byID[id] != nil {
			gone = append(gone, id)
		}
	}
	m.mu.Unlock()
	if len(fresh) == 0 && len(gone) == 0 {
		return nil
	}
	sn := st.Snapshot()
	loaded := make([]*Scenario, len(fresh))
	for i, rec := range fresh {
		sc, err := load(sn, rec.ID, rec.Data)
		if err != nil {
			return err
		}
		loaded[i] = sc
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.st != st || m.gen != gen {
		return nil // written (or started over) since: what was read is older
	}
	for _, id := range gone {
		delete(m.byID, id)
		delete(m.raw, id)
	}
	for i, rec := range fresh {
		m.byID[rec.ID], m.raw[rec.ID] = loaded[i], rec.Data
	}
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
	if err := m.st.PutScenario(sc.ID, data); err != nil {
		return err
	}
	m.raw[sc.ID] = data
	m.gen++
	return nil
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
		all = all && matcher.CanRunMeeting(r, a, id)
	}
	if all {
		return fullAccess
	}
	if s.Shared && a.Role == matcher.RoleCoordinator {
		for _, id := range s.Touched {
			if matcher.CanRunMeeting(r, a, id) {
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
