package matcher

import (
	"slices"
	"strings"
	"time"
)

// ClaimStatus is a claim's place in its lifecycle (双向认领: both sides must
// agree):
//
//	proposed ──accept by one side──▶ proposed (accepted_by grows)
//	proposed ──accept by both─────▶ confirmed ──fulfil k──▶ fulfilled (quantity k, agreed kept)
//	proposed|confirmed ──reject───▶ rejected  (the pair is not proposed again)
//	proposed|confirmed ──withdraw─▶ withdrawn (a confirmed claim with a reason)
//	proposed ──replaced or timed out─▶ expired
//
// A proposed claim waits for the answers of the sides that have not
// accepted it (WaitsFor), until its answer_by deadline if it has one.
type ClaimStatus string

// Claim statuses.
const (
	ClaimProposed  ClaimStatus = "proposed"
	ClaimConfirmed ClaimStatus = "confirmed"
	ClaimFulfilled ClaimStatus = "fulfilled"
	ClaimRejected  ClaimStatus = "rejected"
	ClaimWithdrawn ClaimStatus = "withdrawn"
	ClaimExpired   ClaimStatus = "expired"
)

// Valid reports whether s is a known status.
func (s ClaimStatus) Valid() bool {
	switch s {
	case ClaimProposed, ClaimConfirmed, ClaimFulfilled, ClaimRejected, ClaimWithdrawn, ClaimExpired:
		return true
	}
	return false
}

// Holds reports whether a claim in this status consumes its quantity on both
// items: confirmed and fulfilled claims are pinned in every later solve.
func (s ClaimStatus) Holds() bool { return s == ClaimConfirmed || s == ClaimFulfilled }

// Open reports whether the claim still waits for an answer or a fulfilment.
func (s ClaimStatus) Open() bool { return s == ClaimProposed || s == ClaimConfirmed }

// Side is one side of a claim.
type Side string

// The two sides.
const (
	ResourceSide Side = "resource"
	DemandSide   Side = "demand"
)

// Valid reports whether s is one of the two sides.
func (s Side) Valid() bool { return s == ResourceSide || s == DemandSide }

// CheckNamed checks a side a request names: none, or one of the two
// (EINVALID naming field).
func (s Side) CheckNamed(field string) error {
	if s != "" && !s.Valid() {
		return FieldError(field, "must be resource or demand, got %q", s)
	}
	return nil
}

// Origin says who made a claim.
type Origin string

// Claim origins.
const (
	OriginSolver   Origin = "proposed" // proposed by the matcher at a meeting
	OriginResource Origin = "resource" // claimed by hand by the resource side (认领需求)
	OriginDemand   Origin = "demand"   // claimed by hand by the demand side (认领资源)
)

// ScoreTerm is one named, weighted term of a score.
type ScoreTerm struct {
	Name   string `json:"name"`
	Value  int    `json:"value"`  // the term's raw value, 0..1000
	Weight int    `json:"weight"` // its weight
	Points int    `json:"points"` // its share of the final score
}

// Claim pairs a resource item (or part of its quantity) with a demand item.
type Claim struct {
	ID           string      `json:"id"`
	Resource     string      `json:"resource"` // resource item id
	Demand       string      `json:"demand"`   // demand item id (a project slot too)
	ResourceUnit string      `json:"resource_unit"`
	DemandUnit   string      `json:"demand_unit"`
	Quantity     int64       `json:"quantity"`
	Score        int         `json:"score"`
	Breakdown    []ScoreTerm `json:"breakdown,omitempty"`
	RunnerUp     string      `json:"runner_up,omitempty"` // the resource item the proposal beat
	Origin       Origin      `json:"origin"`
	Status       ClaimStatus `json:"status"`
	AcceptedBy   []Side      `json:"accepted_by,omitempty"`
	RejectedBy   Side        `json:"rejected_by,omitempty"`
	Reason       string      `json:"reason,omitempty"`
	Meeting      string      `json:"meeting,omitempty"` // alliance id of the meeting that made it
	Created      time.Time   `json:"created"`
	Updated      time.Time   `json:"updated"`
	Rev          uint64      `json:"rev,omitempty"`
	// Run is the store index of the proposal run that made the claim (a
	// solver's claim; 0 for a claim by hand): the meeting's last run is
	// its claims' highest Run or Seen (index.Reader.LastRun).
	Run uint64 `json:"run,omitempty"`
	// Seen is the store index of a later proposal run that proposed the
	// claim again as it is and wrote no proposal, but saw demands of its
	// meeting added or changed since the meeting's last run: the meeting
	// has seen them (0: none).
	Seen uint64 `json:"seen,omitempty"`
	// AnswerBy is the deadline the meeting's coordinator set for the
	// answers a proposed claim waits for (zero: none).
	AnswerBy time.Time `json:"answer_by,omitzero"`
	// Agreed is the quantity both sides confirmed, recorded when the claim
	// is fulfilled: Quantity is then what was delivered, at most Agreed
	// (0 on claims not fulfilled, and on those fulfilled before it was
	// recorded, which delivered their whole quantity).
	Agreed      int64 `json:"agreed,omitempty"`
	WithdrawnBy Side  `json:"withdrawn_by,omitempty"` // the side that withdrew it
}

