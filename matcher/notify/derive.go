package notify

import (
	"cmp"
	"slices"
	"strconv"
	"time"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/index"
	"github.com/allymatch/allymatch/matcher/service"
	"github.com/allymatch/allymatch/matcher/store"
)

// Note is what one change (or one run of reminders, or a test) tells:
// its lines, and which subscription gets which of them. Notes are
// written in the store's outbox table; the dispatcher folds them into
// messages.
type Note struct {
	Seq       uint64    `json:"seq,omitempty"` // the audit event (0: reminders)
	Time      time.Time `json:"time"`
	Action    string    `json:"action"`
	Actor     string    `json:"actor,omitempty"`
	Alliances []string  `json:"alliances,omitempty"`
	Lines     []Line    `json:"lines"`
	To        []To      `json:"to"`
}

// To is the share of a note one subscription gets: the indexes of its
// lines.
type To struct {
	Sub   string `json:"sub"`
	Lines []int  `json:"lines"`
}

// Line is one thing that happened, with the names people read.
type Line struct {
	Kind        Kind      `json:"kind"`
	Meeting     string    `json:"meeting,omitempty"`
	MeetingName string    `json:"meeting_name,omitempty"`
	Claim       *ClaimRef `json:"claim,omitempty"`
	Item        *ItemRef  `json:"item,omitempty"`
	// Unit, UnitName and Count: a reminder's unit and how many claims wait
	// for its answer.
	Unit     string    `json:"unit,omitempty"`
	UnitName string    `json:"unit_name,omitempty"`
	Count    int       `json:"count,omitempty"`
	AnswerBy time.Time `json:"answer_by,omitzero"`
	// Answer is an answered line's answer (accept, reject, withdraw) by
	// Side, with its Reason.
	Answer string       `json:"answer,omitempty"`
	Side   matcher.Side `json:"side,omitempty"`
	Reason string       `json:"reason,omitempty"`
}

// ClaimRef is a claim as a message names it.
type ClaimRef struct {
	ID               string              `json:"id"`
	Status           matcher.ClaimStatus `json:"status"`
	Resource         string              `json:"resource"`
	ResourceTitle    string              `json:"resource_title"`
	ResourceUnit     string              `json:"resource_unit"`
	ResourceUnitName string              `json:"resource_unit_name"`
	Demand           string              `json:"demand"`
	DemandTitle      string              `json:"demand_title"`
	DemandUnit       string              `json:"demand_unit"`
	DemandUnitName   string              `json:"demand_unit_name"`
	Quantity         int64               `json:"quantity"`
	Agreed           int64               `json:"agreed,omitempty"`
	Measure          string              `json:"measure,omitempty"`
	// Waiting are the units whose answer the claim waits for.
	Waiting []string `json:"waiting,omitempty"`
}

// ItemRef is an escalated demand: it went up To the meeting above.
type ItemRef struct {
	ID       string `json:"id"`
	Title    string `json:"title"`
	Unit     string `json:"unit"`
	UnitName string `json:"unit_name"`
	Quantity int64  `json:"quantity"`
	Measure  string `json:"measure,omitempty"`
	To       string `json:"to,omitempty"`
	ToName   string `json:"to_name,omitempty"`
}

// subject is what a line is about, for the read rules: a claim, an
// escalated demand, or the claims of a reminder.
type subject struct {
	claim  *matcher.Claim
	item   *matcher.Item
	claims []*matcher.Claim
}

// kindOf returns the kind of what a claim event did to claim c.
func kindOf(action string, c *matcher.Claim, seq uint64) (Kind, string, bool) {
	switch action {
	case "meeting.propose":
		return Proposed, "", c.Status == matcher.ClaimProposed && c.Run == seq
	case "claim.create":
		return Proposed, "", c.Status == matcher.ClaimProposed
	case "claim.accept":
		if c.Status == matcher.ClaimConfirmed {
			return Confirmed, "", true
		}
		return Answered, "accept", c.Status == matcher.ClaimProposed
	case "claim.reject":
		return Answered, "reject", c.Status == matcher.ClaimRejected
	case "claim.withdraw":
		return Answered, "withdraw", c.Status == matcher.ClaimWithdrawn
	case "claim.fulfil":
		return Fulfilled, "", c.Status == matcher.ClaimFulfilled
	}
	return "", "", false
}

