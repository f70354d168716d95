package store

import (
	"fmt"
	"iter"
	"runtime"
	"slices"
	"sync"

	memdb "github.com/allymatch/allymatch/internal/third_party/memdb"
	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/index"
)

// checker verifies the references and invariants that span records: every
// reference names a live record of the right kind, nothing points at a
// deleted record, and no item is over-claimed. It runs on the state a
// mutation leaves, for the records the mutation touched, and at start on
// every record.
type checker struct {
	r     index.Reader
	vocab *matcher.Vocabulary
	p     matcher.Problems
	items map[string]bool // items whose claims to total
	full  bool            // every record is checked: total all claims in one pass
}

func (c *checker) add(table, id, field, format string, args ...any) {
	c.p.Add(fmt.Sprintf("%s[%s].%s", table, id, field), format, args...)
}

func (c *checker) unitExists(table, id, field, unit string) bool {
	if unit == "" {
		return false
	}
	if c.r.UnitRaw(unit) == nil {
		c.add(table, id, field, "unknown unit %q", unit)
		return false
	}
	return true
}

func (c *checker) grid(g *matcher.Grid) {
	if g.Alliance != "" {
		if _, err := c.r.Alliance(g.Alliance); err != nil {
			c.add(index.TableGrids, g.ID, "alliance", "unknown alliance %q", g.Alliance)
		}
	}
	for i, n := range g.Neighbours {
		if _, err := c.r.Grid(n); err != nil {
			c.add(index.TableGrids, g.ID, fmt.Sprintf("neighbours[%d]", i), "unknown grid %q", n)
		}
	}
}

func (c *checker) alliance(a *matcher.Alliance) {
	if a.Lead != "" {
		c.unitExists(index.TableAlliances, a.ID, "lead", a.Lead)
	}
	for i, m := range a.Members {
		c.unitExists(index.TableAlliances, a.ID, fmt.Sprintf("members[%d]", i), m)
	}
	if a.Parent != "" {
		p, err := c.r.Alliance(a.Parent)
		switch {
		case err != nil:
			c.add(index.TableAlliances, a.ID, "parent", "unknown alliance %q", a.Parent)
		case p.Level.Rank() <= a.Level.Rank():
			c.add(index.TableAlliances, a.ID, "parent", "the parent of a %s alliance is at a higher level; %q is %s", a.Level, p.ID, p.Level)
		}
	}
	// A cycle through parents is impossible: levels strictly rise.
}

func (c *checker) unit(u *matcher.Unit) {
	if u.Grid != "" {
		if _, err := c.r.Grid(u.Grid); err != nil {
			c.add(index.TableUnits, u.ID, "grid", "unknown grid %q", u.Grid)
		}
	}
}

func (c *checker) project(p *matcher.Project) {
	c.unitExists(index.TableProjects, p.ID, "unit", p.Unit)
}

func (c *checker) item(it *matcher.Item) {
	c.unitExists(index.TableItems, it.ID, "unit", it.Unit)
	if !c.vocab.Has(it.Category) {
		c.add(index.TableItems, it.ID, "category", "unknown category %q", it.Category)
	}
	if it.Project != "" {
		p, err := c.r.Project(it.Project)
		switch {
		case err != nil:
			c.add(index.TableItems, it.ID, "project", "unknown project %q", it.Project)
		case p.Unit != it.Unit:
			c.add(index.TableItems, it.ID, "project", "project %q belongs to unit %q, not to the slot's unit %q", p.ID, p.Unit, it.Unit)
		}
	}
	if !c.full {
		c.items[it.ID] = true
	}
}

func (c *checker) claim(cl *matcher.Claim) {
	c.claimSide(cl, "resource", cl.Resource, matcher.Resource, cl.ResourceUnit, "item %q is a %s, not a resource")
	c.claimSide(cl, "demand", cl.Demand, matcher.Demand, cl.DemandUnit, "item %q is a %s, not a demand")
	if cl.Meeting != "" {
		if _, err := c.r.Alliance(cl.Meeting); err != nil {
			c.add(index.TableClaims, cl.ID, "meeting", "unknown meeting %q", cl.Meeting)
		}
	}
}