// LastRun is the later of the claim's Run and Seen: the last proposal run
// of its meeting it tells of.
func (c *Claim) LastRun() uint64 { return max(c.Run, c.Seen) }

// MaxScore is the highest score a candidate pair can have.
const MaxScore = 1000

// Validate checks c's own fields.
func (c *Claim) Validate() error {
	var p Problems
	c.checkLifecycle(&p)
	checkID(&p, "id", c.ID)
	checkID(&p, "resource", c.Resource)
	checkID(&p, "demand", c.Demand)
	checkID(&p, "resource_unit", c.ResourceUnit)
	checkID(&p, "demand_unit", c.DemandUnit)
	if c.ResourceUnit != "" && c.ResourceUnit == c.DemandUnit {
		p.Add("demand_unit", "a unit cannot claim its own item")
	}
	if c.Quantity < 1 || c.Quantity > MaxQuantity {
		p.Add("quantity", "must be between 1 and %d, got %d", MaxQuantity, c.Quantity)
	}
	if c.Score < 0 || c.Score > MaxScore {
		p.Add("score", "must be between 0 and %d, got %d", MaxScore, c.Score)
	}
	switch c.Origin {
	case OriginSolver, OriginResource, OriginDemand:
	default:
		p.Add("origin", "must be proposed, resource or demand, got %q", c.Origin)
	}
	if !c.Status.Valid() {
		p.Add("status", "unknown status %q", c.Status)
	}
	for i, s := range c.AcceptedBy {
		if !s.Valid() {
			p.Add(fieldIndex("accepted_by", i), "must be resource or demand, got %q", s)
		}
	}
	if c.Status == ClaimConfirmed || c.Status == ClaimFulfilled {
		if !c.Accepted(ResourceSide) || !c.Accepted(DemandSide) {
			p.Add("accepted_by", "a %s claim has been accepted by both sides", c.Status)
		}
	}
	if c.Status == ClaimRejected && !c.RejectedBy.Valid() {
		p.Add("rejected_by", "a rejected claim names the side that rejected it")
	}
	checkText(&p, "reason", c.Reason, ReasonText)
	checkRef(&p, "meeting", c.Meeting)
	checkRef(&p, "runner_up", c.RunnerUp)
	// Zero times are unknown (a claim written by hand in a bundle).
	if !c.Created.IsZero() {
		checkTime(&p, "created", c.Created, false)
	}
	if !c.Updated.IsZero() {
		checkTime(&p, "updated", c.Updated, false)
		if c.Updated.Before(c.Created) {
			p.Add("updated", "must not be before created")
		}
	}
	for i, t := range c.Breakdown {
		checkText(&p, fieldIndex("breakdown", i)+".name", t.Name, LabelText)
	}
	return p.Err()
}

// UnitOf returns the unit of side: the resource's or the demand's unit.
func (c *Claim) UnitOf(side Side) string {
	if side == ResourceSide {
		return c.ResourceUnit
	}
	return c.DemandUnit
}

// Accepted reports whether side has accepted c.
func (c *Claim) Accepted(side Side) bool { return slices.Contains(c.AcceptedBy, side) }