// notifying reports whether an action may tell anything.
func notifying(action string) bool {
	switch action {
	case "meeting.propose", "claim.create", "claim.accept", "claim.reject", "claim.withdraw", "claim.fulfil", "meeting.escalate":
		return true
	}
	return false
}

// names looks up the names messages show.
type names struct{ r index.Reader }

func (n names) unit(id string) string {
	if u := n.r.UnitRaw(id); u != nil {
		return u.Name
	}
	return id
}

func (n names) meeting(id string) string {
	if id == "" {
		return ""
	}
	if a, err := n.r.Alliance(id); err == nil {
		return MeetingName(a.Name)
	}
	return id
}

func (n names) claim(c *matcher.Claim) *ClaimRef {
	ref := &ClaimRef{ID: c.ID, Status: c.Status, Resource: c.Resource, Demand: c.Demand,
		ResourceUnit: c.ResourceUnit, DemandUnit: c.DemandUnit, Quantity: c.Quantity, Agreed: c.Agreed,
		ResourceUnitName: n.unit(c.ResourceUnit), DemandUnitName: n.unit(c.DemandUnit)}
	if it, err := n.r.Item(c.Resource); err == nil {
		ref.ResourceTitle = it.Title
	}
	if it, err := n.r.Item(c.Demand); err == nil {
		ref.DemandTitle, ref.Measure = it.Title, it.Measure
	}
	for _, s := range c.WaitsFor() {
		ref.Waiting = append(ref.Waiting, c.UnitOf(s))
	}
	return ref
}

// derive returns the lines of the mutation of ev (read on r, the state it
// left) and what each is about.
func derive(r index.Reader, ev *matcher.Event, changes []matcher.Change) ([]Line, []subject) {
	nm := names{r}
	var lines []Line
	var about []subject
	if ev.Action == "meeting.escalate" {
		from := ""
		if len(ev.Alliances) > 0 {
			from = ev.Alliances[0]
		}
		to := ""
		if a, err := r.Alliance(from); err == nil {
			to = a.Parent
		}
		for _, ch := range changes {
			if ch.Table != index.TableItems || ch.Delete {
				continue
			}
			it, err := r.Item(ch.ID)
			if err != nil || it.Kind != matcher.Demand {
				continue
			}
			lines = append(lines, Line{Kind: Escalated, Meeting: from, MeetingName: nm.meeting(from),
				Item: &ItemRef{ID: it.ID, Title: it.Title, Unit: it.Unit, UnitName: nm.unit(it.Unit), Quantity: it.Quantity - r.Held(it),
					Measure: it.Measure, To: to, ToName: nm.meeting(to)}})
			about = append(about, subject{item: it})
		}
		return lines, about
	}
	for _, ch := range changes {
		if ch.Table != index.TableClaims || ch.Delete {
			continue
		}
		c, err := r.Claim(ch.ID)
		if err != nil {
			continue
		}
		kind, answer, ok := kindOf(ev.Action, c, ev.Seq)
		if !ok {
			continue
		}
		l := Line{Kind: kind, Meeting: c.Meeting, MeetingName: nm.meeting(c.Meeting), Claim: nm.claim(c), AnswerBy: c.AnswerBy}
		if kind == Answered || kind == Confirmed || kind == Fulfilled {
			l.Answer, l.Side = answer, ev.Side
			if answer == "reject" || answer == "withdraw" {
				l.Reason = c.Reason
			}
		}
		lines = append(lines, l)
		about = append(about, subject{claim: c})
	}
	return lines, about
}

// alive reports whether sub still stands for its subject (not deleted,
// nor deleted and made again).
func alive(r index.Reader, sub *Subscription) bool {
	if sub.Unit != "" {
		u := r.UnitRaw(sub.Unit)
		return u != nil && u.Born == sub.Born
	}
	a, err := r.Alliance(sub.Alliance)
	return err == nil && a.Born == sub.Born
}

