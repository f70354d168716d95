package notify

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	mrand "math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/allymatch/allymatch/matcher/store"
)

// The dispatcher, in the shape of svix's worker: a message is written
// before it is sent; each attempt's outcome decides delivered, retry at a
// later time (exponential backoff with jitter, later still when the
// receiver says it is rate-limited), or dead letter after MaxAttempts (or
// a 410); a dead letter stays visible and can be sent again by hand. One
// message per target is in flight at a time, in key order, and each
// target sends at most its rate per minute.

// Status is a message's delivery state.
type Status string

// Statuses.
const (
	Pending   Status = "pending"
	Delivered Status = "delivered"
	Dead      Status = "dead"
)

// Message is one message to one target: a digest of the target's notes
// of one window. Its ID is the webhook-id of every attempt, so that
// receivers can drop duplicates. What is written (once, in the deliveries
// table) is small: which notes it tells of (the target's notes after From
// up to UpTo, those of Unit's digest) and what its text is made with; the
// text is made again from the notes, which stay in the outbox until the
// message is delivered (the same notes give the same text and body). Its
// State, written at each attempt's outcome, lives beside it (the
// delivery-state table).
type Message struct {
	Key  uint64 `json:"-"`
	ID   string `json:"id"`
	Sub  string `json:"sub"`
	Unit string `json:"unit,omitempty"` // whose digest ("" the rest)
	// From and UpTo: the target's notes after From up to UpTo; its target
	// has folded every note up to UpTo.
	From uint64 `json:"from,omitempty"`
	UpTo uint64 `json:"up_to,omitempty"`
	Test bool   `json:"test,omitempty"` // a test message (no notes)
	// Name (the subscription's subject's) and Base (the links' address)
	// as they were when it was made.
	Name    string    `json:"name"`
	Base    string    `json:"base,omitempty"`
	Title   string    `json:"title"`
	Head    string    `json:"head"` // its first line, shown once the notes are gone
	Created time.Time `json:"created"`
	State   `json:"-"`
	rendering
}

// rendering is a message as it is sent, made from its notes (memory
// only).
type rendering struct {
	rendered bool
	lines    []string
	link     string
	src      []*Line  // the lines told of
	events   []uint64 // their audit events
	body     []byte   // a generic message's payload, once it has its id
}

// State is a message's delivery state.
type State struct {
	Status   Status    `json:"status"`
	Attempts int       `json:"attempts"`
	NextAt   time.Time `json:"next_at,omitzero"`
	LastAt   time.Time `json:"last_at,omitzero"`
	// LastStatus and LastError: the last attempt's HTTP status (0: none)
	// and what went wrong.
	LastStatus int       `json:"last_status,omitempty"`
	LastError  string    `json:"last_error,omitempty"`
	Done       time.Time `json:"done,omitzero"` // delivered, or dead
}

// loadMessage reads the message with key k and its state.
func loadMessage(sd *store.Side, k uint64) (*Message, bool, error) {
	data, ok, err := sd.Get(store.SideDeliveries, store.OutboxKey(k))
	if err != nil || !ok {
		return nil, false, err
	}
	m := &Message{Key: k, State: State{Status: Pending}}
	if err := json.Unmarshal(data, m); err != nil {
		return nil, false, fmt.Errorf("notify: delivery %d: %w", k, err)
	}
	data, ok, err = sd.Get(store.SideDeliveryState, store.OutboxKey(k))
	if err != nil {
		return nil, false, err
	}
	if ok {
		if err := json.Unmarshal(data, &m.State); err != nil {
			return nil, false, fmt.Errorf("notify: delivery state %d: %w", k, err)
		}
	}
	return m, true, nil
}

