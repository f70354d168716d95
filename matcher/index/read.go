package index

import (
	"iter"
	"slices"

	memdb "github.com/allymatch/allymatch/internal/third_party/memdb"
	"github.com/allymatch/allymatch/matcher"
)

// Reader is typed, read-only access to one consistent state of the index:
// a read transaction, a snapshot, or a write transaction seen by its writer.
// Objects it returns are shared and must not be modified.
//
// A Reader made by Track records its lookups (see Reads); one made by
// Where filters its walks.
type Reader struct {
	txn *memdb.Txn
	t   *tracker // nil: neither recorded nor filtered
}

// NewReader wraps txn.
func NewReader(txn *memdb.Txn) Reader { return Reader{txn: txn} }

// Txn returns the underlying transaction.
func (r Reader) Txn() *memdb.Txn { return r.txn }

func first[T any](r Reader, table, index string, args ...any) (*T, error) {
	r.note(table, index, false, args...)
	raw, err := r.txn.First(table, index, args...)
	if err != nil {
		return nil, err
	}
	if raw == nil {
		return nil, nil
	}
	return raw.(*T), nil
}

func get[T any](r Reader, table, index string, args ...any) iter.Seq[*T] {
	return func(yield func(*T) bool) {
		it, err := r.txn.Get(table, index, args...)
		if err != nil {
			panic("index: " + err.Error()) // schema and argument bugs only
		}
		var keep func(any) bool
		if r.t != nil {
			keep = r.t.keep
			r.note(table, index, keep != nil, args...)
		}
		for raw := it.Next(); raw != nil; raw = it.Next() {
			if keep != nil && !keep(raw) {
				continue
			}
			if !yield(raw.(*T)) {
				return
			}
		}
	}
}

func one[T any](r Reader, table, what, id string) (*T, error) {
	v, err := first[T](r, table, IndexID, id)
	if err != nil {
		return nil, err
	}
	if v == nil {
		return nil, matcher.Errorf(matcher.ENOTFOUND, "%s %q not found", what, id)
	}
	return v, nil
}

// Grid returns the grid with id, or an ENOTFOUND error.
func (r Reader) Grid(id string) (*matcher.Grid, error) {
	return one[matcher.Grid](r, TableGrids, "grid", id)
}

// Alliance returns the alliance with id, or an ENOTFOUND error.
func (r Reader) Alliance(id string) (*matcher.Alliance, error) {
	return one[matcher.Alliance](r, TableAlliances, "alliance", id)
}

// Unit returns the unit with id, or an ENOTFOUND error. Its Alliances field
// is filled from the alliances (a copy is returned).
func (r Reader) Unit(id string) (*matcher.Unit, error) {
	u, err := one[matcher.Unit](r, TableUnits, "unit", id)
	if err != nil {
		return nil, err
	}
	c := *u
	for a := range r.AlliancesOf(id) {
		c.Alliances = append(c.Alliances, a.ID)
	}
	return &c, nil
}

// UnitRaw returns the stored unit with id (Alliances empty), or nil.
func (r Reader) UnitRaw(id string) *matcher.Unit {
	u, _ := first[matcher.Unit](r, TableUnits, IndexID, id)
	return u
}

// Item returns the item with id, or an ENOTFOUND error.
func (r Reader) Item(id string) (*matcher.Item, error) {
	return one[matcher.Item](r, TableItems, "item", id)
}

// Project returns the project with id, or an ENOTFOUND error.
func (r Reader) Project(id string) (*matcher.Project, error) {
	return one[matcher.Project](r, TableProjects, "project", id)
}

// Claim returns the claim with id, or an ENOTFOUND error.
func (r Reader) Claim(id string) (*matcher.Claim, error) {
	return one[matcher.Claim](r, TableClaims, "claim", id)
}

// Grids walks every grid in id order.
func (r Reader) Grids() iter.Seq[*matcher.Grid] { return get[matcher.Grid](r, TableGrids, IndexID) }

// GridsNextTo walks the grids that list grid as a neighbour.
func (r Reader) GridsNextTo(grid string) iter.Seq[*matcher.Grid] {
	return get[matcher.Grid](r, TableGrids, IndexNeighbour, grid)
}

// Alliances walks every alliance in id order.
func (r Reader) Alliances() iter.Seq[*matcher.Alliance] {
	return get[matcher.Alliance](r, TableAlliances, IndexID)
}

// AlliancesAt walks the alliances of one level.
func (r Reader) AlliancesAt(l matcher.Level) iter.Seq[*matcher.Alliance] {
	return get[matcher.Alliance](r, TableAlliances, IndexLevel, string(l))
}

