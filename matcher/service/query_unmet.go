package service

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/match"
	"github.com/allymatch/allymatch/matcher/store"
)

// UnmetQuery asks for a page of a meeting's unmet demands.
type UnmetQuery struct {
	Text     string // the demand's id, title, tags, category or its unit's name
	Category string
	Unit     string // the demand's unit: its id or a part of its name
	Reason   string // match.Reason… ("": any)
	Priority int    // 0: any
	Sort     string // UnmetSort…; "" sorts by the share still open
	Page
}

// The sorts of UnmetQuery.
const (
	// UnmetSortShare puts first the demands with the largest share of
	// their need still open (a demand met in no part first), then the
	// most urgent: shortfalls of unlike measures are never compared.
	UnmetSortShare    = "share"
	UnmetSortPriority = "priority" // most urgent first, then the share open
	UnmetSortUnit     = "unit"     // by unit name
)

// UnmetSorts are the sorts an unmet list offers.
var UnmetSorts = []string{UnmetSortShare, UnmetSortPriority, UnmetSortUnit}

// UnmetRow is an unmet demand: what a new solve leaves of it and why.
type UnmetRow struct {
	match.Unmet
	Item *matcher.Item `json:"item"`
	// Open is the shortfall: what is still open after the claims that
	// hold it and what the solve proposes (Need − Met).
	Open int64 `json:"open"`
}

// MeasureTally adds up demands of one measure: never across measures.
type MeasureTally struct {
	Measure string `json:"measure"`
	Items   int    `json:"items"` // demands
	Need    int64  `json:"need"`
	Met     int64  `json:"met"`
	Open    int64  `json:"open"` // Need − Met
}

// UnmetPage is one page of a meeting's unmet demands.
type UnmetPage struct {
	Seq   uint64     `json:"seq"` // the state solved
	Total int        `json:"total"`
	Rows  []UnmetRow `json:"rows"`
	// ByMeasure is the shortfall of the demands that pass the query, per
	// measure, the most demands first.
	ByMeasure []MeasureTally `json:"by_measure"`
}

// MeetingUnmet returns a page of the demands the meeting of alliance
// cannot meet now: what a new welfare solve of the current state leaves
// unmet, with the reason (the solve reads the state; nothing is stored,
// and proposals are not changed). A read: no audit event.
//
// Errors: ENOTFOUND for a meeting the caller may not run.
func (s *Service) MeetingUnmet(ctx context.Context, actor matcher.Actor, alliance string, q UnmetQuery) (*UnmetPage, error) {
	sn, err := s.meeting(actor, alliance)
	if err != nil {
		return nil, err
	}
	res, err := s.solve(ctx, sn, alliance, match.DefaultSettings())
	if err != nil {
		return nil, err
	}
	text := newTextQuery(q.Text)
	units := newUnitFilter(sn.Reader, q.Unit)
	out := &UnmetPage{Seq: res.Seq}
	var rows []UnmetRow
	tallies := map[string]*MeasureTally{}
	for _, u := range res.Unmet {
		it, err := sn.Item(u.Demand)
		if err != nil {
			continue
		}
		switch {
		case q.Category != "" && u.Category != q.Category,
			q.Reason != "" && u.Reason != q.Reason,
			q.Priority != 0 && it.Priority != q.Priority,
			!units.keep(u.Unit):
			continue
		}
		if len(text) > 0 {
			id, zh, en := categoryTexts(sn.Vocab, it.Category)
			if !text.match(it.ID, it.Title, strings.Join(it.Tags, " "), id, zh, en, unitName(sn.Reader, u.Unit)) {
				continue
			}
		}
		row := UnmetRow{Unmet: u, Item: it, Open: max(0, u.Need-u.Met)}
		rows = append(rows, row)
		t := tallies[it.Measure]
		if t == nil {
			t = &MeasureTally{Measure: it.Measure}
			tallies[it.Measure] = t
		}
		t.Items++
		t.Need += u.Need
		t.Met += u.Met
		t.Open += row.Open
	}
	for _, t := range tallies {
		out.ByMeasure = append(out.ByMeasure, *t)
	}
	slices.SortFunc(out.ByMeasure, func(a, b MeasureTally) int {
		return cmp.Or(cmp.Compare(b.Items, a.Items), cmp.Compare(a.Measure, b.Measure))
	})
	share := func(r UnmetRow) float64 {
		if r.Need <= 0 {
			return 0
		}
		return float64(r.Open) / float64(r.Need)
	}
	byShare := func(a, b UnmetRow) int { return cmp.Compare(share(b), share(a)) }
	byPrio := func(a, b UnmetRow) int { return cmp.Compare(b.Item.Priority, a.Item.Priority) }
	byID := func(a, b UnmetRow) int { return cmp.Compare(a.Demand, b.Demand) }
	switch q.Sort {
	case UnmetSortPriority:
		slices.SortStableFunc(rows, func(a, b UnmetRow) int { return cmp.Or(byPrio(a, b), byShare(a, b), byID(a, b)) })
	case UnmetSortUnit:
		o := newNameOrder()
		slices.SortStableFunc(rows, func(a, b UnmetRow) int {
			return cmp.Or(o.compareUnits(sn.Reader, a.Unit, b.Unit), byID(a, b))
		})
	default:
		slices.SortStableFunc(rows, func(a, b UnmetRow) int { return cmp.Or(byShare(a, b), byPrio(a, b), byID(a, b)) })
	}
	out.Total = len(rows)
	out.Rows = pageOf(rows, q.Page)
	return out, nil
}

