package service

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/allymatch/allymatch/matcher"
)

// ClaimQuery asks for a page of a meeting's claims.
type ClaimQuery struct {
	Statuses []matcher.ClaimStatus // none: every status
	// Text is searched in both items' ids, titles, tags and categories,
	// both units' names and the claim's id.
	Text     string
	Category string // the demand's category
	Unit     string // a unit of either side: its id or a part of its name
	// Answer filters proposed claims by their answers: AnswerNone (no side
	// has accepted), AnswerOne (one side has, the other not yet),
	// AnswerOverdue (past the deadline without both answers).
	Answer   string
	Priority int    // the demand's priority (0: any)
	Sort     string // ClaimSort…; "" sorts by demand unit
	Page
}

// The answer filters and sorts of ClaimQuery.
const (
	AnswerNone    = "none"
	AnswerOne     = "one"
	AnswerOverdue = "overdue"

	ClaimSortUnit     = "unit"     // the demand unit's name, then the claim (the agenda's order)
	ClaimSortScore    = "score"    // highest score first
	ClaimSortQuantity = "quantity" // largest first
	ClaimSortDue      = "due"      // earliest deadline first, none last
	ClaimSortNewest   = "newest"   // most recently made first
)

// ClaimSorts are the sorts a claim list offers.
var ClaimSorts = []string{ClaimSortUnit, ClaimSortScore, ClaimSortQuantity, ClaimSortDue, ClaimSortNewest}

// ClaimPage is one page of a meeting's claims.
type ClaimPage struct {
	Total    int                         `json:"total"` // claims that pass the query
	Claims   []*matcher.Claim            `json:"claims"`
	ByStatus map[matcher.ClaimStatus]int `json:"by_status"` // the meeting's claims by status, before the query
	At       time.Time                   `json:"at"`        // the time overdue is told at
}

// MeetingClaims returns a page of the claims the meeting of alliance made
// (or that were claimed by hand at it), searched, filtered and sorted as
// q says. A read: no audit event.
//
// Errors: ENOTFOUND for a meeting the caller may not run.
func (s *Service) MeetingClaims(actor matcher.Actor, alliance string, q ClaimQuery) (*ClaimPage, error) {
	sn, err := s.meeting(actor, alliance)
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := &ClaimPage{ByStatus: map[matcher.ClaimStatus]int{}, At: now}
	text := newTextQuery(q.Text)
	units := newUnitFilter(sn.Reader, q.Unit)
	var hits []*matcher.Claim
	for c := range sn.ClaimsOfMeeting(alliance) {
		out.ByStatus[c.Status]++
		if len(q.Statuses) > 0 && !slices.Contains(q.Statuses, c.Status) {
			continue
		}
		if q.Answer != "" && !answerIs(c, q.Answer, now) {
			continue
		}
		if units != nil && !units.keep(c.ResourceUnit) && !units.keep(c.DemandUnit) {
			continue
		}
		dem, _ := sn.Item(c.Demand)
		if q.Category != "" && (dem == nil || dem.Category != q.Category) {
			continue
		}
		if q.Priority != 0 && (dem == nil || dem.Priority != q.Priority) {
			continue
		}
		if len(text) > 0 {
			res, _ := sn.Item(c.Resource)
			texts := []string{c.ID, unitName(sn.Reader, c.ResourceUnit), unitName(sn.Reader, c.DemandUnit)}
			for _, it := range []*matcher.Item{res, dem} {
				if it != nil {
					id, zh, en := categoryTexts(sn.Vocab, it.Category)
					texts = append(texts, it.ID, it.Title, strings.Join(it.Tags, " "), id, zh, en)
				}
			}
			if !text.match(texts...) {
				continue
			}
		}
		hits = append(hits, c)
	}
	out.Total = len(hits)
	sortClaims(sn.Reader, hits, q.Sort)
	out.Claims = pageOf(hits, q.Page)
	return out, nil
}

// answerIs reports whether proposed claim c passes an answer filter.
func answerIs(c *matcher.Claim, filter string, now time.Time) bool {
	if c.Status != matcher.ClaimProposed {
		return false
	}
	switch filter {
	case AnswerNone:
		return len(c.AcceptedBy) == 0
	case AnswerOne:
		return len(c.AcceptedBy) == 1
	case AnswerOverdue:
		return c.Overdue(now)
	}
	return true
}

// sortClaims orders claims by sort (ties: by claim id).
func sortClaims(r interface{ UnitRaw(string) *matcher.Unit }, cs []*matcher.Claim, sort string) {
	by := func(f func(a, b *matcher.Claim) int) {
		slices.SortStableFunc(cs, func(a, b *matcher.Claim) int { return cmp.Or(f(a, b), cmp.Compare(a.ID, b.ID)) })
	}
	switch sort {
	case ClaimSortScore:
		by(func(a, b *matcher.Claim) int { return cmp.Compare(b.Score, a.Score) })
	case ClaimSortQuantity:
		by(func(a, b *matcher.Claim) int { return cmp.Compare(b.Quantity, a.Quantity) })
	case ClaimSortDue:
		by(func(a, b *matcher.Claim) int { return compareDue(a.AnswerBy, b.AnswerBy) })
	case ClaimSortNewest:
		by(func(a, b *matcher.Claim) int { return b.Created.Compare(a.Created) })
	default:
		o := newNameOrder()
		by(func(a, b *matcher.Claim) int {
			return o.compareUnits(r, a.DemandUnit, b.DemandUnit)
		})
	}
}