// loadMessages reads the messages that keep accepts (nil: all), with
// their states, in key order.
func loadMessages(sd *store.Side, keep func(*Message) bool) ([]*Message, error) {
	var out []*Message
	err := sd.Scan(store.SideDeliveries, nil, func(k, data []byte) (bool, error) {
		m := &Message{Key: store.ParseOutboxKey(k), State: State{Status: Pending}}
		if err := json.Unmarshal(data, m); err != nil {
			return false, fmt.Errorf("notify: delivery %d: %w", m.Key, err)
		}
		if keep == nil || keep(m) {
			out = append(out, m)
		}
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	for _, m := range out {
		data, ok, err := sd.Get(store.SideDeliveryState, store.OutboxKey(m.Key))
		if err != nil {
			return nil, err
		}
		if ok {
			if err := json.Unmarshal(data, &m.State); err != nil {
				return nil, fmt.Errorf("notify: delivery state %d: %w", m.Key, err)
			}
		}
	}
	return out, nil
}

// held is an outbox note in memory.
type held struct {
	key  uint64
	note *Note
	// left counts the targets that need it: that have not folded it, or
	// whose batch holding it has messages not delivered yet.
	left int
	at   time.Time // when the dispatcher took it
}

// batch is what one fold of a target made: its messages and the notes
// they are made of, kept until every message is delivered (or dropped).
type batch struct {
	from, upTo uint64
	open       int // messages not delivered yet (dead letters count: they may go again)
	notes      []*held
}

// target is one subscription's queue.
type target struct {
	sub     *Subscription
	folded  uint64  // the last note key folded into a message
	pending []*held // notes not folded yet, in key order
	queue   []*Message
	busy    bool
	sent    []time.Time // sends within the last minute
	pause   time.Time   // no send before
	kept    []uint64    // delivered messages kept, oldest first
	dead    []*Message  // dead letters kept, oldest first
	batches []*batch    // folds with messages not delivered yet
}

// batchOf returns the batch of m (nil: none, or a test message).
func (t *target) batchOf(m *Message) *batch {
	if m.Test {
		return nil
	}
	for _, b := range t.batches {
		if b.from == m.From && b.upTo == m.UpTo {
			return b
		}
	}
	return nil
}

// Notifier holds the subscriptions, is the store's outbox hook, and runs
// the dispatcher and the reminders.
type Notifier struct {
	st     *store.Store
	cfg    Config
	client *http.Client

	subs atomic.Pointer[[]*Subscription]
	// nextSubs are the subscriptions after the mutation in progress
	// (Notes to Committed, under the store's write lock).
	nextSubs []*Subscription
	nextSet  bool

	inMu  sync.Mutex
	inbox []held // committed notes the loop has not taken yet
	wake  chan struct{}

	mu      sync.Mutex // the dispatcher's state
	notes   map[uint64]*held
	targets map[string]*target
	dirty   map[uint64]*Message // changed since the last write
	drop    []uint64            // outbox keys every target has folded
	gone    []uint64            // deliveries of deleted subscriptions
	remind  time.Time           // the next reminders run
	// unwritten are new messages a failed write did not store; resultsAt
	// is when delivery results were last written.
	unwritten []*Message
	resultsAt time.Time
	cursor    int // the target whose turn it is to fold first
	inFlight  int // attempts under way

	stop    chan struct{}
	done    chan struct{}
	started bool
	sends   sync.WaitGroup
	ctx     context.Context
	cancel  context.CancelFunc
}

// New returns the notifier of st: it loads the subscriptions, the outbox
// and the messages, and becomes st's outbox hook at once (notes are
// written from then on; Start sends them).
func New(st *store.Store, cfg Config) (*Notifier, error) {
	cfg.fill()
	n := &Notifier{st: st, cfg: cfg, client: cfg.Client, wake: make(chan struct{}, 1), notes: map[uint64]*held{},
		targets: map[string]*target{}, dirty: map[uint64]*Message{}, stop: make(chan struct{}), done: make(chan struct{})}
	if n.client == nil {
		n.client = NewClient(cfg.AllowPrivate, cfg.Timeout)
	}
	n.ctx, n.cancel = context.WithCancel(context.Background())
	var subs []*Subscription
	for id, data := range st.SideAll(store.SideWebhooks) {
		sub, err := decodeSub(data)
		if err != nil {
			return nil, fmt.Errorf("notify: subscription %s: %w", id, err)
		}
		subs = append(subs, sub)
	}
	slices.SortFunc(subs, func(a, b *Subscription) int { return cmp.Compare(a.ID, b.ID) })
	n.subs.Store(&subs)
	for _, sub := range subs {
		n.targets[sub.ID] = &target{sub: sub}
	}
	now := cfg.Now()
	err := st.SideView(func(sd *store.Side) error {
		msgs, err := loadMessages(sd, nil)
		if err != nil {
			return err
		}
		for _, m := range msgs {
			t := n.targets[m.Sub]
			if t == nil {
				n.gone = append(n.gone, m.Key)
				continue
			}
			t.folded = max(t.folded, m.UpTo)
			switch m.Status {
			case Pending:
				t.queue = append(t.queue, m)
			case Delivered:
				t.kept = append(t.kept, m.Key)
			case Dead:
				t.dead = append(t.dead, m)
			}
			if m.Status != Delivered && !m.Test {
				b := t.batchOf(m)
				if b == nil {
					b = &batch{from: m.From, upTo: m.UpTo}
					t.batches = append(t.batches, b)
				}
				b.open++
			}
		}
		return sd.Scan(store.SideOutbox, nil, func(k, data []byte) (bool, error) {
			var note Note
			if err := json.Unmarshal(data, &note); err != nil {
				return false, fmt.Errorf("notify: outbox note %d: %w", store.ParseOutboxKey(k), err)
			}
			n.take(held{key: store.ParseOutboxKey(k), note: &note}, now)
			return true, nil
		})
	})
	if err != nil {
		return nil, err
	}
	st.SetOutbox(n)
	return n, nil
}

// take adds a note to the targets that have not folded it (under mu).
func (n *Notifier) take(h held, now time.Time) {
	h.at = now
	p := &h
	for _, to := range h.note.To {
		t := n.targets[to.Sub]
		switch {
		case t == nil:
		case h.key > t.folded:
			t.pending = append(t.pending, p)
			p.left++
		default:
			// Folded before a restart into messages not delivered yet.
			for _, b := range t.batches {
				if h.key > b.from && h.key <= b.upTo {
					b.notes = append(b.notes, p)
					p.left++
					break
				}
			}
		}
	}
	if p.left == 0 {
		n.drop = append(n.drop, h.key)
		return
	}
	n.notes[h.key] = p
}

func (n *Notifier) subscriptions() []*Subscription { return *n.subs.Load() }

func (n *Notifier) setSubscriptions(subs []*Subscription) {
	n.subs.Store(&subs)
	n.poke()
}

func (n *Notifier) poke() {
	select {
	case n.wake <- struct{}{}:
	default:
	}
}

// Start runs the dispatcher and the reminders until Close.
func (n *Notifier) Start() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.started {
		return
	}
	n.started = true
	go n.run()
}

// Close stops the dispatcher: attempts in flight are cancelled (their
// messages are sent again at the next start, with the same id) and the
// state is written. The store keeps writing notes while it is open.
func (n *Notifier) Close() error {
	n.mu.Lock()
	started := n.started
	n.mu.Unlock()
	if !started {
		return nil
	}
	select {
	case <-n.stop:
	default:
		close(n.stop)
	}
	<-n.done
	n.cancel()
	n.sends.Wait()
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.write(nil, nil, true)
}

func (n *Notifier) run() {
	defer close(n.done)
	timer := time.NewTimer(0)
	defer timer.Stop()
	var wrote time.Time
	for {
		select {
		case <-n.stop:
			return
		case <-n.wake:
		case <-timer.C:
		}
		timer.Reset(n.step(&wrote))
	}
}

// step takes the committed notes; at most once per Tick (its writes share
// bbolt's writer lock with the API's), it runs the reminders when due,
// folds what is due and writes the state; at every wake it starts the
// sends that may go. It returns how long until something is due.
func (n *Notifier) step(wrote *time.Time) time.Duration {
	n.inMu.Lock()
	inbox := n.inbox
	n.inbox = nil
	n.inMu.Unlock()
	now := n.cfg.Now()
	n.mu.Lock()
	defer n.mu.Unlock()
	n.syncTargets()
	for _, h := range inbox {
		n.take(h, now)
	}
	if now.Sub(*wrote) >= n.cfg.Tick {
		rw := &reminderWrite{now: now}
		if !now.Before(n.remind) {
			rw.note, rw.marks, rw.forget = n.reminders(now)
			n.remind = now.Add(n.cfg.RemindEvery)
		}
		var made []*Message
		// At most foldsPerStep messages a step, the targets in turn: a
		// burst of due targets is spread over steps, and so are its
		// writes.
		order := n.targetsInOrder()
		for i := range order {
			if len(made) >= foldsPerStep {
				break
			}
			t := order[(n.cursor+i)%len(order)]
			if len(t.pending) > 0 && !now.Before(t.pending[0].at.Add(n.cfg.Window)) {
				made = append(made, n.foldTarget(t, now)...)
				n.cursor = (n.cursor + i + 1) % len(order)
			}
		}
		*wrote = now
		if err := n.write(made, rw, false); err != nil {
			n.cfg.Log.Error("notify: writing the dispatcher's state", "err", err)
		}
	}
	next := n.sendDue(now)
	// The next write: a fold, results, notes to drop or reminders.
	at := n.remind
	for _, t := range n.targets {
		if len(t.pending) > 0 {
			at = minTime(at, t.pending[0].at.Add(n.cfg.Window))
		}
	}
	if len(n.dirty) > 0 {
		at = minTime(at, n.resultsAt.Add(resultsEvery))
	}
	if len(n.drop) > 0 || len(n.gone) > 0 || len(n.unwritten) > 0 {
		at = now
	}
	if later := wrote.Add(n.cfg.Tick); at.Before(later) {
		at = later
	}
	return max(min(next, at.Sub(now)), 0)
}

func minTime(a, b time.Time) time.Time {
	if a.IsZero() || b.Before(a) {
		return b
	}
	return a
}

// syncTargets follows the subscriptions: new ones get a queue, deleted
// ones lose theirs and their messages (under mu).
func (n *Notifier) syncTargets() {
	live := map[string]*Subscription{}
	for _, sub := range n.subscriptions() {
		live[sub.ID] = sub
		if n.targets[sub.ID] == nil {
			n.targets[sub.ID] = &target{sub: sub}
		}
	}
	for id, t := range n.targets {
		if live[id] != nil {
			continue
		}
		for _, h := range t.pending {
			n.folded(h)
		}
		for _, b := range t.batches {
			for _, h := range b.notes {
				n.folded(h)
			}
		}
		for _, m := range t.queue {
			n.gone = append(n.gone, m.Key)
			delete(n.dirty, m.Key)
		}
		n.gone = append(n.gone, t.kept...)
		for _, m := range t.dead {
			n.gone = append(n.gone, m.Key)
			delete(n.dirty, m.Key)
		}
		delete(n.targets, id)
	}
}

// folded records that one more target needs h no more.
func (n *Notifier) folded(h *held) {
	h.left--
	if h.left == 0 {
		delete(n.notes, h.key)
		n.drop = append(n.drop, h.key)
	}
}

func (n *Notifier) targetsInOrder() []*target {
	out := make([]*target, 0, len(n.targets))
	for _, t := range n.targets {
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b *target) int { return cmp.Compare(a.sub.ID, b.sub.ID) })
	return out
}

