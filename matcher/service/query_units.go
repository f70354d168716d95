package service

import (
	"cmp"
	"slices"

	"github.com/allymatch/allymatch/matcher"
)

// UnitQuery asks for a page of the units of a meeting's scope.
type UnitQuery struct {
	Text     string           // the unit's id or a part of its name
	Kind     matcher.UnitKind // "": any
	Grid     string           // a red grid's id ("": any)
	Alliance string           // one alliance of the scope ("": any)
	Waiting  bool             // only units with claims waiting for their answer
	Sort     string           // UnitSort…; "" sorts by name
	Page
}

// The sorts of UnitQuery.
const (
	UnitSortName    = "name"    // by name (pinyin)
	UnitSortWaiting = "waiting" // most claims waiting for an answer first
	UnitSortItems   = "items"   // most open items first
)

// UnitSorts are the sorts a unit list offers.
var UnitSorts = []string{UnitSortName, UnitSortWaiting, UnitSortItems}

// UnitRow is a unit of a meeting's scope with its numbers.
type UnitRow struct {
	Unit      *matcher.Unit `json:"unit"`
	Alliance  string        `json:"alliance"`  // the scope's alliance it belongs to (the lowest, by id)
	Demands   int           `json:"demands"`   // open demands
	Resources int           `json:"resources"` // open resources
	Projects  int           `json:"projects"`
	Waiting   int           `json:"waiting"` // claims waiting for its answer
	Overdue   int           `json:"overdue"` // of those, past their deadline
}

// UnitPage is one page of a meeting's units.
type UnitPage struct {
	Total int                      `json:"total"`
	Units []UnitRow                `json:"units"`
	Kinds map[matcher.UnitKind]int `json:"kinds"` // the scope's units by kind, before the query
}

// MeetingUnits returns a page of the units of the meeting of alliance
// (its alliance and every one below it), with their open items and the
// claims waiting for them, searched, filtered and sorted as q says. A
// read: no audit event.
//
// Errors: ENOTFOUND for a meeting the caller may not run.
func (s *Service) MeetingUnits(actor matcher.Actor, alliance string, q UnitQuery) (*UnitPage, error) {
	sn, scope, err := s.meetingScope(actor, alliance)
	if err != nil {
		return nil, err
	}
	now := s.now()
	text := newTextQuery(q.Text)
	out := &UnitPage{Kinds: map[matcher.UnitKind]int{}}
	var rows []UnitRow
	for _, id := range scope.Units() {
		u := sn.UnitRaw(id)
		if u == nil {
			continue
		}
		out.Kinds[u.Kind]++
		if q.Kind != "" && u.Kind != q.Kind || q.Grid != "" && u.Grid != q.Grid || !text.match(u.ID, u.Name) {
			continue
		}
		row := UnitRow{Unit: u}
		for al := range sn.AlliancesOf(id) {
			if slices.Contains(scope.Alliances, al.ID) && (row.Alliance == "" || al.Level.Rank() < levelOf(sn.Reader, row.Alliance).Rank()) {
				row.Alliance = al.ID
			}
			if q.Alliance != "" && al.ID == q.Alliance {
				row.Alliance = q.Alliance
			}
		}
		if q.Alliance != "" && row.Alliance != q.Alliance {
			continue
		}
		for c := range sn.ClaimsWaitingFor(id) {
			row.Waiting++
			if c.Overdue(now) {
				row.Overdue++
			}
		}
		if q.Waiting && row.Waiting == 0 {
			continue
		}
		for it := range sn.ItemsOf(id) {
			if it.Status != matcher.ItemOpen {
				continue
			}
			if it.Kind == matcher.Demand {
				row.Demands++
			} else {
				row.Resources++
			}
		}
		for range sn.ProjectsOf(id) {
			row.Projects++
		}
		rows = append(rows, row)
	}
	o := newNameOrder()
	byName := func(a, b UnitRow) int {
		return cmp.Or(o.compare(a.Unit.Name, b.Unit.Name), cmp.Compare(a.Unit.ID, b.Unit.ID))
	}
	switch q.Sort {
	case UnitSortWaiting:
		slices.SortStableFunc(rows, func(a, b UnitRow) int {
			return cmp.Or(cmp.Compare(b.Overdue, a.Overdue), cmp.Compare(b.Waiting, a.Waiting), byName(a, b))
		})
	case UnitSortItems:
		slices.SortStableFunc(rows, func(a, b UnitRow) int {
			return cmp.Or(cmp.Compare(b.Demands+b.Resources, a.Demands+a.Resources), byName(a, b))
		})
	default:
		slices.SortStableFunc(rows, byName)
	}
	out.Total = len(rows)
	out.Units = pageOf(rows, q.Page)
	return out, nil
}

// levelOf is an alliance's level (community when unknown).
func levelOf(r interface {
	Alliance(string) (*matcher.Alliance, error)
}, id string) matcher.Level {
	if a, err := r.Alliance(id); err == nil {
		return a.Level
	}
	return matcher.Community
}