// Accept returns the claim after side accepts it: confirmed once both sides
// have. It is an ECONFLICT to accept a claim that is not proposed.
func (c Claim) Accept(side Side, at time.Time) (Claim, error) {
	if c.Status != ClaimProposed {
		return c, Errorf(ECONFLICT, "claim %s is %s; only a proposed claim can be accepted", c.ID, c.Status)
	}
	if c.Accepted(side) {
		return c, Errorf(ECONFLICT, "claim %s was already accepted by the %s side", c.ID, side)
	}
	c.AcceptedBy = append(slices.Clone(c.AcceptedBy), side)
	slices.Sort(c.AcceptedBy)
	if c.Accepted(ResourceSide) && c.Accepted(DemandSide) {
		c.Status = ClaimConfirmed
	}
	c.Updated = at
	return c, nil
}

// Reject returns the claim after side rejects it.
func (c Claim) Reject(side Side, reason string, at time.Time) (Claim, error) {
	if !c.Status.Open() {
		return c, Errorf(ECONFLICT, "claim %s is %s; only a proposed or confirmed claim can be rejected", c.ID, c.Status)
	}
	c.Status, c.RejectedBy, c.Reason, c.Updated = ClaimRejected, side, reason, at
	return c, nil
}

// Fulfil returns the claim after side reports delivered of its quantity
// done. Only the demand side reports a fulfilment (EFORBIDDEN), only of a
// confirmed claim (ECONFLICT), and delivered is 1 to the claim's quantity
// (EINVALID naming quantity). A partial delivery fulfils what was
// delivered: Quantity becomes delivered, and the rest no longer holds on
// either item (it is open again); Agreed keeps the confirmed quantity.
// Either way the fulfilled claim counts in the two units' track record.
func (c Claim) Fulfil(side Side, delivered int64, at time.Time) (Claim, error) {
	if side != DemandSide {
		return c, Errorf(EFORBIDDEN, "only the demand side reports claim %s fulfilled", c.ID)
	}
	if c.Status != ClaimConfirmed {
		return c, Errorf(ECONFLICT, "claim %s is %s; only a confirmed claim can be fulfilled", c.ID, c.Status)
	}
	if delivered < 1 || delivered > c.Quantity {
		return c, FieldError("quantity", "the delivered quantity must be between 1 and the claim's %d, got %d", c.Quantity, delivered)
	}
	c.Status, c.Agreed, c.Quantity, c.Updated = ClaimFulfilled, c.Quantity, delivered, at
	return c, nil
}

// Withdraw returns the claim after side withdraws it. A confirmed claim is
// one both sides agreed to: withdrawing it needs a reason (EINVALID naming
// reason), which the other side and the meeting then read; a proposed one
// may be withdrawn without.
func (c Claim) Withdraw(side Side, reason string, at time.Time) (Claim, error) {
	if !c.Status.Open() {
		return c, Errorf(ECONFLICT, "claim %s is %s; only a proposed or confirmed claim can be withdrawn", c.ID, c.Status)
	}
	if c.Status == ClaimConfirmed && strings.TrimSpace(reason) == "" {
		return c, FieldError("reason", "claim %s is confirmed: both sides agreed to it, so say why it is withdrawn", c.ID)
	}
	c.Status, c.WithdrawnBy, c.Reason, c.Updated = ClaimWithdrawn, side, reason, at
	return c, nil
}

// MaxAnswerAhead bounds how far ahead an answer deadline may be set.
const MaxAnswerAhead = 366 * 24 * time.Hour

// CheckAnswerBy checks an answer deadline set at now: after now and at
// most MaxAnswerAhead later (EINVALID naming answer_by).
func CheckAnswerBy(due, now time.Time) error {
	switch {
	case due.IsZero():
		return FieldError("answer_by", "is required")
	case !due.After(now):
		return FieldError("answer_by", "must be in the future, got %s (now %s)", due.Format(time.RFC3339), now.Format(time.RFC3339))
	case due.Sub(now) > MaxAnswerAhead:
		return FieldError("answer_by", "must be at most %d days ahead, got %s", int(MaxAnswerAhead/(24*time.Hour)), due.Format(time.RFC3339))
	}
	return nil
}