// base is the desk's address for a subscription's links.
func (n *Notifier) base(sub *Subscription) string {
	if n.cfg.PublicURL != "" {
		return n.cfg.PublicURL
	}
	return sub.BaseURL
}

// foldTarget folds a target's pending notes into messages (not yet keyed).
func (n *Notifier) foldTarget(t *target, now time.Time) []*Message {
	b := &batch{from: t.folded, notes: t.pending}
	for _, h := range t.pending {
		b.upTo = max(b.upTo, h.key)
	}
	t.folded, t.pending = b.upTo, nil
	sn := n.st.Snapshot()
	name := names{sn.Reader}
	subject := name.meeting(t.sub.Alliance)
	if t.sub.Unit != "" {
		subject = name.unit(t.sub.Unit)
	}
	lines, events := b.lines(t.sub.ID)
	var out []*Message
	for _, d := range fold(t.sub, subject, lines, n.base(t.sub)) {
		m := &Message{Sub: t.sub.ID, Unit: d.unit, From: b.from, UpTo: b.upTo, Name: subject, Base: n.base(t.sub), Created: now,
			State: State{Status: Pending, NextAt: now}}
		m.fill(t.sub, d, events)
		out = append(out, m)
	}
	b.open = len(out)
	if b.open == 0 {
		n.release(b)
	} else {
		t.batches = append(t.batches, b)
	}
	return out
}