// sees reports whether reader may read what a line is about: a claim as
// GET /v1/claims shows it; an escalated demand a coordinator whose scope
// holds its unit, or its own unit.
func sees(r index.Reader, reader matcher.Actor, s subject) bool {
	switch {
	case s.claim != nil:
		return service.CanSeeClaim(r, reader, s.claim)
	case s.item != nil:
		if reader.Role == matcher.RoleUnit {
			return s.item.Unit == reader.ID
		}
		return service.CanSeeUnit(r, reader, s.item.Unit)
	case len(s.claims) > 0:
		for _, c := range s.claims {
			if !service.CanSeeClaim(r, reader, c) {
				return false
			}
		}
		return true
	}
	return false
}

// fanOut returns the share of lines each live subscription gets: what
// its reader may see of an event it may see (the read rule of GET
// /v1/events), of the kinds it chose. The rules are evaluated once per
// reader (many subscriptions share one: a meeting's groups).
func fanOut(r index.Reader, ev *matcher.Event, subs []*Subscription, lines []Line, about []subject) []To {
	type verdict struct {
		alive bool
		event bool
		sees  []bool // per line
	}
	seen := map[string]*verdict{} // by reader and born
	var out []To
	for _, sub := range subs {
		key := sub.Reader().String() + "@" + strconv.FormatUint(sub.Born, 10)
		v := seen[key]
		if v == nil {
			v = &verdict{alive: alive(r, sub)}
			reader := sub.Reader()
			v.event = v.alive && (ev == nil || service.CanSeeEvent(r, reader, ev))
			if v.event {
				v.sees = make([]bool, len(lines))
				for i := range lines {
					v.sees[i] = sees(r, reader, about[i])
				}
			}
			seen[key] = v
		}
		if !v.event {
			continue
		}
		var idx []int
		for i := range lines {
			if v.sees[i] && sub.Wants(lines[i].Kind) {
				idx = append(idx, i)
			}
		}
		if len(idx) > 0 {
			out = append(out, To{Sub: sub.ID, Lines: idx})
		}
	}
	return out
}

// Notes is the store's outbox hook (store.Outbox): the note of the
// mutation of ev, read on tx, for the live subscriptions that may see it.
func (n *Notifier) Notes(tx *store.Tx, ev *matcher.Event) []any {
	n.nextSubs, n.nextSet = nil, false
	subs := n.subscriptions()
	if tx.SideChanged(store.SideWebhooks) {
		n.nextSubs, n.nextSet = n.applySubs(tx, ev, subs), true
	}
	if len(subs) == 0 || !notifying(ev.Action) {
		return nil
	}
	lines, about := derive(tx.Reader, ev, tx.Changes())
	if len(lines) == 0 {
		return nil
	}
	to := fanOut(tx.Reader, ev, subs, lines, about)
	if len(to) == 0 {
		return nil
	}
	return []any{&Note{Seq: ev.Seq, Time: ev.Time, Action: ev.Action, Actor: ev.Actor, Alliances: ev.Alliances, Lines: lines, To: to}}
}

// Committed is the store's outbox hook after a mutation is durable: the
// new subscriptions take effect, and its note goes to the dispatcher.
func (n *Notifier) Committed(ev *matcher.Event, notes []any, keys []uint64) {
	if n.nextSet {
		n.setSubscriptions(n.nextSubs)
		n.nextSubs, n.nextSet = nil, false
	}
	if len(keys) == 0 {
		return
	}
	n.inMu.Lock()
	for i, k := range keys {
		n.inbox = append(n.inbox, held{key: k, note: notes[i].(*Note)})
	}
	n.inMu.Unlock()
	n.poke()
}

// applySubs returns subs with the subscription changes of ev's mutation
// (read on tx) applied.
func (n *Notifier) applySubs(tx *store.Tx, ev *matcher.Event, subs []*Subscription) []*Subscription {
	next := slices.Clone(subs)
	for _, ch := range ev.Changes {
		if ch.Table != store.SideWebhooks {
			continue
		}
		next = slices.DeleteFunc(next, func(s *Subscription) bool { return s.ID == ch.ID })
		if data, ok := tx.Side(store.SideWebhooks, ch.ID); ok {
			if sub, err := decodeSub(data); err == nil {
				next = append(next, sub)
			} else {
				n.cfg.Log.Error("notify: a subscription does not decode", "id", ch.ID, "err", err)
			}
		}
	}
	slices.SortFunc(next, func(a, b *Subscription) int { return cmp.Compare(a.ID, b.ID) })
	return next
}