// SetAnswerBy returns the claim with the deadline due for the answers it
// waits for (checked by CheckAnswerBy): only a proposed claim waits
// (ECONFLICT). The claim is returned as it is when it has that deadline.
func (c Claim) SetAnswerBy(due, at time.Time) (Claim, error) {
	if c.Status != ClaimProposed {
		return c, Errorf(ECONFLICT, "claim %s is %s; only a proposed claim waits for answers", c.ID, c.Status)
	}
	if c.AnswerBy.Equal(due) {
		return c, nil
	}
	c.AnswerBy, c.Updated = due, at
	return c, nil
}

// WaitsFor returns the sides whose answer c waits for: those of a
// proposed claim that have not accepted it (none for any other status).
func (c *Claim) WaitsFor() []Side {
	if c.Status != ClaimProposed {
		return nil
	}
	var out []Side
	for _, s := range []Side{ResourceSide, DemandSide} {
		if !c.Accepted(s) {
			out = append(out, s)
		}
	}
	return out
}

// Overdue reports whether c waits for an answer past its deadline at now.
func (c *Claim) Overdue(now time.Time) bool {
	return c.Status == ClaimProposed && !c.AnswerBy.IsZero() && !now.Before(c.AnswerBy)
}

// checkLifecycle checks the fields the lifecycle sets: a run only on a
// solver's claim, an agreed quantity only on a fulfilled claim and never
// below what was delivered, a withdrawing side only on a withdrawn claim,
// a deadline after the claim was made.
func (c *Claim) checkLifecycle(p *Problems) {
	if c.Run != 0 && c.Origin != OriginSolver {
		p.Add("run", "only a claim the matcher proposed has a run")
	}
	if c.Seen != 0 && (c.Origin != OriginSolver || c.Seen <= c.Run) {
		p.Add("seen", "only a claim the matcher proposed is seen again, by a run after the one that made it")
	}
	if c.Agreed != 0 {
		switch {
		case c.Status != ClaimFulfilled:
			p.Add("agreed", "only a fulfilled claim records its agreed quantity")
		case c.Agreed < c.Quantity || c.Agreed > MaxQuantity:
			p.Add("agreed", "must be between the delivered quantity %d and %d, got %d", c.Quantity, MaxQuantity, c.Agreed)
		}
	}
	if c.WithdrawnBy != "" {
		switch {
		case !c.WithdrawnBy.Valid():
			p.Add("withdrawn_by", "must be resource or demand, got %q", c.WithdrawnBy)
		case c.Status != ClaimWithdrawn:
			p.Add("withdrawn_by", "only a withdrawn claim names the side that withdrew it")
		}
	}
	if !c.AnswerBy.IsZero() && !c.Created.IsZero() && !c.AnswerBy.After(c.Created) {
		p.Add("answer_by", "must be after the claim was made (%s)", c.Created.Format(time.RFC3339))
	}
}

// Expire returns a proposed claim after it is replaced or times out.
func (c Claim) Expire(at time.Time) (Claim, error) {
	if c.Status != ClaimProposed {
		return c, Errorf(ECONFLICT, "claim %s is %s; only a proposed claim can expire", c.ID, c.Status)
	}
	c.Status, c.Updated = ClaimExpired, at
	return c, nil
}

// Event is one line of the audit log: who did what, when.
type Event struct {
	Seq       uint64    `json:"seq"` // the store index it produced
	Time      time.Time `json:"time"`
	Actor     string    `json:"actor"`  // "admin", "unit:ID", "coordinator:ID", "system"
	Action    string    `json:"action"` // e.g. "claim.accept", "load"
	Alliances []string  `json:"alliances,omitempty"`
	Count     int       `json:"count"`   // records written
	Changes   []Change  `json:"changes"` // the first MaxEventChanges of them
	// Side is the side of a claim an answer was given or recorded for
	// (claim.accept, claim.reject, claim.withdraw, claim.fulfil,
	// claim.create): with Actor, who recorded which side's answer.
	Side Side `json:"side,omitempty"`
}

// MaxEventChanges bounds the changes an event lists; a bulk load lists the
// first ones and counts the rest.
const MaxEventChanges = 1000

// Change names one record an event wrote.
type Change struct {
	Table  string `json:"table"`
	ID     string `json:"id"`
	Delete bool   `json:"delete,omitempty"`
}