// lines returns the lines of b's notes for subscription sub, in the order
// they happened, and their audit events.
func (b *batch) lines(sub string) (lines []*Line, events []uint64) {
	for _, h := range b.notes {
		if h.note.Seq != 0 {
			events = append(events, h.note.Seq)
		}
		for _, to := range h.note.To {
			if to.Sub != sub {
				continue
			}
			for _, i := range to.Lines {
				if i >= 0 && i < len(h.note.Lines) {
					lines = append(lines, &h.note.Lines[i])
				}
			}
		}
	}
	return lines, events
}

// release gives back b's notes (its messages are all delivered or gone).
func (n *Notifier) release(b *batch) {
	for _, h := range b.notes {
		n.folded(h)
	}
	b.notes = nil
}

// fill sets m's text from its draft d.
func (m *Message) fill(sub *Subscription, d draft, events []uint64) {
	m.Title = d.title
	m.lines = fit(sub.Target, d.title, d.lines, d.link, textLimit(sub.Target))
	m.Head = m.lines[0]
	m.link, m.src, m.events, m.rendered = d.link, d.src, events, true
}

// render makes m's text again from its notes (after a restart), or from
// what a test message says (under mu).
func (n *Notifier) render(t *target, m *Message) error {
	if m.rendered {
		return nil
	}
	if m.Test {
		d := testDraft(t.sub, m.Name, m.Base)
		m.fill(t.sub, d, nil)
		return nil
	}
	b := t.batchOf(m)
	if b == nil {
		return fmt.Errorf("the notes of message %s are gone", m.ID)
	}
	lines, events := b.lines(t.sub.ID)
	for _, d := range fold(t.sub, m.Name, lines, m.Base) {
		if d.unit == m.Unit {
			m.fill(t.sub, d, events)
			return nil
		}
	}
	return fmt.Errorf("the notes of message %s do not make it", m.ID)
}