// claimSide checks one side of a claim: field ("resource" or "demand")
// names item id, which must be of kind (else the message notKind, one
// sentence of the catalogue per side) and belong to unit (field_unit).
func (c *checker) claimSide(cl *matcher.Claim, field, id string, kind matcher.ItemKind, unit, notKind string) {
	it, err := c.r.Item(id)
	if err != nil {
		c.add(index.TableClaims, cl.ID, field, "unknown item %q", id)
		return
	}
	if it.Kind != kind {
		c.add(index.TableClaims, cl.ID, field, notKind, it.ID, it.Kind)
	}
	if it.Unit != unit {
		c.add(index.TableClaims, cl.ID, field+"_unit", "item %q belongs to unit %q, not %q", it.ID, it.Unit, unit)
	}
	c.items[it.ID] = true
}

// deleted checks that nothing still points at a deleted record.
func (c *checker) deleted(k key) {
	refs := func(what string, n int) {
		if n > 0 {
			c.p.List = append(c.p.List, matcher.Errorf(matcher.ECONFLICT,
				"%s %q is still referenced by %d %s; remove or change those first", matcher.Noun(singular(k.table)), k.id, n, matcher.Noun(what)))
		}
	}
	switch k.table {
	case index.TableUnits:
		refs("items", count(c.r.ItemsOf(k.id)))
		refs("projects", count(c.r.ProjectsOf(k.id)))
		refs("alliances (as lead or member)", count(c.r.AlliancesOf(k.id)))
		refs("claims", count(c.r.ClaimsOfUnit(matcher.ResourceSide, k.id))+count(c.r.ClaimsOfUnit(matcher.DemandSide, k.id)))
	case index.TableItems:
		refs("claims", count(c.r.ClaimsOnResource(k.id))+count(c.r.ClaimsOnDemand(k.id)))
	case index.TableProjects:
		refs("slots (items)", count(c.r.Slots(k.id)))
	case index.TableGrids:
		refs("units", count(c.r.UnitsInGrid(k.id)))
		refs("grids (as neighbour)", count(c.r.GridsNextTo(k.id)))
	case index.TableAlliances:
		refs("alliances (as parent)", count(c.r.Children(k.id)))
		refs("claims (as meeting)", count(c.r.ClaimsOfMeeting(k.id)))
	}
	c.ledgerDeleted(k, refs) // check_ledger.go
}

// count returns the length of seq.
func count[T any](seq iter.Seq[T]) int {
	n := 0
	for range seq {
		n++
	}
	return n
}

// totals checks that the claims holding each touched item do not exceed its
// quantity.
func (c *checker) totals() {
	if c.full {
		held := map[string]int64{}
		for cl := range c.r.Claims() {
			if cl.Status.Holds() {
				held[cl.Resource] += cl.Quantity
				held[cl.Demand] += cl.Quantity
			}
		}
		c.items = map[string]bool{}
		for id := range held {
			c.items[id] = true
		}
	}
	ids := make([]string, 0, len(c.items))
	for id := range c.items {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		it, err := c.r.Item(id)
		if err != nil {
			continue
		}
		if held := c.r.Held(it); held > it.Quantity {
			c.p.List = append(c.p.List, matcher.NewError(matcher.ECONFLICT, fmt.Sprintf("%s[%s].quantity", index.TableItems, id),
				"item %q is over-claimed: confirmed claims hold %d, its quantity is %d", id, held, it.Quantity))
		}
	}
}

