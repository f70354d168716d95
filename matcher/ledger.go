package matcher

import (
	"fmt"
	"slices"
	"time"
)

// The moral points bank (道德积分银行) is a double-entry ledger in
// TigerBeetle's shape: accounts hold posted debits and credits; every change
// is an immutable Transfer that debits one account and credits another by
// the same whole number of points, so that the balances over all accounts
// always sum to zero; an account that holds points (every kind but an
// issuer) carries the flag debits_must_not_exceed_credits and can never go
// below zero; a transfer's id is chosen by the client and is its
// idempotency key; a mistake is corrected by a new, reversing transfer,
// never by editing one. People appear only as pseudonymous card codes.

// AccountKind is what an account stands for.
type AccountKind string

// Account kinds.
const (
	// AccountIssuer is a unit's issuing account (a community committee's):
	// points are issued by debiting it, so its balance is minus what it
	// issued and may go below zero.
	AccountIssuer AccountKind = "issuer"
	// AccountUnit is a unit's own holding account: a shop's, a bank's.
	AccountUnit AccountKind = "unit"
	// AccountTeam is the account of a volunteer team of a unit (爱心护学队).
	AccountTeam AccountKind = "team"
	// AccountCard is a resident's card, held under a community unit: its
	// id is the card's code, and it carries no name.
	AccountCard AccountKind = "card"
)

// AccountKinds lists the kinds.
var AccountKinds = []AccountKind{AccountIssuer, AccountUnit, AccountTeam, AccountCard}

// Valid reports whether k is a known kind.
func (k AccountKind) Valid() bool { return slices.Contains(AccountKinds, k) }

// Holds reports whether accounts of kind k hold points: their debits must
// not exceed their credits (every kind but the issuer).
func (k AccountKind) Holds() bool { return k != AccountIssuer }

// FlagDebitsMustNotExceedCredits is the flag of holding accounts, named as
// TigerBeetle names it.
const FlagDebitsMustNotExceedCredits = "debits_must_not_exceed_credits"

// Limits of the ledger. An amount times the count of transfers an account
// can take stays far inside int64.
const (
	MaxAmount     = 1_000_000_000_000     // points of one transfer
	MaxPosted     = 1_000_000_000_000_000 // posted debits or credits of one account
	MaxRulePoints = 1000                  // points per unit of measure of an earning rule
	MaxEarners    = 100                   // accounts named to earn from one claim
	MaxStock      = 1_000_000             // pieces of one offer
)

// Account is one account of the ledger. Debits and Credits are the sums of
// the transfers posted to it, kept by the store with every transfer (the
// store's check replays them from the transfers at every start).
type Account struct {
	ID   string      `json:"id"`
	Kind AccountKind `json:"kind"`
	// Unit owns the account: the shop, bank or committee; for a team the
	// unit it volunteers for; for a card the community unit that issued
	// it.
	Unit    string    `json:"unit"`
	Name    string    `json:"name,omitempty"` // a team's name; a card has none
	Debits  int64     `json:"debits"`
	Credits int64     `json:"credits"`
	Created time.Time `json:"created,omitzero"`
	Rev     uint64    `json:"rev,omitempty"`
}

// Balance is the account's credits less its debits.
func (a *Account) Balance() int64 { return a.Credits - a.Debits }

// Flags are the account's flags in TigerBeetle's words.
func (a *Account) Flags() []string {
	if a.Kind.Holds() {
		return []string{FlagDebitsMustNotExceedCredits}
	}
	return []string{}
}

// Validate checks a's own fields.
func (a *Account) Validate() error {
	var p Problems
	checkID(&p, "id", a.ID)
	if !a.Kind.Valid() {
		p.Add("kind", "must be issuer, unit, team or card, got %q", a.Kind)
	}
	checkID(&p, "unit", a.Unit)
	switch {
	case a.Kind == AccountCard && a.Name != "":
		p.Add("name", "a card is pseudonymous: its code is its only name")
	case a.Kind == AccountTeam:
		checkText(&p, "name", a.Name, NameText)
	default:
		checkText(&p, "name", a.Name, BundleName)
	}
	if a.Debits < 0 || a.Debits > MaxPosted {
		p.Add("debits", "must be between 0 and %d, got %d", int64(MaxPosted), a.Debits)
	}
	if a.Credits < 0 || a.Credits > MaxPosted {
		p.Add("credits", "must be between 0 and %d, got %d", int64(MaxPosted), a.Credits)
	}
	if a.Kind.Holds() && a.Debits > a.Credits {
		p.Add("debits", "a %s account's debits must not exceed its credits (%d > %d)", a.Kind, a.Debits, a.Credits)
	}
	if !a.Created.IsZero() {
		checkTime(&p, "created", a.Created, false)
	}
	return p.Err()
}

