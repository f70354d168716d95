// Package notify tells people what happened: webhook subscriptions of a
// meeting's group or of a unit, notes written in the store's transactional
// outbox with the change that causes them, digests in Chinese, a
// dispatcher that delivers them at least once, in order per target, with
// timeouts, exponential backoff with jitter, per-target rate limits and
// dead letters, and reminders before and after answer deadlines.
//
// The shape, end to end:
//
//  1. A subscription (Subscribe) is a record of the store's webhooks side
//     table, written through store.Update with its audit event
//     ("webhook.create", "webhook.delete").
//  2. Every mutation calls the Notifier's outbox hook (Notes) inside its
//     write: the hook derives from the audit event's action and the records
//     it changed what happened (new proposals, answers, confirmed,
//     fulfilled, escalated), checks for each live subscription what its
//     reader may see (the read rule of GET /v1/events, then each claim's),
//     and returns one Note that the store seals into its outbox table in
//     the mutation's own bbolt transaction.
//  3. The dispatcher folds each target's notes of a short window into
//     digest messages (Message: one per unit waiting for an answer in a
//     group, one for the rest), writes them durably (the deliveries table),
//     then sends them: a message keeps its id over its retries, so that a
//     receiver drops duplicates. Its bookkeeping is batched into one bbolt
//     transaction per tick, so that the API's writes seldom wait for it.
//  4. Reminders (remind.go) find the claims due soon or overdue through the
//     index and send one reminder per unit, meeting and deadline, durably
//     remembered.
//
// Formats (format.go): 企业微信 and 钉钉 markdown, 飞书 post, and generic
// JSON signed as the Standard Webhooks specification says.
package notify

import (
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/allymatch/allymatch/matcher"
)

// Target is the kind of receiver a subscription posts to.
type Target string

// Targets.
const (
	WeCom    Target = "wecom"    // 企业微信 group robot
	DingTalk Target = "dingtalk" // 钉钉 group robot (custom robot, optional signing secret)
	Feishu   Target = "feishu"   // 飞书 custom bot (optional signature secret)
	Generic  Target = "generic"  // any HTTP receiver: JSON with Standard Webhooks headers
)

// Targets lists the targets.
var Targets = []Target{WeCom, DingTalk, Feishu, Generic}

// Robot reports whether t is a group robot (rate-limited to about 20
// messages a minute).
func (t Target) Robot() bool { return t != Generic }

// Kind is a kind of what happened, as a subscription chooses them.
type Kind string

// Kinds of notifications.
const (
	Proposed  Kind = "proposed"  // new proposals (and claims by hand) wait for an answer
	Answered  Kind = "answered"  // a side accepted, rejected or withdrew a claim
	Confirmed Kind = "confirmed" // both sides accepted
	Fulfilled Kind = "fulfilled" // delivered, in full or in part
	Escalated Kind = "escalated" // unmet demands went up to the meeting above
	Reminder  Kind = "reminder"  // an answer deadline nears and claims wait
	Overdue   Kind = "overdue"   // an answer deadline passed and claims wait
	Test      Kind = "test"      // a test message (sent on request, never chosen)
)

// Kinds lists the kinds a subscription may choose.
var Kinds = []Kind{Proposed, Answered, Confirmed, Fulfilled, Escalated, Reminder, Overdue}