// MeetingsBottomUp returns the ids of every alliance (each one a joint
// meeting), community level first, then street, then district, by id
// within a level: the order a run of every meeting takes, lower meetings
// first.
func (r Reader) MeetingsBottomUp() []string {
	var out []string
	for _, l := range matcher.Levels {
		n := len(out)
		for a := range r.AlliancesAt(l) {
			out = append(out, a.ID)
		}
		slices.Sort(out[n:])
	}
	return out
}

// Children walks the alliances whose parent is id.
func (r Reader) Children(id string) iter.Seq[*matcher.Alliance] {
	return get[matcher.Alliance](r, TableAlliances, IndexParent, id)
}

// AlliancesOf walks the alliances unit belongs to (as lead or member).
func (r Reader) AlliancesOf(unit string) iter.Seq[*matcher.Alliance] {
	return get[matcher.Alliance](r, TableAlliances, IndexAlliance, unit)
}

// Units walks every unit in id order (Alliances not filled).
func (r Reader) Units() iter.Seq[*matcher.Unit] { return get[matcher.Unit](r, TableUnits, IndexID) }

// UnitsInGrid walks the units of one red grid.
func (r Reader) UnitsInGrid(grid string) iter.Seq[*matcher.Unit] {
	return get[matcher.Unit](r, TableUnits, IndexGrid, grid)
}

// Items walks every item in id order.
func (r Reader) Items() iter.Seq[*matcher.Item] { return get[matcher.Item](r, TableItems, IndexID) }

// ItemsOf walks the items of one unit.
func (r Reader) ItemsOf(unit string) iter.Seq[*matcher.Item] {
	return get[matcher.Item](r, TableItems, IndexUnit, unit)
}

// ItemsByUnit walks every item, by unit id and then by id: the items of
// one unit (ItemsOf) come one after another.
func (r Reader) ItemsByUnit() iter.Seq[*matcher.Item] {
	return get[matcher.Item](r, TableItems, IndexUnit+"_prefix", "")
}

// ItemsByCategory walks the items of one kind and category.
func (r Reader) ItemsByCategory(kind matcher.ItemKind, category string) iter.Seq[*matcher.Item] {
	return get[matcher.Item](r, TableItems, IndexKindCategory, string(kind), category)
}

// ItemsAtLevel walks the items sitting at one meeting level.
func (r Reader) ItemsAtLevel(l matcher.Level) iter.Seq[*matcher.Item] {
	return get[matcher.Item](r, TableItems, IndexLevel, string(l))
}

// ItemsAtLevelBetween walks the items of one level whose ids are at least
// from and below to ("": no bound), in id order: a level's items in parts
// (ItemsAtLevel is the whole, in the same order), to walk them at once.
// The level index keys an item by its level and then its id (go-memdb
// appends the id to the keys of an index that is not unique), so the walk
// starts at from with one seek.
func (r Reader) ItemsAtLevelBetween(l matcher.Level, from, to string) iter.Seq[*matcher.Item] {
	return func(yield func(*matcher.Item) bool) {
		r.noteKey(TableItems, IndexLevel, string(l)+"\x00", false) // the whole level, as a superset
		it, err := r.txn.LowerBound(TableItems, IndexLevel, string(l)+"\x00"+from)
		if err != nil {
			panic("index: " + err.Error()) // schema and argument bugs only
		}
		for raw := it.Next(); raw != nil; raw = it.Next() {
			item := raw.(*matcher.Item)
			if item.Level != l || to != "" && item.ID >= to {
				return
			}
			if item.ID >= from && !yield(item) {
				return
			}
		}
	}
}

// LevelIDs returns the least and the greatest id of the items of one
// level ("" for none).
func (r Reader) LevelIDs(l matcher.Level) (first, last string) {
	r.noteStr(TableItems, IndexLevel, string(l))
	if raw, err := r.txn.First(TableItems, IndexLevel, string(l)); err == nil && raw != nil {
		first = raw.(*matcher.Item).ID
	}
	if raw, err := r.txn.Last(TableItems, IndexLevel, string(l)); err == nil && raw != nil {
		last = raw.(*matcher.Item).ID
	}
	return first, last
}

// Slots walks the demand items that are slots of project.
func (r Reader) Slots(project string) iter.Seq[*matcher.Item] {
	return get[matcher.Item](r, TableItems, IndexProject, project)
}

// Projects walks every project in id order.
func (r Reader) Projects() iter.Seq[*matcher.Project] {
	return get[matcher.Project](r, TableProjects, IndexID)
}