// TransferKind says what made a transfer.
type TransferKind string

// Transfer kinds.
const (
	TransferManual  TransferKind = "transfer" // posted by hand between two accounts
	TransferAward   TransferKind = "award"    // posted by hand from an issuing account (a manual award with a reason)
	TransferEarn    TransferKind = "earn"     // earned by a fulfilled claim under an earning rule
	TransferRedeem  TransferKind = "redeem"   // paid for a redemption at a shop
	TransferReverse TransferKind = "reverse"  // corrects an earlier transfer
)

// Valid reports whether k is a known kind.
func (k TransferKind) Valid() bool {
	switch k {
	case TransferManual, TransferAward, TransferEarn, TransferRedeem, TransferReverse:
		return true
	}
	return false
}

// ReasonLine is the rule of a transfer's reason: required, one line.
var ReasonLine = Text{Max: 500, Required: true}

// EarnPrefix starts the ids of the transfers the ledger makes itself when
// a claim is fulfilled; a client's transfer id may not start with it.
const EarnPrefix = "earn:"

// Transfer is an immutable movement of Amount points from the account From
// (debited) to the account To (credited).
type Transfer struct {
	ID     string       `json:"id"` // chosen by the client: the idempotency key
	From   string       `json:"from"`
	To     string       `json:"to"`
	Amount int64        `json:"amount"`
	Reason string       `json:"reason"`
	Kind   TransferKind `json:"kind"`
	// Claim is the claim the transfer comes from (earned by its
	// fulfilment, or named by hand).
	Claim    string `json:"claim,omitempty"`
	Rule     string `json:"rule,omitempty"`     // earn: the earning rule
	Category string `json:"category,omitempty"` // earn: the category the rule pays for
	// Redemption is the redemption a redeem transfer paid for (its id is
	// the redemption's) or a reversal gave back.
	Redemption string    `json:"redemption,omitempty"`
	Reverses   string    `json:"reverses,omitempty"` // reverse: the transfer it corrects
	By         string    `json:"by"`                 // the actor that posted it
	Time       time.Time `json:"time"`
	// Seq is the store index of the write that posted it and N its place
	// among that write's transfers (1, 2, ...): the statement's order.
	Seq uint64 `json:"seq,omitempty"`
	N   int    `json:"n,omitempty"`
}

// Validate checks t's own fields.
func (t *Transfer) Validate() error {
	var p Problems
	checkID(&p, "id", t.ID)
	checkID(&p, "from", t.From)
	checkID(&p, "to", t.To)
	if t.From != "" && t.From == t.To {
		p.Add("to", "a transfer moves points between two accounts; from and to are both %q", t.To)
	}
	if t.Amount < 1 || t.Amount > MaxAmount {
		p.Add("amount", "must be a whole number of points from 1 to %d, got %d", int64(MaxAmount), t.Amount)
	}
	checkText(&p, "reason", t.Reason, ReasonLine)
	if !t.Kind.Valid() {
		p.Add("kind", "must be transfer, award, earn, redeem or reverse, got %q", t.Kind)
	}
	checkRef(&p, "claim", t.Claim)
	checkRef(&p, "rule", t.Rule)
	checkRef(&p, "redemption", t.Redemption)
	checkRef(&p, "reverses", t.Reverses)
	switch t.Kind {
	case TransferEarn:
		if t.Claim == "" {
			p.Add("claim", "an earned transfer names the claim it was earned by")
		}
		if t.Rule == "" {
			p.Add("rule", "an earned transfer names its earning rule")
		}
	case TransferRedeem:
		if t.Redemption != t.ID {
			p.Add("redemption", "a redemption's transfer has the redemption's id %q", t.ID)
		}
	case TransferReverse:
		if t.Reverses == "" {
			p.Add("reverses", "a reversing transfer names the transfer it corrects")
		}
	}
	if t.Kind != TransferReverse && t.Reverses != "" {
		p.Add("reverses", "only a reversing transfer corrects another")
	}
	if t.Kind != TransferEarn && (t.Rule != "" || t.Category != "") {
		p.Add("rule", "only an earned transfer names an earning rule")
	}
	if t.Category != "" && !validWord(t.Category) {
		p.Add("category", "must be a category id, got %q", t.Category)
	}
	if t.Redemption != "" && t.Kind != TransferRedeem && t.Kind != TransferReverse {
		p.Add("redemption", "only a redemption's transfer or its reversal names a redemption")
	}
	if _, ok := ParseActor(t.By); !ok {
		p.Add("by", "must name the actor that posted it, got %q", t.By)
	}
	if t.Time.IsZero() {
		p.Add("time", "is required")
	} else {
		checkTime(&p, "time", t.Time, false)
	}
	if t.N < 0 {
		p.Add("n", "must not be negative, got %d", t.N)
	}
	return p.Err()
}