// Config configures a Notifier.
type Config struct {
	// AllowPrivate lets webhook URLs point at loopback, link-local and
	// private addresses (serve --allow-private-webhooks: intranet robots,
	// tests). Without it such addresses are refused at creation (an
	// address literal) and at every send (the address dialled).
	AllowPrivate bool
	// PublicURL is the desk's address for the links in messages
	// (serve --public-url); when empty, the address of the request that
	// made the subscription.
	PublicURL string
	// Window is how long notes of one target wait to be folded into one
	// digest (a proposal run of 300 claims is one message per unit).
	Window time.Duration
	// Tick bounds how long the dispatcher's bookkeeping waits to be
	// written (folds, delivery results): one bbolt transaction per tick.
	Tick time.Duration
	// Timeout bounds one delivery attempt.
	Timeout time.Duration
	// Backoff is the wait before the first retry; each retry doubles it
	// (with jitter, up to MaxBackoff).
	Backoff    time.Duration
	MaxBackoff time.Duration
	// MaxAttempts is the attempts of a message before it is a dead letter.
	MaxAttempts int
	// MaxInFlight bounds the attempts under way at once, over all targets
	// (one per target at most), so that a burst of digests does not take
	// the CPUs from the API.
	MaxInFlight int
	// RobotRate and GenericRate are the messages a target may get per
	// minute (group robots allow about 20).
	RobotRate, GenericRate int
	// RatePause is the pause of a target after a 429 without Retry-After or
	// a robot's rate-limit error code.
	RatePause time.Duration
	// RemindBefore is how long before an answer deadline units are
	// reminded; RemindEvery how often deadlines are looked at.
	RemindBefore, RemindEvery time.Duration
	// Keep is how many delivered messages of each target stay visible.
	Keep int
	// Now returns the time (default time.Now).
	Now func() time.Time
	// Client sends the requests (default: a client that refuses private
	// addresses unless AllowPrivate, follows no redirect and uses no
	// proxy).
	Client *http.Client
	Log    *slog.Logger
}

// DefaultConfig returns the defaults of serve.
func DefaultConfig() Config {
	return Config{
		Window: 5 * time.Second, Tick: 200 * time.Millisecond, Timeout: 15 * time.Second,
		Backoff: 5 * time.Second, MaxBackoff: 2 * time.Hour, MaxAttempts: 12, MaxInFlight: 8,
		RobotRate: 20, GenericRate: 120, RatePause: time.Minute,
		RemindBefore: 24 * time.Hour, RemindEvery: time.Minute, Keep: 50,
	}
}

func (c *Config) fill() {
	d := DefaultConfig()
	if c.Window < 0 {
		c.Window = 0
	}
	for _, f := range []struct{ v, d *time.Duration }{
		{&c.Tick, &d.Tick}, {&c.Timeout, &d.Timeout}, {&c.Backoff, &d.Backoff},
		{&c.RatePause, &d.RatePause}, {&c.RemindBefore, &d.RemindBefore}, {&c.RemindEvery, &d.RemindEvery},
	} {
		orDefault(f.v, *f.d)
	}
	if c.MaxBackoff < c.Backoff {
		c.MaxBackoff = max(d.MaxBackoff, c.Backoff)
	}
	for _, f := range []struct{ v, d *int }{
		{&c.MaxAttempts, &d.MaxAttempts}, {&c.MaxInFlight, &d.MaxInFlight}, {&c.RobotRate, &d.RobotRate},
		{&c.GenericRate, &d.GenericRate}, {&c.Keep, &d.Keep},
	} {
		orDefault(f.v, *f.d)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
}

// Subscription is one webhook: where to post, what to tell, for whom.
// Exactly one of Alliance (a meeting's group: the events of the alliance
// and those below it) and Unit (a unit: its claims only) is set; what it
// receives passes the read rules of its reader (Reader).
type Subscription struct {
	ID     string `json:"id"`
	Target Target `json:"kind"`
	URL    string `json:"url"`
	// Secret signs the requests (钉钉, 飞书, generic); never shown after
	// the subscription was made, never logged.
	Secret   string    `json:"secret,omitempty"`
	Kinds    []Kind    `json:"events,omitempty"` // none: all
	Alliance string    `json:"alliance,omitempty"`
	Unit     string    `json:"unit,omitempty"`
	Born     uint64    `json:"born"`               // the subject's Born: a subject deleted and made again is not it
	BaseURL  string    `json:"base_url,omitempty"` // the desk's address for links
	By       string    `json:"created_by"`
	Created  time.Time `json:"created"`
}

// Reader is whose read rules the subscription's messages pass: the
// coordinator of its alliance, or its unit.
func (s *Subscription) Reader() matcher.Actor {
	if s.Unit != "" {
		return matcher.UnitActor(s.Unit)
	}
	return matcher.Coordinator(s.Alliance)
}

// Wants reports whether s tells of kind k.
func (s *Subscription) Wants(k Kind) bool {
	return k == Test || len(s.Kinds) == 0 || slices.Contains(s.Kinds, k)
}

// orDefault sets *v to d when *v is not positive (a zero Config field).
func orDefault[T int | time.Duration](v *T, d T) {
	if *v <= 0 {
		*v = d
	}
}
