package service

import (
	"cmp"
	"slices"
	"strings"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/index"
	"github.com/allymatch/allymatch/matcher/match"
)

// ItemQuery asks for a page of items.
type ItemQuery struct {
	// Text is searched in the item's id, title, description, tags,
	// category and its unit's name.
	Text     string
	Kind     matcher.ItemKind   // "": both lists
	Category string             // "": any
	Status   matcher.ItemStatus // "": any
	Unit     string             // the unit: its id or a part of its name
	Priority int                // 0: any
	Level    matcher.Level      // "": any
	Open     bool               // only items with quantity left after confirmed and proposed claims
	// For, when set, keeps only the items that can pair with it: of the
	// other kind, with a category that meets it or that it meets.
	For  *matcher.Item
	Sort string // ItemSort…; "" sorts by id
	Page
}

// The sorts of ItemQuery.
const (
	ItemSortID       = "id"       // by id
	ItemSortTitle    = "title"    // by title (pinyin)
	ItemSortUnit     = "unit"     // by unit name, then id
	ItemSortPriority = "priority" // most urgent first
	ItemSortOpen     = "open"     // most quantity left first
)

// ItemSorts are the sorts an item list offers.
var ItemSorts = []string{ItemSortID, ItemSortTitle, ItemSortUnit, ItemSortPriority, ItemSortOpen}

// ItemRow is an item with what of its quantity claims hold.
type ItemRow struct {
	Item     *matcher.Item `json:"item"`
	Held     int64         `json:"held"`     // confirmed and fulfilled claims
	Reserved int64         `json:"reserved"` // held, and proposals waiting for an answer
}

// Open is the quantity left: neither held nor proposed.
func (r ItemRow) Open() int64 { return max(0, r.Item.Quantity-r.Reserved) }

// ItemPage is one page of items.
type ItemPage struct {
	Total int       `json:"total"`
	Items []ItemRow `json:"items"`
}

// MeetingItems returns a page of the items of the units of the meeting of
// alliance (every level, unless q names one), searched, filtered and
// sorted as q says. A read: no audit event.
//
// Errors: ENOTFOUND for a meeting the caller may not run.
func (s *Service) MeetingItems(actor matcher.Actor, alliance string, q ItemQuery) (*ItemPage, error) {
	sn, scope, err := s.meetingScope(actor, alliance)
	if err != nil {
		return nil, err
	}
	f := newItemFilter(sn.Reader, sn.Vocab, q)
	var rows []ItemRow
	for _, u := range scope.Units() {
		if !f.units.keep(u) {
			continue
		}
		for it := range sn.ItemsOf(u) {
			switch {
			case f.tallyAll():
				if row, ok := f.keep(it); ok {
					rows = append(rows, row)
				}
			case f.match(it):
				rows = append(rows, ItemRow{Item: it}) // tallied in page
			}
		}
	}
	return f.page(rows), nil
}

// ClaimableItems returns a page of the open items of other units that
// unit may claim (CanSeeItem for the unit, and for the caller, which
// depends on an item's unit and level only) with
// quantity left, searched, filtered and sorted as q says: at the
// community level the items of the units of unit's community alliances,
// above it the items escalated to the level of a meeting over them whose
// scope holds their unit. The candidates are read by index, as the
// matcher gathers a meeting's items. A read: no audit event.
//
// Errors: ENOTFOUND for a unit whose lists the caller may not change.
func (s *Service) ClaimableItems(actor matcher.Actor, unit string, q ItemQuery) (*ItemPage, error) {
	sn := s.Store.Snapshot()
	if sn.UnitRaw(unit) == nil || !matcher.CanWriteUnit(sn.Reader, actor, unit) {
		return nil, notFound("unit", unit)
	}
	q.Status, q.Open = matcher.ItemOpen, true
	f := newItemFilter(sn.Reader, sn.Vocab, q)
	ua := matcher.UnitActor(unit)
	var rows []ItemRow
	// Whether an item may be claimed depends on its unit and level only
	// (CanSeeItem): asked once per unit and level.
	type unitLevel struct {
		unit  string
		level matcher.Level
	}
	visible := map[unitLevel]bool{}
	add := func(it *matcher.Item) {
		// The cheap filters first, then the scope, then the tallies.
		if it.Unit == unit || !f.units.keep(it.Unit) || !f.match(it) {
			return
		}
		k := unitLevel{it.Unit, it.Level}
		ok, asked := visible[k]
		if !asked {
			ok = matcher.CanSeeItem(sn.Reader, ua, it) && (actor == ua || matcher.CanSeeItem(sn.Reader, actor, it))
			visible[k] = ok
		}
		if !ok {
			return
		}
		if row, ok := f.row(it); ok {
			rows = append(rows, row)
		}
	}
	// Each item comes once: the community part walks each unit once, and
	// each level above is read once.
	above := map[matcher.Level][]*match.Scope{}
	done, walked := map[string]bool{}, map[string]bool{}
	for al := range sn.AlliancesOf(unit) {
		for cur, hops := al, 0; cur != nil && hops <= len(matcher.Levels) && !done[cur.ID]; hops++ {
			done[cur.ID] = true
			if scope, err := match.ResolveScope(sn.Reader, cur.ID); err == nil {
				if cur.Level == matcher.Community {
					for _, u := range scope.Units() {
						if walked[u] {
							continue
						}
						walked[u] = true
						for it := range sn.ItemsOf(u) {
							if it.Level == matcher.Community {
								add(it)
							}
						}
					}
				} else {
					above[cur.Level] = append(above[cur.Level], scope)
				}
			}
			if cur.Parent == "" {
				break
			}
			cur, _ = sn.Alliance(cur.Parent)
		}
	}
	for _, l := range matcher.Levels {
		scopes := above[l]
		if len(scopes) == 0 {
			continue
		}
		for it := range sn.ItemsAtLevel(l) {
			for _, sc := range scopes {
				if sc.HasUnit(it.Unit) {
					add(it)
					break
				}
			}
		}
	}
	return f.page(rows), nil
}