// SameRequest reports whether o asks for the transfer t is: the same
// accounts, amount, reason, claim and corrected transfer. A retry with the
// same id and the same request is the same transfer; another request under
// the id is a conflict.
func (t *Transfer) SameRequest(o *Transfer) bool {
	return t.From == o.From && t.To == o.To && t.Amount == o.Amount && t.Reason == o.Reason &&
		t.Claim == o.Claim && t.Reverses == o.Reverses
}

// Differs names the first field in which o asks for another transfer than
// t ("" when it asks for the same one).
func (t *Transfer) Differs(o *Transfer) string {
	switch {
	case t.From != o.From:
		return "from"
	case t.To != o.To:
		return "to"
	case t.Amount != o.Amount:
		return "amount"
	case t.Reason != o.Reason:
		return "reason"
	case t.Claim != o.Claim:
		return "claim"
	case t.Reverses != o.Reverses:
		return "reverses"
	}
	return ""
}

// OfferStatus is whether an offer takes redemptions.
type OfferStatus string

// Offer statuses.
const (
	OfferOpen   OfferStatus = "open"
	OfferClosed OfferStatus = "closed"
)

// Offer is a redemption offer (兑换品) of a member shop, bank or
// restaurant: a thing residents buy with points, at Price points a piece,
// while Stock lasts. An offer is not a matching resource: the matcher
// never sees it.
type Offer struct {
	ID          string `json:"id"`
	Unit        string `json:"unit"`    // the shop
	Account     string `json:"account"` // the shop's account the points go to
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	Measure     string `json:"measure,omitempty"` // 个, 袋, 份
	Price       int64  `json:"price"`             // points a piece
	Stock       int64  `json:"stock"`             // pieces left
	// Redeemed counts the pieces redeemed and not given back; the store's
	// check replays it from the redemptions.
	Redeemed int64       `json:"redeemed"`
	Status   OfferStatus `json:"status"`
	Created  time.Time   `json:"created,omitzero"`
	Rev      uint64      `json:"rev,omitempty"`
}

// Validate checks o's own fields.
func (o *Offer) Validate() error {
	var p Problems
	checkID(&p, "id", o.ID)
	checkID(&p, "unit", o.Unit)
	checkID(&p, "account", o.Account)
	checkText(&p, "title", o.Title, NameText)
	checkText(&p, "description", o.Description, DescText)
	checkText(&p, "measure", o.Measure, MeasureText)
	if o.Price < 1 || o.Price > MaxAmount/MaxStock {
		p.Add("price", "must be from 1 to %d points, got %d", int64(MaxAmount/MaxStock), o.Price)
	}
	if o.Stock < 0 || o.Stock > MaxStock {
		p.Add("stock", "must be from 0 to %d, got %d", MaxStock, o.Stock)
	}
	if o.Redeemed < 0 || o.Redeemed > MaxPosted {
		p.Add("redeemed", "must not be negative, got %d", o.Redeemed)
	}
	if o.Status != OfferOpen && o.Status != OfferClosed {
		p.Add("status", "must be open or closed, got %q", o.Status)
	}
	if !o.Created.IsZero() {
		checkTime(&p, "created", o.Created, false)
	}
	return p.Err()
}

// Redemption is one purchase with points: Quantity pieces of an offer,
// paid by a card with the transfer of the same id (Points = price ×
// quantity, from the card to the offer's account). It is never changed; a
// reversal of its transfer gives the points and the stock back.
type Redemption struct {
	ID       string    `json:"id"` // chosen by the client: the idempotency key
	Offer    string    `json:"offer"`
	Unit     string    `json:"unit"` // the offer's unit
	Card     string    `json:"card"`
	Quantity int64     `json:"quantity"`
	Points   int64     `json:"points"`
	By       string    `json:"by"`
	Time     time.Time `json:"time"`
	Seq      uint64    `json:"seq,omitempty"`
}

// Validate checks r's own fields.
func (r *Redemption) Validate() error {
	var p Problems
	checkID(&p, "id", r.ID)
	checkID(&p, "offer", r.Offer)
	checkID(&p, "unit", r.Unit)
	checkID(&p, "card", r.Card)
	if r.Quantity < 1 || r.Quantity > MaxStock {
		p.Add("quantity", "must be from 1 to %d, got %d", MaxStock, r.Quantity)
	}
	if r.Points < 1 || r.Points > MaxAmount {
		p.Add("points", "must be from 1 to %d, got %d", int64(MaxAmount), r.Points)
	}
	if _, ok := ParseActor(r.By); !ok {
		p.Add("by", "must name the actor that made it, got %q", r.By)
	}
	if r.Time.IsZero() {
		p.Add("time", "is required")
	} else {
		checkTime(&p, "time", r.Time, false)
	}
	return p.Err()
}