// payloadOf returns a generic message's body (made once: the same on
// every attempt).
func (m *Message) payloadOf() []byte {
	if m.body == nil {
		typ := payloadType(m.src)
		if m.Test {
			typ = "allymatch.test"
		}
		m.body = mustJSON(payload{Type: typ, Timestamp: m.Created.UTC(), Data: payloadData{ID: m.ID, Subscription: m.Sub, Unit: m.Unit,
			Title: m.Title, Text: markdown(Generic, m.Title, m.lines, m.link), Link: m.link, Events: m.events,
			Lines: derefLines(m.src, maxLines), LinesTotal: len(m.src)}})
	}
	return m.body
}

func payloadType(src []*Line) string {
	if len(src) > 0 && !slices.ContainsFunc(src, func(l *Line) bool { return l.Kind != src[0].Kind }) {
		return "allymatch." + string(src[0].Kind)
	}
	return "allymatch.digest"
}

func derefLines(src []*Line, most int) []Line {
	out := make([]Line, 0, min(len(src), most))
	for _, l := range src[:min(len(src), most)] {
		out = append(out, *l)
	}
	return out
}

func mustJSON(v any) json.RawMessage {
	data, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return data
}

// reminderWrite is a run of reminders to write with the step: its note
// (nil: nobody to tell), the marks of the reminders it sends and the
// marks to forget.
type reminderWrite struct {
	note          *Note
	marks, forget []string
	now           time.Time
}