// itemFilter runs an ItemQuery over items.
type itemFilter struct {
	r     index.Reader
	vocab *matcher.Vocabulary
	q     ItemQuery
	text  textQuery
	units *unitFilter
}

func newItemFilter(r index.Reader, v *matcher.Vocabulary, q ItemQuery) *itemFilter {
	return &itemFilter{r: r, vocab: v, q: q, text: newTextQuery(q.Text), units: newUnitFilter(r, q.Unit)}
}

// keep reports whether it passes the query, with its row.
func (f *itemFilter) keep(it *matcher.Item) (ItemRow, bool) {
	if !f.match(it) {
		return ItemRow{}, false
	}
	return f.row(it)
}

// match reports whether it passes the query's filters and text (all but
// Open, which needs its claims).
func (f *itemFilter) match(it *matcher.Item) bool {
	q := f.q
	switch {
	case q.Kind != "" && it.Kind != q.Kind,
		q.Category != "" && it.Category != q.Category,
		q.Status != "" && it.Status != q.Status,
		q.Priority != 0 && it.Priority != q.Priority,
		q.Level != "" && it.Level != q.Level,
		q.For != nil && !f.vocab.Pair(it, q.For):
		return false
	}
	if len(f.text) > 0 {
		id, zh, en := categoryTexts(f.vocab, it.Category)
		return f.text.match(it.ID, it.Title, it.Description, strings.Join(it.Tags, " "), id, zh, en, unitName(f.r, it.Unit))
	}
	return true
}

// row reads its tallies; false when the query asks for quantity left and
// it has none.
func (f *itemFilter) row(it *matcher.Item) (ItemRow, bool) {
	row := f.tallied(it)
	if f.q.Open && row.Open() <= 0 {
		return ItemRow{}, false
	}
	return row, true
}

// tallied is its row with what claims hold and reserve of it.
func (f *itemFilter) tallied(it *matcher.Item) ItemRow {
	held, reserved := match.HeldReserved(f.r, it, "")
	return ItemRow{Item: it, Held: held, Reserved: reserved}
}

// tallyAll reports whether the query needs every row's tallies before
// its page is cut (to filter or sort by quantity left); when not, only
// the page's rows are tallied.
func (f *itemFilter) tallyAll() bool { return f.q.Open || f.q.Sort == ItemSortOpen }

// page sorts rows as the query says and returns its page.
func (f *itemFilter) page(rows []ItemRow) *ItemPage {
	byID := func(a, b ItemRow) int { return cmp.Compare(a.Item.ID, b.Item.ID) }
	sorted := func(fn func(a, b ItemRow) int) {
		slices.SortStableFunc(rows, func(a, b ItemRow) int { return cmp.Or(fn(a, b), byID(a, b)) })
	}
	switch f.q.Sort {
	case ItemSortTitle:
		o := newNameOrder()
		sorted(func(a, b ItemRow) int { return o.compare(a.Item.Title, b.Item.Title) })
	case ItemSortUnit:
		o := newNameOrder()
		sorted(func(a, b ItemRow) int { return o.compareUnits(f.r, a.Item.Unit, b.Item.Unit) })
	case ItemSortPriority:
		sorted(func(a, b ItemRow) int { return cmp.Compare(b.Item.Priority, a.Item.Priority) })
	case ItemSortOpen:
		sorted(func(a, b ItemRow) int { return cmp.Compare(b.Open(), a.Open()) })
	default:
		slices.SortFunc(rows, byID)
	}
	out := &ItemPage{Total: len(rows), Items: pageOf(rows, f.q.Page)}
	if !f.tallyAll() {
		for i, r := range out.Items {
			out.Items[i] = f.tallied(r.Item)
		}
	}
	return out
}
