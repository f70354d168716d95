package notify

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/index"
	"github.com/allymatch/allymatch/matcher/service"
	"github.com/allymatch/allymatch/matcher/store"
)

// Subscriptions are scoped as everything else: a coordinator subscribes
// the meetings it may run (its alliance and those below) and the units of
// its scope; a unit subscribes itself; an admin anything. A subscription
// outside the caller's scope is answered as an absent one. Each change is
// one store mutation with its audit event (webhook.create, webhook.delete)
// naming the subscription's alliances.

// Limits.
const (
	MaxPerSubject = 20  // subscriptions of one alliance or unit
	MinSecretLen  = 16  // a 钉钉 or 飞书 signing secret
	MaxSecretLen  = 256 // any secret
	// MaxTestsWaiting bounds the test messages of a subscription waiting
	// to be sent (a robot that is down, or paused, keeps them).
	MaxTestsWaiting = 5
)

// SubscribeRequest is the body of POST /v1/webhooks.
type SubscribeRequest struct {
	Kind     Target `json:"kind"`
	URL      string `json:"url"`
	Secret   string `json:"secret,omitempty"`
	Events   []Kind `json:"events,omitempty"`
	Alliance string `json:"alliance,omitempty"`
	Unit     string `json:"unit,omitempty"`
}

// View is a subscription as the API shows it: never its secret, and its
// URL with the robot's key masked.
type View struct {
	ID        string    `json:"id"`
	Kind      Target    `json:"kind"`
	URL       string    `json:"url"`
	Signed    bool      `json:"signed"` // it has a secret
	Events    []Kind    `json:"events"`
	Alliance  string    `json:"alliance,omitempty"`
	Unit      string    `json:"unit,omitempty"`
	CreatedBy string    `json:"created_by"`
	Created   time.Time `json:"created"`
	Pending   int       `json:"pending"` // messages waiting to be delivered
	Dead      int       `json:"dead"`    // dead letters
}

// Created is what Subscribe answers: the subscription and, for a generic
// one made without a secret, the secret made for it (shown this once).
type Created struct {
	View
	Secret string `json:"secret,omitempty"`
}

func decodeSub(data []byte) (*Subscription, error) {
	var s Subscription
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return nil, err
	}
	return &s, nil
}

// Redact returns a webhook URL with what works as a key masked: every
// query value (…?key=…, ?access_token=…), and every path segment of 16
// characters or more (飞书's …/hook/<token>).
func Redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "****"
	}
	segs := strings.Split(u.EscapedPath(), "/")
	for i, s := range segs {
		if len(s) >= 16 {
			segs[i] = "****"
		}
	}
	out := u.Scheme + "://" + u.Host + strings.Join(segs, "/")
	if u.RawQuery != "" {
		q := u.Query()
		keys := make([]string, 0, len(q))
		for k := range q {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		parts := make([]string, 0, len(keys))
		for _, k := range keys {
			parts = append(parts, url.QueryEscape(k)+"=****")
		}
		out += "?" + strings.Join(parts, "&")
	}
	return out
}

// CanSeeSubscription reports whether a may see (and delete) sub.
func CanSeeSubscription(r index.Reader, a matcher.Actor, sub *Subscription) bool {
	if sub.Alliance != "" {
		return service.CanRunMeeting(r, a, sub.Alliance)
	}
	return service.CanWriteUnit(r, a, sub.Unit)
}