func (rw *reminderWrite) empty() bool {
	return rw == nil || rw.note == nil && len(rw.marks) == 0 && len(rw.forget) == 0
}

// The dispatcher's writes share bbolt's one writer with the API's: a
// mutation waits for the dispatcher's transaction in progress. They are
// cut into small transactions (whole folds of at most chunkMessages new
// messages, unless one fold has more, or chunkRecords other records,
// each), so that a mutation waits for one small commit at most, and
// delivery results are written at most every resultsEvery (losing them in
// a crash only sends those messages again, with their ids).
const (
	chunkMessages = 8
	chunkRecords  = 64
	resultsEvery  = time.Second
	foldsPerStep  = 3 * chunkMessages
)

// write stores the new messages (each queued once its transaction is
// written), the changed ones (when resultsEvery has passed, or force), a
// reminders note and its marks, and deletes the notes every target has
// folded and the messages of deleted subscriptions and beyond Keep (under
// mu). New messages a failed write did not store are kept for the next.
func (n *Notifier) write(made []*Message, rw *reminderWrite, force bool) error {
	made = append(n.unwritten, made...)
	n.unwritten = nil
	for len(made) > 0 {
		part := made[:foldChunk(made)]
		err := n.st.SideUpdate(func(sd *store.Side) error {
			for _, m := range part {
				k, err := sd.NextKey(store.SideDeliveries)
				if err != nil {
					return err
				}
				m.Key, m.ID = k, messageID(k)
				if err := sd.PutJSON(store.SideDeliveries, store.OutboxKey(k), m); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			for _, m := range made {
				m.Key, m.ID = 0, ""
			}
			n.unwritten = made
			return err
		}
		for _, m := range part {
			t := n.targets[m.Sub]
			t.queue = append(t.queue, m)
		}
		made = made[len(part):]
	}

	// The other records, in chunks.
	type op struct {
		bucket string
		key    []byte
		value  any // nil: delete
	}
	var ops []op
	now := n.cfg.Now()
	// The reminders' marks first: they go in the transaction of their note
	// (unless there are more than a chunk of them), so that a crash can
	// neither send a reminder twice nor mark one that was not sent.
	if !rw.empty() {
		for _, mark := range rw.marks {
			ops = append(ops, op{store.SideReminders, []byte(mark), rw.now.UTC().Format(time.RFC3339)})
		}
		for _, mark := range rw.forget {
			ops = append(ops, op{bucket: store.SideReminders, key: []byte(mark)})
		}
	}
	// Notes are dropped only with (or after) the states of the messages
	// that released them: a restart must not find a message waiting whose
	// notes are gone.
	writeResults := force || len(n.drop) > 0 || len(n.dirty) > 0 && !now.Before(n.resultsAt.Add(resultsEvery))
	var results []uint64
	if writeResults {
		for k, m := range n.dirty {
			ops = append(ops, op{store.SideDeliveryState, store.OutboxKey(k), m.State})
			results = append(results, k)
		}
	}
	for _, k := range n.drop {
		ops = append(ops, op{bucket: store.SideOutbox, key: store.OutboxKey(k)})
	}
	for _, k := range append(n.gone, n.prune()...) {
		ops = append(ops, op{bucket: store.SideDeliveries, key: store.OutboxKey(k)}, op{bucket: store.SideDeliveryState, key: store.OutboxKey(k)})
	}
	var remindKey uint64
	for first := true; first || len(ops) > 0; first = false {
		part := ops[:min(len(ops), chunkRecords)]
		note := first && rw != nil && rw.note != nil
		if len(part) == 0 && !note {
			break
		}
		update := n.st.SideUpdate
		if note {
			// Under the store's write lock: the notes of every mutation
			// before it are in the inbox, so that the dispatcher takes
			// the outbox's notes in key order (its folds count on it).
			update = n.st.SideUpdateSerial
		}
		err := update(func(sd *store.Side) error {
			if note {
				// The reminders' note, with its marks (a crash between
				// chunks of more marks than a chunk holds sends some
				// again at most).
				k, err := sd.NextKey(store.SideOutbox)
				if err != nil {
					return err
				}
				remindKey = k
				if err := sd.PutJSON(store.SideOutbox, store.OutboxKey(k), rw.note); err != nil {
					return err
				}
			}
			for _, o := range part {
				var err error
				if o.value == nil {
					err = sd.Delete(o.bucket, o.key)
				} else {
					err = sd.PutJSON(o.bucket, o.key, o.value)
				}
				if err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		ops = ops[len(part):]
	}
	if writeResults {
		for _, k := range results {
			delete(n.dirty, k)
		}
		n.resultsAt = now
	}
	n.drop, n.gone = nil, nil
	if remindKey != 0 {
		// After the notes before it (in the inbox already), in key order.
		n.inMu.Lock()
		n.inbox = append(n.inbox, held{key: remindKey, note: rw.note})
		n.inMu.Unlock()
		n.poke()
	}
	return nil
}

// foldChunk returns how many of the new messages made go in one
// transaction: whole folds (a fold's messages share its notes: a restart
// that found some of them would have folded the others' notes too, and
// lose them), as many as fit in chunkMessages, and at least one.
func foldChunk(made []*Message) int {
	n := 0
	for n < len(made) {
		end := n + 1
		for end < len(made) && sameFold(made[n], made[end]) {
			end++
		}
		if n > 0 && end > chunkMessages {
			break
		}
		n = end
	}
	return n
}

// sameFold reports whether a and b were made by one fold of a target.
func sameFold(a, b *Message) bool {
	return !a.Test && !b.Test && a.Sub == b.Sub && a.From == b.From && a.UpTo == b.UpTo
}

// prune returns the delivered messages and the dead letters beyond Keep
// of each target (the oldest), and forgets them (under mu).
func (n *Notifier) prune() []uint64 {
	var out []uint64
	for _, t := range n.targets {
		if extra := len(t.kept) - n.cfg.Keep; extra > 0 {
			out = append(out, t.kept[:extra]...)
			t.kept = slices.Clone(t.kept[extra:])
		}
		if extra := len(t.dead) - n.cfg.Keep; extra > 0 {
			for _, m := range t.dead[:extra] {
				delete(n.dirty, m.Key)
				out = append(out, m.Key)
				n.finished(t, m)
			}
			t.dead = slices.Clone(t.dead[extra:])
		}
	}
	return out
}

// messageID returns the webhook-id of the message with key k: its key
// and random bytes, so that ids stay unique across stores (a receiver
// may keep ids longer than a store lives).
func messageID(k uint64) string {
	var b [6]byte
	rand.Read(b[:])
	return "msg_" + strconv.FormatUint(k, 10) + "_" + hex.EncodeToString(b[:])
}

// sendDue starts the sends that may go now and returns how long until the
// next one may (under mu).
func (n *Notifier) sendDue(now time.Time) time.Duration {
	next := time.Hour
	for _, t := range n.targetsInOrder() {
		if t.busy || len(t.queue) == 0 || n.inFlight >= n.cfg.MaxInFlight {
			continue
		}
		m := t.queue[0]
		at := m.NextAt
		if t.pause.After(at) {
			at = t.pause
		}
		cutoff := now.Add(-time.Minute)
		t.sent = slices.DeleteFunc(t.sent, func(s time.Time) bool { return s.Before(cutoff) })
		if len(t.sent) >= n.rate(t.sub) {
			if free := t.sent[0].Add(time.Minute); free.After(at) {
				at = free
			}
		}
		if at.After(now) {
			next = min(next, at.Sub(now))
			continue
		}
		if err := n.render(t, m); err != nil {
			n.record(t.sub, m, outcome{err: err.Error(), gone: true}, now, false)
			continue
		}
		if t.sub.Target == Generic {
			m.payloadOf()
		}
		t.busy = true
		n.inFlight++
		t.sent = append(t.sent, now)
		sub := t.sub
		n.sends.Add(1)
		go n.attempt(sub, m)
	}
	return max(next, 0)
}

func (n *Notifier) rate(sub *Subscription) int {
	if sub.Target.Robot() {
		return n.cfg.RobotRate
	}
	return n.cfg.GenericRate
}

// attempt sends m to sub once and records the outcome.
func (n *Notifier) attempt(sub *Subscription, m *Message) {
	defer n.sends.Done()
	start := n.cfg.Now()
	ctx, cancel := context.WithTimeout(n.ctx, n.cfg.Timeout)
	defer cancel()
	var o outcome
	req, err := request(ctx, sub, m, start)
	if err != nil {
		o = outcome{err: err.Error()}
	} else {
		resp, err := n.client.Do(req)
		o = classify(sub.Target, resp, err, start, n.cfg.RatePause)
	}
	if n.ctx.Err() != nil {
		// Stopping: the attempt does not count; the message goes again at
		// the next start.
		n.mu.Lock()
		n.inFlight--
		if t := n.targets[sub.ID]; t != nil {
			t.busy = false
		}
		n.mu.Unlock()
		return
	}
	n.mu.Lock()
	n.record(sub, m, o, n.cfg.Now(), true)
	n.mu.Unlock()
	n.poke()
}

// record applies an attempt's outcome to m (written at the next step);
// sent says whether it was an attempt under way (under mu).
func (n *Notifier) record(sub *Subscription, m *Message, o outcome, now time.Time, sent bool) {
	if sent {
		n.inFlight--
	}
	t := n.targets[sub.ID]
	if t == nil {
		return // deleted meanwhile
	}
	if sent {
		t.busy = false
		m.Attempts++
	}
	m.LastAt, m.LastStatus, m.LastError = now, o.status, o.err
	switch {
	case o.ok:
		m.Status, m.Done, m.NextAt, m.LastError = Delivered, now, time.Time{}, ""
	case o.gone || m.Attempts >= n.cfg.MaxAttempts:
		m.Status, m.Done, m.NextAt = Dead, now, time.Time{}
		t.dead = append(t.dead, m)
		n.cfg.Log.Warn("notify: a message is a dead letter", "subscription", sub.ID, "message", m.ID, "attempts", m.Attempts, "error", o.err)
	default:
		m.NextAt = now.Add(n.backoff(m.Attempts))
		if o.pause > 0 {
			t.pause = now.Add(o.pause)
			if t.pause.After(m.NextAt) {
				m.NextAt = t.pause
			}
		}
	}
	n.dirty[m.Key] = m
	if m.Status != Pending {
		t.queue = slices.DeleteFunc(t.queue, func(q *Message) bool { return q == m })
		if m.Status == Delivered {
			t.kept = append(t.kept, m.Key)
			n.finished(t, m)
		}
	}
}

// finished records that m needs its notes no more (delivered, or a dead
// letter dropped): its batch gives them back once all its messages are
// (under mu).
func (n *Notifier) finished(t *target, m *Message) {
	b := t.batchOf(m)
	if b == nil {
		return
	}
	if b.open--; b.open <= 0 {
		n.release(b)
		t.batches = slices.DeleteFunc(t.batches, func(x *batch) bool { return x == b })
	}
	m.rendering = rendering{}
}

// backoff is the wait before attempt number attempts+1: Backoff doubled
// per attempt made, at most MaxBackoff, with "equal jitter" (half of it
// fixed, half random), so that targets failing together spread out.
func (n *Notifier) backoff(attempts int) time.Duration {
	d := n.cfg.Backoff
	for i := 1; i < attempts && d < n.cfg.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, n.cfg.MaxBackoff)
	return d/2 + time.Duration(mrand.Int64N(int64(d/2)+1))
}