// ProjectsOf walks the projects of one unit.
func (r Reader) ProjectsOf(unit string) iter.Seq[*matcher.Project] {
	return get[matcher.Project](r, TableProjects, IndexUnit, unit)
}

// Claims walks every claim in id order.
func (r Reader) Claims() iter.Seq[*matcher.Claim] { return get[matcher.Claim](r, TableClaims, IndexID) }

// ClaimsOnResource walks the claims on one resource item.
func (r Reader) ClaimsOnResource(item string) iter.Seq[*matcher.Claim] {
	return get[matcher.Claim](r, TableClaims, IndexResource, item)
}

// ClaimsOnDemand walks the claims on one demand item.
func (r Reader) ClaimsOnDemand(item string) iter.Seq[*matcher.Claim] {
	return get[matcher.Claim](r, TableClaims, IndexDemand, item)
}

// ClaimsOnItem walks the claims on an item of either kind.
func (r Reader) ClaimsOnItem(it *matcher.Item) iter.Seq[*matcher.Claim] {
	if it.Kind == matcher.Resource {
		return r.ClaimsOnResource(it.ID)
	}
	return r.ClaimsOnDemand(it.ID)
}

// ClaimsOfUnit walks the claims where unit is on the given side.
func (r Reader) ClaimsOfUnit(side matcher.Side, unit string) iter.Seq[*matcher.Claim] {
	if side == matcher.ResourceSide {
		return get[matcher.Claim](r, TableClaims, IndexResourceUnit, unit)
	}
	return get[matcher.Claim](r, TableClaims, IndexDemandUnit, unit)
}

// ClaimsByStatus walks the claims with one status.
func (r Reader) ClaimsByStatus(s matcher.ClaimStatus) iter.Seq[*matcher.Claim] {
	return get[matcher.Claim](r, TableClaims, IndexStatus, string(s))
}

// ClaimsOfMeeting walks the claims one meeting made.
func (r Reader) ClaimsOfMeeting(meeting string) iter.Seq[*matcher.Claim] {
	return get[matcher.Claim](r, TableClaims, IndexMeeting, meeting)
}

// ClaimsOnPair walks the claims pairing one resource with one demand.
func (r Reader) ClaimsOnPair(resource, demand string) iter.Seq[*matcher.Claim] {
	return get[matcher.Claim](r, TableClaims, IndexPair, resource, demand)
}

// ClaimsOnItemWith walks the claims on an item (of either kind) that have
// status, without walking the others.
func (r Reader) ClaimsOnItemWith(it *matcher.Item, status matcher.ClaimStatus) iter.Seq[*matcher.Claim] {
	if it.Kind == matcher.Resource {
		return get[matcher.Claim](r, TableClaims, IndexResourceStat, it.ID, string(status))
	}
	return get[matcher.Claim](r, TableClaims, IndexDemandStat, it.ID, string(status))
}

// ClaimsOfMeetingWith walks the claims of one meeting that have status.
func (r Reader) ClaimsOfMeetingWith(meeting string, status matcher.ClaimStatus) iter.Seq[*matcher.Claim] {
	return get[matcher.Claim](r, TableClaims, IndexMeetingStat, meeting, string(status))
}

// HasClaims reports whether any claim, of any status, names item: one
// seek, so that the common case of an item without claims costs no more.
func (r Reader) HasClaims(it *matcher.Item) bool {
	ix := IndexDemand
	if it.Kind == matcher.Resource {
		ix = IndexResource
	}
	r.noteStr(TableClaims, ix, it.ID)
	raw, err := r.txn.First(TableClaims, ix, it.ID)
	return err == nil && raw != nil
}

// Held returns the quantity of item held by confirmed and fulfilled claims.
func (r Reader) Held(it *matcher.Item) int64 {
	if !r.HasClaims(it) {
		return 0
	}
	return r.Track(nil).HeldOfClaimed(it) // the claims on it, recorded whole by HasClaims
}

// HeldOfClaimed is Held of an item the caller knows has claims (it asked
// HasClaims already): the sum alone, without that lookup again.
func (r Reader) HeldOfClaimed(it *matcher.Item) int64 {
	var n int64
	for _, s := range []matcher.ClaimStatus{matcher.ClaimConfirmed, matcher.ClaimFulfilled} {
		for c := range r.ClaimsOnItemWith(it, s) {
			n += c.Quantity
		}
	}
	return n
}

// Count returns the number of objects in table.
func (r Reader) Count(table string) int {
	r.note(table, IndexID, false)
	it, err := r.txn.Get(table, IndexID)
	if err != nil {
		panic("index: " + err.Error())
	}
	n := 0
	for raw := it.Next(); raw != nil; raw = it.Next() {
		n++
	}
	return n
}