func newID(prefix string, n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// NewSecret returns a Standard Webhooks secret: "whsec_" and the Base64
// of 32 random bytes.
func NewSecret() string {
	b := make([]byte, 32)
	rand.Read(b)
	return "whsec_" + base64.StdEncoding.EncodeToString(b)
}

// check validates a request's own fields (kind, url, events, secret).
func (req *SubscribeRequest) check(allowPrivate bool) error {
	var p matcher.Problems
	if !slices.Contains(Targets, req.Kind) {
		p.Add("kind", "must be wecom, dingtalk, feishu or generic, got %q", req.Kind)
	}
	if _, err := checkURL(req.URL, allowPrivate); err != nil {
		p.Add("url", "%s", err.Error())
	}
	for i, k := range req.Events {
		if !slices.Contains(Kinds, k) {
			p.Add(fmt.Sprintf("events[%d]", i), "must be one of %s, got %q", kindList(), k)
		} else if slices.Index(req.Events, k) != i {
			p.Add(fmt.Sprintf("events[%d]", i), "%q is named twice", k)
		}
	}
	if len(req.Secret) > MaxSecretLen {
		p.Add("secret", "is longer than %d characters", MaxSecretLen)
	} else if req.Secret != "" {
		if !printableASCII(req.Secret) {
			p.Add("secret", "must be printable ASCII characters without spaces (as the robots and whsec_ secrets are)")
		} else {
			switch req.Kind {
			case WeCom:
				p.Add("secret", "a 企业微信 robot signs nothing: its key is in the URL (…?key=…); leave the secret out")
			case DingTalk, Feishu:
				if len(req.Secret) < MinSecretLen {
					p.Add("secret", "is too short: a signing secret has at least %d characters, got %d", MinSecretLen, len(req.Secret))
				}
			case Generic:
				if _, err := secretKey(req.Secret); err != nil {
					p.Add("secret", "%s", err.Error())
				}
			}
		}
	}
	if req.Alliance != "" && req.Unit != "" {
		p.Add("unit", "name an alliance (its meeting's group) or a unit, not both")
	}
	return p.Err()
}

// printableASCII reports whether s is visible ASCII only (no spaces, no
// control characters): a 钉钉 secret is SEC and 64 hex digits, a 飞书 one
// letters and digits, a Standard Webhooks one whsec_ and Base64.
func printableASCII(s string) bool {
	for i := range len(s) {
		if s[i] <= ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

func kindList() string {
	s := make([]string, len(Kinds))
	for i, k := range Kinds {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}

// Subscribe adds a subscription for actor; base is the desk's address as
// the request saw it (for the links, unless Config.PublicURL is set).
//
// Errors: EINVALID naming kind, url, events[i], secret or unit; ENOTFOUND
// naming alliance or unit for a subject outside the caller's scope (as an
// absent one); ECONFLICT when the subject has MaxPerSubject subscriptions
// or one to the same URL.
func (n *Notifier) Subscribe(ctx context.Context, actor matcher.Actor, req SubscribeRequest, base string) (Created, error) {
	if err := req.check(n.cfg.AllowPrivate); err != nil {
		return Created{}, err
	}
	switch {
	case req.Alliance == "" && req.Unit == "" && actor.Role == matcher.RoleUnit:
		req.Unit = actor.ID
	case req.Alliance == "" && req.Unit == "" && actor.Role == matcher.RoleCoordinator:
		req.Alliance = actor.ID
	case req.Alliance == "" && req.Unit == "":
		return Created{}, matcher.FieldError("alliance", "name the alliance whose meeting's group is told, or the unit")
	}
	sub := &Subscription{ID: newID("wh-", 8), Target: req.Kind, URL: req.URL, Secret: req.Secret, Kinds: slices.Clone(req.Events),
		Alliance: req.Alliance, Unit: req.Unit, BaseURL: strings.TrimSuffix(base, "/"), By: actor.String(), Created: n.cfg.Now().UTC().Truncate(time.Second)}
	out := Created{}
	if sub.Target == Generic && sub.Secret == "" {
		sub.Secret = NewSecret()
		out.Secret = sub.Secret
	}
	sn := n.st.Snapshot()
	var alliances []string
	if sub.Alliance != "" {
		alliances = []string{sub.Alliance}
	} else {
		for a := range sn.AlliancesOf(sub.Unit) {
			alliances = append(alliances, a.ID)
		}
		slices.Sort(alliances)
	}
	_, err := n.st.Update(ctx, actor.String(), "webhook.create", alliances, func(tx *store.Tx) error {
		if sub.Alliance != "" {
			a, err := tx.Alliance(sub.Alliance)
			if err != nil || !service.CanRunMeeting(tx.Reader, actor, sub.Alliance) {
				return &matcher.Error{Code: matcher.ENOTFOUND, Field: "alliance", Message: fmt.Sprintf("no alliance %q", sub.Alliance)}
			}
			sub.Born = a.Born
		} else {
			u := tx.UnitRaw(sub.Unit)
			if u == nil || !service.CanWriteUnit(tx.Reader, actor, sub.Unit) {
				return &matcher.Error{Code: matcher.ENOTFOUND, Field: "unit", Message: fmt.Sprintf("no unit %q", sub.Unit)}
			}
			sub.Born = u.Born
		}
		count := 0
		for _, s := range n.subscriptions() {
			if s.Alliance == sub.Alliance && s.Unit == sub.Unit {
				count++
				if s.URL == sub.URL {
					return &matcher.Error{Code: matcher.ECONFLICT, Field: "url", Message: fmt.Sprintf("subscription %s posts there already", s.ID)}
				}
			}
		}
		if count >= MaxPerSubject {
			return matcher.Errorf(matcher.ECONFLICT, "%s has %d subscriptions, the most it may have: delete one first", sub.Reader(), count)
		}
		return tx.PutSide(store.SideWebhooks, sub.ID, sub)
	})
	if err != nil {
		return Created{}, err
	}
	n.cfg.Log.Info("webhook subscribed", "id", sub.ID, "kind", sub.Target, "host", hostOf(sub.URL), "by", actor.String())
	out.View = n.view(sub)
	return out, nil
}

func hostOf(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Hostname()
	}
	return ""
}

// find returns the subscription id if actor may see it (ENOTFOUND else).
func (n *Notifier) find(actor matcher.Actor, id string) (*Subscription, error) {
	sn := n.st.Snapshot()
	for _, s := range n.subscriptions() {
		if s.ID == id && CanSeeSubscription(sn.Reader, actor, s) {
			return s, nil
		}
	}
	return nil, matcher.Errorf(matcher.ENOTFOUND, "subscription %q not found", id)
}

// Subscriptions returns the subscriptions actor may see, of alliance or
// unit when one is named, in id order.
func (n *Notifier) Subscriptions(actor matcher.Actor, alliance, unit string) []View {
	sn := n.st.Snapshot()
	out := []View{}
	for _, s := range n.subscriptions() {
		if (alliance == "" || s.Alliance == alliance) && (unit == "" || s.Unit == unit) && CanSeeSubscription(sn.Reader, actor, s) {
			out = append(out, n.view(s))
		}
	}
	return out
}

// Subscription returns one subscription actor may see.
func (n *Notifier) Subscription(actor matcher.Actor, id string) (View, error) {
	s, err := n.find(actor, id)
	if err != nil {
		return View{}, err
	}
	return n.view(s), nil
}

// Unsubscribe deletes a subscription actor may see, and its messages.
func (n *Notifier) Unsubscribe(ctx context.Context, actor matcher.Actor, id string) error {
	sub, err := n.find(actor, id)
	if err != nil {
		return err
	}
	var alliances []string
	if sub.Alliance != "" {
		alliances = []string{sub.Alliance}
	} else {
		for a := range n.st.Snapshot().AlliancesOf(sub.Unit) {
			alliances = append(alliances, a.ID)
		}
		slices.Sort(alliances)
	}
	_, err = n.st.Update(ctx, actor.String(), "webhook.delete", alliances, func(tx *store.Tx) error {
		return tx.DeleteSide(store.SideWebhooks, id)
	})
	if matcher.ErrorCode(err) == matcher.ENOTFOUND {
		return matcher.Errorf(matcher.ENOTFOUND, "subscription %q not found", id)
	}
	if err == nil {
		n.cfg.Log.Info("webhook deleted", "id", id, "by", actor.String())
	}
	return err
}

func (n *Notifier) view(s *Subscription) View {
	v := View{ID: s.ID, Kind: s.Target, URL: Redact(s.URL), Signed: s.Secret != "", Events: slices.Clone(s.Kinds),
		Alliance: s.Alliance, Unit: s.Unit, CreatedBy: s.By, Created: s.Created}
	if v.Events == nil {
		v.Events = slices.Clone(Kinds)
	}
	n.mu.Lock()
	if t := n.targets[s.ID]; t != nil {
		v.Pending, v.Dead = len(t.queue)+len(t.pending), len(t.dead)
	}
	n.mu.Unlock()
	return v
}

// Delivery is a message as the desk and the API show it.
type Delivery struct {
	ID         string    `json:"id"`
	Key        uint64    `json:"key"`
	Unit       string    `json:"unit,omitempty"`
	Title      string    `json:"title"`
	Text       string    `json:"text"`
	Status     Status    `json:"status"`
	Attempts   int       `json:"attempts"`
	Created    time.Time `json:"created"`
	NextAt     time.Time `json:"next_at,omitzero"`
	LastAt     time.Time `json:"last_at,omitzero"`
	LastStatus int       `json:"last_status,omitempty"`
	LastError  string    `json:"last_error,omitempty"`
	Done       time.Time `json:"done,omitzero"`
}

// delivery shows m: its whole text while it is made (a message waiting or
// a dead letter), its first line once its notes are gone.
func delivery(m *Message) Delivery {
	text := m.Head
	if m.rendered {
		text = strings.Join(m.lines, "\n")
	}
	return Delivery{ID: m.ID, Key: m.Key, Unit: m.Unit, Title: m.Title, Text: text, Status: m.Status,
		Attempts: m.Attempts, Created: m.Created, NextAt: m.NextAt, LastAt: m.LastAt, LastStatus: m.LastStatus, LastError: m.LastError, Done: m.Done}
}

// Deliveries returns the messages of a subscription actor may see, the
// newest first (at most limit): waiting, delivered and dead letters.
func (n *Notifier) Deliveries(actor matcher.Actor, id string, limit int) ([]Delivery, error) {
	sub, err := n.find(actor, id)
	if err != nil {
		return nil, err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	t := n.targets[sub.ID]
	if t == nil {
		return []Delivery{}, nil
	}
	msgs, err := n.messagesOf(t, limit)
	if err != nil {
		return nil, err
	}
	out := make([]Delivery, 0, len(msgs))
	for _, m := range msgs {
		out = append(out, delivery(m))
	}
	return out, nil
}

// messagesOf returns up to limit of t's messages (waiting, delivered and
// dead letters), the newest first, as they are now (under mu).
func (n *Notifier) messagesOf(t *target, limit int) ([]*Message, error) {
	mem := map[uint64]*Message{}
	var keys []uint64
	for _, m := range t.queue {
		mem[m.Key] = m
		keys = append(keys, m.Key)
	}
	keys = append(keys, t.kept...)
	for _, m := range t.dead {
		mem[m.Key] = m
		keys = append(keys, m.Key)
	}
	slices.SortFunc(keys, func(a, b uint64) int { return cmp.Compare(b, a) })
	keys = slices.Compact(keys)
	keys = keys[:min(len(keys), limit)]
	out := make([]*Message, 0, len(keys))
	err := n.st.SideView(func(sd *store.Side) error {
		for _, k := range keys {
			if m := mem[k]; m != nil {
				out = append(out, m)
				continue
			}
			if m := n.dirty[k]; m != nil {
				out = append(out, m)
				continue
			}
			m, ok, err := loadMessage(sd, k)
			if err != nil {
				return err
			}
			if ok {
				out = append(out, m)
			}
		}
		return nil
	})
	return out, err
}

// SendTest queues a test message to a subscription actor may see, sent
// at once (no batching window), and returns it.
//
// Errors: ENOTFOUND for a subscription the caller may not see; ECONFLICT
// when MaxTestsWaiting of its test messages wait already.
func (n *Notifier) SendTest(actor matcher.Actor, id string) (Delivery, error) {
	sub, err := n.find(actor, id)
	if err != nil {
		return Delivery{}, err
	}
	sn := n.st.Snapshot()
	nm := names{sn.Reader}
	subject := nm.meeting(sub.Alliance)
	if sub.Unit != "" {
		subject = nm.unit(sub.Unit)
	}
	now := n.cfg.Now()
	m := &Message{Sub: sub.ID, Test: true, Name: subject, Base: n.base(sub), Created: now, State: State{Status: Pending, NextAt: now}}
	m.fill(sub, testDraft(sub, subject, m.Base), nil)
	n.mu.Lock()
	defer n.mu.Unlock()
	t := n.targets[sub.ID]
	if t == nil {
		t = &target{sub: sub}
		n.targets[sub.ID] = t
	}
	waiting := 0
	for _, q := range t.queue {
		if q.Test {
			waiting++
		}
	}
	if waiting >= MaxTestsWaiting {
		return Delivery{}, matcher.Errorf(matcher.ECONFLICT, "%d test messages to %s wait to be sent already: see its deliveries", waiting, sub.ID)
	}
	if err := n.write([]*Message{m}, nil, false); err != nil {
		return Delivery{}, err
	}
	n.poke()
	return delivery(m), nil
}

// testDraft is a test message to sub, whose subject is called name.
func testDraft(sub *Subscription, name, base string) draft {
	link := base + "/ui/meetings/" + sub.Alliance
	if sub.Unit != "" {
		link = base + "/ui/units/" + sub.Unit
	}
	line := &Line{Kind: Test, Meeting: sub.Alliance, MeetingName: name}
	return draft{title: "测试消息", lines: []string{"【" + plain(name) + "】测试消息：联盟清单匹配的通知已接通，新的匹配建议、答复和提醒会发到这里。"}, link: link, src: []*Line{line}}
}

// Retry sends a dead letter of a subscription actor may see again: its
// attempts start over, with the same id.
//
// Errors: ENOTFOUND for a subscription or message the caller may not see;
// ECONFLICT for a message that is not a dead letter.
func (n *Notifier) Retry(actor matcher.Actor, id, msgID string) (Delivery, error) {
	sub, err := n.find(actor, id)
	if err != nil {
		return Delivery{}, err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	t := n.targets[sub.ID]
	if t == nil {
		return Delivery{}, matcher.Errorf(matcher.ENOTFOUND, "message %q not found", msgID)
	}
	msgs, err := n.messagesOf(t, len(t.queue)+len(t.kept)+len(t.dead))
	if err != nil {
		return Delivery{}, err
	}
	i := slices.IndexFunc(msgs, func(m *Message) bool { return m.ID == msgID })
	if i < 0 {
		return Delivery{}, matcher.Errorf(matcher.ENOTFOUND, "message %q not found", msgID)
	}
	found := msgs[i]
	if found.Status != Dead {
		return Delivery{}, matcher.Errorf(matcher.ECONFLICT, "message %s is %s; only a dead letter is sent again by hand", msgID, found.Status)
	}
	if err := n.requeue(t, []*Message{found}); err != nil {
		return Delivery{}, err
	}
	return delivery(found), nil
}

// RetryAll sends every dead letter of a subscription actor may see again
// (a robot put right after it refused them: a wrong key, a secret that
// did not match), in order, each with its id; it returns how many.
//
// Errors: ENOTFOUND for a subscription the caller may not see.
func (n *Notifier) RetryAll(actor matcher.Actor, id string) (int, error) {
	sub, err := n.find(actor, id)
	if err != nil {
		return 0, err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	t := n.targets[sub.ID]
	if t == nil || len(t.dead) == 0 {
		return 0, nil
	}
	dead := slices.Clone(t.dead)
	if err := n.requeue(t, dead); err != nil {
		return 0, err
	}
	return len(dead), nil
}

// requeue makes dead letters of t pending again, their attempts starting
// over, written at once (under mu).
func (n *Notifier) requeue(t *target, msgs []*Message) error {
	now := n.cfg.Now()
	for _, m := range msgs {
		m.Status, m.Attempts, m.NextAt, m.Done = Pending, 0, now, time.Time{}
		n.dirty[m.Key] = m
	}
	t.dead = slices.DeleteFunc(t.dead, func(m *Message) bool { return slices.Contains(msgs, m) })
	for _, m := range msgs {
		at, _ := slices.BinarySearchFunc(t.queue, m.Key, func(q *Message, k uint64) int { return cmp.Compare(q.Key, k) })
		t.queue = slices.Insert(t.queue, at, m)
	}
	n.poke()
	// A failed write leaves the states dirty: the next one writes them.
	return n.write(nil, nil, true)
}
