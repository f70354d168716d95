package service

import (
	"context"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/bundle"
	"github.com/allymatch/allymatch/matcher/scenario"
)

// Scenarios are the what-if scenarios of a scenario.Manager as one view's
// actor reaches them: the manager reads the live state from the service's
// store, and the reads that check the actor's access to a scenario (Get,
// List, Delete) check it at the view's snapshot, so that a page's names
// and its scenarios agree. The manager itself (one per server, shared
// with the desk) keeps the scenarios and their bounds.
type Scenarios struct {
	v *View
	m *scenario.Manager
}

// Scenarios returns m's scenarios as v's actor reaches them.
func (v *View) Scenarios(m *scenario.Manager) Scenarios { return Scenarios{v: v, m: m} }

// Create forks the live state, applies req's edits and keeps the scenario
// (scenario.Manager.Create).
func (x Scenarios) Create(ctx context.Context, req scenario.Request) (*scenario.Scenario, error) {
	return x.m.Create(ctx, x.v.s.Store, x.v.actor, req)
}

// Check checks req as Create does and lists every problem, keeping
// nothing (scenario.Manager.Check).
func (x Scenarios) Check(ctx context.Context, req scenario.Request) (matcher.Problems, error) {
	return x.m.Check(ctx, x.v.s.Store, x.v.actor, req)
}

// CheckSheet checks the edits of sheet (scenario.Manager.CheckSheet).
func (x Scenarios) CheckSheet(ctx context.Context, req scenario.Request, sheet *scenario.EditSheet) ([]bundle.Problem, error) {
	return x.m.CheckSheet(ctx, x.v.s.Store, x.v.actor, req, sheet)
}

// CreateSheet creates the scenario of sheet's edits, checked once
// (scenario.Manager.CreateSheet).
func (x Scenarios) CreateSheet(ctx context.Context, req scenario.Request, sheet *scenario.EditSheet) (*scenario.Scenario, []bundle.Problem, error) {
	return x.m.CreateSheet(ctx, x.v.s.Store, x.v.actor, req, sheet)
}

// Use loads the stored scenarios, once per store (scenario.Manager.Use).
func (x Scenarios) Use() error { return x.m.Use(x.v.s.Store) }

// List returns the scenarios the actor may see, by id, as it sees them,
// after loading and reading again the stored ones.
func (x Scenarios) List() ([]*scenario.Scenario, error) {
	if err := x.Use(); err != nil {
		return nil, err
	}
	return x.m.List(x.v.sn.Reader, x.v.actor)
}

// Get returns scenario id as the actor sees it (ENOTFOUND for one it may
// not see).
func (x Scenarios) Get(id string) (*scenario.Scenario, error) {
	if err := x.Use(); err != nil {
		return nil, err
	}
	return x.m.Get(x.v.sn.Reader, x.v.actor, id)
}

// Delete drops scenario id, from the store too.
func (x Scenarios) Delete(id string) error {
	return x.m.Delete(x.v.sn.Reader, x.v.actor, id)
}

// GetDiff is Get and the scenario's diff with the live plan, at once.
func (x Scenarios) GetDiff(ctx context.Context, id string) (*scenario.Scenario, *scenario.Diff, error) {
	return x.m.GetDiff(ctx, x.v.s.Store, x.v.actor, id)
}

// Diff is the diff of scenario id with the live plan.
func (x Scenarios) Diff(ctx context.Context, id string) (*scenario.Diff, error) {
	return x.m.Diff(ctx, x.v.s.Store, x.v.actor, id)
}

// Compare sets scenarios a and b side by side.
func (x Scenarios) Compare(ctx context.Context, a, b string) (*scenario.Comparison, error) {
	return x.m.Compare(ctx, x.v.s.Store, x.v.actor, a, b)
}

// Share shares scenario id read-only with the coordinators of the
// alliances it touches (shared false: no longer).
func (x Scenarios) Share(id string, shared bool) (*scenario.Scenario, error) {
	return x.m.Share(x.v.s.Store, x.v.actor, id, shared)
}

// Apply commits scenario id's edits to the live store if it is still the
// fork's state (else a *scenario.ConflictError).
func (x Scenarios) Apply(ctx context.Context, id string) (matcher.Event, error) {
	return x.m.Apply(ctx, x.v.s.Store, x.v.actor, id)
}

// Stale reports whether the live state moved on since sc's fork (now, not
// at the view's snapshot): applying it would be a conflict.
func (x Scenarios) Stale(sc *scenario.Scenario) bool { return sc.Seq != x.v.s.Store.Seq() }