// check runs the checker for the changes of a mutation against r: put[k]
// is true for a record put, false for one deleted; objs[i] is the record
// changes[i] holds now (current). (The load at start checks every record:
// checkLoaded.)
func check(r index.Reader, vocab *matcher.Vocabulary, changes []key, put map[key]bool, objs []any) error {
	one := func(c *checker, lo, hi int) {
		for i := lo; i < hi; i++ {
			if k := changes[i]; !put[k] {
				c.deleted(k)
				continue
			}
			c.record(objs[i])
		}
	}
	c := &checker{r: r, vocab: vocab, items: map[string]bool{}}
	n := 1
	if len(changes) >= parallelCheck {
		n = runtime.GOMAXPROCS(0)
	}
	if n == 1 {
		one(c, 0, len(changes))
	} else {
		// A large mutation (an import) is checked by n workers, each on
		// its own read-only snapshot of the mutation's state, each a
		// contiguous share of the changes; their problems are joined in
		// order, as one checker's would be, and the totals run once.
		parts := make([]*checker, n)
		var wg sync.WaitGroup
		for i := range parts {
			part := &checker{r: index.NewReader(r.Txn().Snapshot()), vocab: vocab, items: map[string]bool{}}
			parts[i] = part
			lo, hi := i*len(changes)/n, (i+1)*len(changes)/n
			wg.Go(func() { one(part, lo, hi) })
		}
		wg.Wait()
		join(c, parts)
		for _, part := range parts {
			for id := range part.items {
				c.items[id] = true
			}
		}
	}
	c.totals()
	return c.p.Err()
}

// parallelCheck is the number of changes from which a mutation's checks
// run on GOMAXPROCS workers (a variable for the tests).
var parallelCheck = 16384

// join appends the problems of parts, in order, to c's, keeping the first
// matcher.MaxProblems and counting the rest.
func join(c *checker, parts []*checker) {
	for _, part := range parts {
		c.p.List = append(c.p.List, part.p.List...)
		c.p.More += part.p.More
	}
	if over := len(c.p.List) - matcher.MaxProblems; over > 0 {
		c.p.List, c.p.More = c.p.List[:matcher.MaxProblems], c.p.More+over
	}
}

// current returns the record each of changes holds in txn, nil for one
// deleted (put[k] false), looked up once for the checks and the encoding.
func current(txn *memdb.Txn, changes []key, put map[key]bool) ([]any, error) {
	objs := make([]any, len(changes))
	for i, k := range changes {
		if !put[k] {
			continue
		}
		raw, err := txn.First(k.table, index.IndexID, k.id)
		if err != nil {
			return nil, err
		}
		if raw == nil {
			return nil, fmt.Errorf("store: %s/%s was put but is not in the index", k.table, k.id)
		}
		objs[i] = raw
	}
	return objs, nil
}

// checkLoaded runs the checker at start on every record of the state db
// holds (recs, every record in load order), in parallel: each of
// GOMAXPROCS workers checks a contiguous share of recs on its own read
// transaction, and their problems are joined in the order of recs, so the
// error is the one a single checker over recs in order would return. The
// totals and the ledger's replay run once, on everything.
func checkLoaded(db *memdb.MemDB, vocab *matcher.Vocabulary, recs []any) error {
	n := max(1, min(runtime.GOMAXPROCS(0), len(recs)/4096))
	parts := make([]*checker, n)
	var wg sync.WaitGroup
	for i := range parts {
		c := &checker{r: index.NewReader(db.Txn(false)), vocab: vocab, items: map[string]bool{}, full: true}
		parts[i] = c
		lo, hi := i*len(recs)/n, (i+1)*len(recs)/n
		wg.Go(func() {
			for _, raw := range recs[lo:hi] {
				c.record(raw)
			}
		})
	}
	wg.Wait()
	c := &checker{r: index.NewReader(db.Txn(false)), vocab: vocab, items: map[string]bool{}, full: true}
	join(c, parts)
	c.totals()
	c.replay()
	return c.p.Err()
}

// record checks one record of the state.
func (c *checker) record(raw any) {
	switch v := raw.(type) {
	case *matcher.Grid:
		c.grid(v)
	case *matcher.Alliance:
		c.alliance(v)
	case *matcher.Unit:
		c.unit(v)
	case *matcher.Project:
		c.project(v)
	case *matcher.Item:
		c.item(v)
	case *matcher.Claim:
		c.claim(v)
	// The points ledger (check_ledger.go).
	case *matcher.Account:
		c.account(v)
	case *matcher.Transfer:
		c.transfer(v)
	case *matcher.Offer:
		c.offer(v)
	case *matcher.Redemption:
		c.redemption(v)
	case *matcher.EarnRule:
		c.rule(v)
	case *matcher.Earners:
		c.earners(v)
	}
}