// EarnRule is an earning rule an alliance's coordinator sets: a fulfilled
// claim on a demand of Category (measured in Measure, when set) earns
// Points per unit delivered, from the Issuer account to the accounts the
// resource side named (Earners). It applies to the claims of the
// alliance's meeting and of the meetings below it; the rule of the lowest
// alliance that has one wins.
type EarnRule struct {
	ID       string    `json:"id"`
	Alliance string    `json:"alliance"`
	Category string    `json:"category"`
	Measure  string    `json:"measure,omitempty"`
	Points   int64     `json:"points"`
	Issuer   string    `json:"issuer"`
	Active   bool      `json:"active"`
	Created  time.Time `json:"created,omitzero"`
	Rev      uint64    `json:"rev,omitempty"`
}

// Validate checks r's own fields.
func (r *EarnRule) Validate() error {
	var p Problems
	checkID(&p, "id", r.ID)
	checkID(&p, "alliance", r.Alliance)
	if !validWord(r.Category) {
		p.Add("category", "must be a category id, got %q", r.Category)
	}
	checkText(&p, "measure", r.Measure, MeasureText)
	if r.Points < 1 || r.Points > MaxRulePoints {
		p.Add("points", "must be from 1 to %d points per unit, got %d", MaxRulePoints, r.Points)
	}
	checkID(&p, "issuer", r.Issuer)
	if !r.Created.IsZero() {
		checkTime(&p, "created", r.Created, false)
	}
	return p.Err()
}

// Applies reports whether r pays for a demand of category measured in
// measure.
func (r *EarnRule) Applies(category, measure string) bool {
	return r.Active && r.Category == category && (r.Measure == "" || r.Measure == measure)
}

// Earner is one account named to earn from a claim, with its share.
type Earner struct {
	Account string `json:"account"`
	Share   int64  `json:"share"` // 1 or more
}

// Earners are the team and card accounts the resource side of a claim
// names to earn its points when the claim is fulfilled (ID is the claim's).
type Earners struct {
	ID      string    `json:"id"`
	Earners []Earner  `json:"earners"`
	By      string    `json:"by"`
	Time    time.Time `json:"time,omitzero"`
	Rev     uint64    `json:"rev,omitempty"`
}

// Validate checks e's own fields.
func (e *Earners) Validate() error {
	var p Problems
	checkID(&p, "id", e.ID)
	if len(e.Earners) == 0 {
		p.Add("earners", "name at least one account")
	}
	if len(e.Earners) > MaxEarners {
		p.Add("earners", "names more than %d accounts", MaxEarners)
	}
	seen := map[string]bool{}
	for i, x := range e.Earners {
		f := fieldIndex("earners", i)
		checkID(&p, f+".account", x.Account)
		if seen[x.Account] {
			p.Add(f+".account", "account %q is named twice", x.Account)
		}
		seen[x.Account] = true
		if x.Share < 1 || x.Share > 1000 {
			p.Add(f+".share", "must be from 1 to 1000, got %d", x.Share)
		}
	}
	if _, ok := ParseActor(e.By); !ok {
		p.Add("by", "must name the actor that named them, got %q", e.By)
	}
	if !e.Time.IsZero() {
		checkTime(&p, "time", e.Time, false)
	}
	return p.Err()
}

// Split divides total points among shares in proportion, in whole points:
// each gets the floor of its part, and the points left over go one each to
// the largest remainders (the earlier share on a tie). The parts sum to
// total. Shares must be positive.
func Split(total int64, shares []int64) []int64 {
	out := make([]int64, len(shares))
	var sum int64
	for _, s := range shares {
		sum += s
	}
	if sum <= 0 || total <= 0 {
		return out
	}
	rem := make([]int64, len(shares))
	var given int64
	for i, s := range shares {
		// total ≤ MaxAmount (1e12) and a share ≤ 1000: no overflow.
		out[i] = total * s / sum
		rem[i] = total * s % sum
		given += out[i]
	}
	order := make([]int, len(shares))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case rem[a] > rem[b]:
			return -1
		case rem[a] < rem[b]:
			return 1
		}
		return 0
	})
	for k := 0; given < total; k++ {
		out[order[k%len(order)]]++
		given++
	}
	return out
}

// EarnID is the id of the i-th (from 1) transfer earned by the fulfilment
// of claim.
func EarnID(claim string, i int) string {
	id := fmt.Sprintf("%s%s:%d", EarnPrefix, claim, i)
	if len(id) > 128 {
		id = fmt.Sprintf("%s%s.%08x:%d", EarnPrefix, claim[:100], fnv32(claim), i)
	}
	return id
}

func fnv32(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return h
}
