package service

import (
	"context"
	"time"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/store"
)

// Fulfilment is what the demand side reports delivered of a confirmed
// claim (the optional body of POST /v1/claims/{id}/fulfil).
type Fulfilment struct {
	// Quantity is the quantity delivered, 1 to the claim's quantity; nil
	// means all of it.
	Quantity *int64 `json:"quantity,omitempty"`
	// Side is the side a coordinator or an admin records the fulfilment
	// for; only the demand side reports one, and "" means it. A unit
	// reports for its own side.
	Side matcher.Side `json:"side,omitempty"`
}

// FulfilClaim records that the demand side delivered f.Quantity of the
// confirmed claim id (matcher.Claim.Fulfil): the claim is then fulfilled
// with that quantity, Agreed keeps the quantity confirmed, and what was
// not delivered is open again on both items (the next proposal run may
// place it). The demand unit reports it, or a coordinator (or admin)
// records it for the demand side when the demand unit is in its scope.
// A partial fulfilment counts in the track record of the two units as a
// whole one does. The points the delivery earns under the alliance's
// earning rule go to the earners the resource side named (Earn), in the
// same mutation. One audit event, "claim.fulfil".
//
// Errors: ENOTFOUND for a claim the caller may not see; EFORBIDDEN for the
// resource side, or a coordinator whose scope does not hold the demand
// unit; ECONFLICT for a claim that is not confirmed; EINVALID naming
// quantity (above the claim's) or side.
func (s *Service) FulfilClaim(ctx context.Context, actor matcher.Actor, id string, f Fulfilment) (matcher.Claim, error) {
	if err := f.Side.CheckNamed("side"); err != nil {
		return matcher.Claim{}, err
	}
	named := f.Side
	if named == "" && actor.Role != matcher.RoleUnit {
		named = matcher.DemandSide
	}
	return s.changeClaim(ctx, actor, id, Fulfil, named, func(c *matcher.Claim, side matcher.Side, now time.Time) (matcher.Claim, error) {
		delivered := c.Quantity
		if f.Quantity != nil {
			delivered = *f.Quantity
		}
		return c.Fulfil(side, delivered, now)
	}, func(tx *store.Tx, c matcher.Claim, now time.Time) error {
		return earn(tx, c, actor, now) // ledger_earn.go
	})
}