// Summary is what a meeting's dashboard shows first: its totals and what
// needs attention.
type Summary struct {
	Meeting string                      `json:"meeting"`
	Claims  map[matcher.ClaimStatus]int `json:"claims"` // the meeting's claims by status
	// Waiting is who has not answered: the counts, the deadline, and the
	// units most overdue first (all of them).
	Waiting *MeetingWaiting `json:"waiting"`
	// Unmet is the first page of unmet demands, the largest share open
	// first, and the shortfall by measure.
	Unmet     *UnmetPage `json:"unmet"`
	Units     int        `json:"units"`     // units of the scope
	Demands   int        `json:"demands"`   // open demands of the scope at the meeting's level
	Resources int        `json:"resources"` // open resources likewise
}

// MeetingSummary returns the totals of the meeting of alliance and what
// needs attention: unanswered and overdue claims by unit, the unmet
// demands with the largest shortfall (top of them), and the open lists of
// its scope. A read: no audit event.
//
// Errors: ENOTFOUND for a meeting the caller may not run.
func (s *Service) MeetingSummary(ctx context.Context, actor matcher.Actor, alliance string, top int) (*Summary, error) {
	w, err := s.MeetingWaiting(actor, alliance)
	if err != nil {
		return nil, err
	}
	u, err := s.MeetingUnmet(ctx, actor, alliance, UnmetQuery{Page: Page{Limit: top}})
	if err != nil {
		return nil, err
	}
	sn := s.Store.Snapshot()
	al, err := sn.Alliance(alliance)
	if err != nil {
		return nil, notFound("meeting", alliance)
	}
	scope, err := match.ResolveScope(sn.Reader, alliance)
	if err != nil {
		return nil, err
	}
	out := &Summary{Meeting: alliance, Claims: map[matcher.ClaimStatus]int{}, Waiting: w, Unmet: u}
	for c := range sn.ClaimsOfMeeting(alliance) {
		out.Claims[c.Status]++
	}
	for _, id := range scope.Units() {
		out.Units++
		for it := range sn.ItemsOf(id) {
			if it.Status != matcher.ItemOpen || it.Level != al.Level {
				continue
			}
			if it.Kind == matcher.Demand {
				out.Demands++
			} else {
				out.Resources++
			}
		}
	}
	return out, nil
}

// MeetingPlan returns what a new welfare solve of the meeting of alliance
// gives on the current state (the plan MeetingUnmet reads, with its
// certificate); nothing is stored. A read: no audit event.
//
// Errors: ENOTFOUND for a meeting the caller may not run.
func (s *Service) MeetingPlan(ctx context.Context, actor matcher.Actor, alliance string) (*match.Result, store.Snapshot, error) {
	sn := s.Store.Snapshot()
	if _, err := sn.Alliance(alliance); err != nil || !matcher.CanRunMeeting(sn.Reader, actor, alliance) {
		return nil, sn, notFound("meeting", alliance)
	}
	res, err := s.solve(ctx, sn, alliance, match.DefaultSettings())
	return res, sn, err
}
