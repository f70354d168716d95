package notify

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/service"
	"github.com/allymatch/allymatch/matcher/store"
)

// TestProposalRunReachesEachTargetOncePerBatch: a proposal run is, in the
// meeting's group, one message per unit waiting for an answer (its
// digest, in Chinese, with names and the deadline), and for a unit's own
// receiver one message with its claims only.
func TestProposalRunReachesEachTargetOncePerBatch(t *testing.T) {
	w := newWorld(t, testConfig())
	rc := newReceiver(t)
	w.subscribe(matcher.Coordinator("lh"), SubscribeRequest{Kind: WeCom, URL: rc.URL + "/wecom"})
	gen := w.subscribe(matcher.UnitActor("lh-school"), SubscribeRequest{Kind: Generic, URL: rc.URL + "/school"})
	p := w.propose("lh")
	w.mustSettle()

	units := unitsWaiting(p.Claims)
	group := rc.at("/wecom")
	if len(group) != len(units) {
		t.Fatalf("the group got %d messages for %d units waiting (%d claims)", len(group), len(units), len(p.Claims))
	}
	sn := w.st.Snapshot()
	for _, u := range units {
		name := sn.UnitRaw(u).Name
		n := 0
		for _, r := range group {
			if strings.Contains(strings.SplitN(text(t, WeCom, r), "\n", 2)[0], name) {
				n++
			}
		}
		if n == 0 {
			t.Errorf("no digest names %s (%s)", name, u)
		}
	}
	first := text(t, WeCom, group[0])
	for _, want := range []string{"【龙华社区联席会】", "新的匹配建议", "请于", "前答复", "https://desk.example/ui/units/"} {
		if !strings.Contains(first, want) {
			t.Errorf("the digest %q does not say %q", first, want)
		}
	}
	if strings.Contains(first, "LH-") {
		t.Errorf("the digest shows ids: %q", first)
	}

	school := rc.at("/school")
	if len(school) != 1 {
		t.Fatalf("the school's receiver got %d messages, want 1", len(school))
	}
	var body struct {
		Type string
		Data struct {
			ID    string
			Lines []Line
		}
	}
	if err := json.Unmarshal(school[0].Body, &body); err != nil {
		t.Fatal(err)
	}
	mine := 0
	for _, c := range p.Claims {
		if c.ResourceUnit == "lh-school" || c.DemandUnit == "lh-school" {
			mine++
		}
	}
	if len(body.Data.Lines) != mine || body.Type != "allymatch.proposed" {
		t.Errorf("the school got %d lines of type %s, want its %d claims", len(body.Data.Lines), body.Type, mine)
	}
	for _, l := range body.Data.Lines {
		if l.Claim.ResourceUnit != "lh-school" && l.Claim.DemandUnit != "lh-school" {
			t.Errorf("the school was told of claim %s, not its own", l.Claim.ID)
		}
	}
	if body.Data.ID != school[0].Header.Get("webhook-id") {
		t.Errorf("payload id %s, header %s", body.Data.ID, school[0].Header.Get("webhook-id"))
	}
	if err := verifyStandard(gen.Secret, school[0]); err != nil {
		t.Error(err)
	}

	// Answers and confirmations go to the group in one message per batch.
	c := p.Claims[0]
	for _, side := range []matcher.Side{matcher.ResourceSide, matcher.DemandSide} {
		if _, err := w.svc.AnswerClaim(ctx, matcher.UnitActor(c.UnitOf(side)), c.ID, service.Accept, "", ""); err != nil {
			t.Fatal(err)
		}
	}
	w.mustSettle()
	after := rc.at("/wecom")[len(group):]
	all := ""
	for _, r := range after {
		all += text(t, WeCom, r) + "\n"
	}
	if !strings.Contains(all, "同意了") || !strings.Contains(all, "认领已确认") {
		t.Errorf("after both answers the group read %q", all)
	}
}

// verifyStandard checks a generic request's Standard Webhooks headers
// as a receiver would.
func verifyStandard(secret string, r received) error {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return err
	}
	id, ts := r.Header.Get("webhook-id"), r.Header.Get("webhook-timestamp")
	if _, err := strconv.ParseInt(ts, 10, 64); err != nil || !strings.HasPrefix(id, "msg_") {
		return fmt.Errorf("webhook-id %q, webhook-timestamp %q", id, ts)
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id + "." + ts + "." + string(r.Body)))
	want := "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))
	if got := r.Header.Get("webhook-signature"); !hmac.Equal([]byte(got), []byte(want)) {
		return fmt.Errorf("webhook-signature %q, want %q", got, want)
	}
	return nil
}

// TestSignatures: the four kinds as their receivers check them, and the
// signing functions against fixed vectors (Standard Webhooks' own test
// vector from its Go library's TestWebhookSign; the 钉钉 and 飞书 ones
// computed with Python's hmac as their documentation's examples do).
func TestSignatures(t *testing.T) {
	sig, err := StandardSignature("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, []byte(`{"test": 2432232314}`))
	if want := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; err != nil || sig != want {
		t.Errorf("StandardSignature = %q, %v; want %q", sig, err, want)
	}
	if got, want := DingTalkSign("SEC000000000000000000000000000000000000000000000000000000000000000", 1733389200000), "52i8N1bgh92qQidNwK98w9v1cuaYXMcA9RvjLEhKY60="; got != want {
		t.Errorf("DingTalkSign = %q, want %q", got, want)
	}
	if got, want := FeishuSign("qaJzGjOYdBUHhm7zdJHkHg", 1733389200), "GwiLLP0L88BGGEQGmAxaE4LJpvpM1+akb37HV1+cvWg="; got != want {
		t.Errorf("FeishuSign = %q, want %q", got, want)
	}

	w := newWorld(t, testConfig())
	rc := newReceiver(t)
	const dingSecret, feishuSecret = "SECabcdefabcdefabcdefabcdef0123456789", "feishu-secret-0123456789"
	var gen Created
	for _, req := range []SubscribeRequest{
		{Kind: WeCom, URL: rc.URL + "/wecom?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"},
		{Kind: DingTalk, URL: rc.URL + "/ding?access_token=abc", Secret: dingSecret},
		{Kind: Feishu, URL: rc.URL + "/feishu", Secret: feishuSecret},
		{Kind: Generic, URL: rc.URL + "/generic"},
	} {
		c := w.subscribe(matcher.Coordinator("lh"), req)
		if c.URL == req.URL && strings.Contains(req.URL, "?") {
			t.Errorf("the view shows the URL with its key: %s", c.URL)
		}
		if req.Kind == Generic {
			gen = c
			if !strings.HasPrefix(c.Secret, "whsec_") {
				t.Fatalf("a generic subscription without a secret got %q", c.Secret)
			}
		} else if c.Secret != "" {
			t.Errorf("the answer shows the %s secret", req.Kind)
		}
		if _, err := w.n.SendTest(matcher.Coordinator("lh"), c.ID); err != nil {
			t.Fatal(err)
		}
	}
	w.mustSettle()
	if got := rc.at("/wecom"); len(got) != 1 || got[0].Query.Get("key") == "" || !strings.Contains(text(t, WeCom, got[0]), "测试消息") {
		t.Errorf("wecom got %+v", got)
	}
	ding := rc.at("/ding")
	if len(ding) != 1 {
		t.Fatalf("dingtalk got %d requests", len(ding))
	}
	ts, _ := strconv.ParseInt(ding[0].Query.Get("timestamp"), 10, 64)
	if ding[0].Query.Get("access_token") != "abc" || ding[0].Query.Get("sign") != DingTalkSign(dingSecret, ts) || time.Since(time.UnixMilli(ts)) > time.Minute {
		t.Errorf("dingtalk query %v", ding[0].Query)
	}
	fs := rc.at("/feishu")
	if len(fs) != 1 {
		t.Fatalf("feishu got %d requests", len(fs))
	}
	var fb struct {
		Timestamp, Sign string
		MsgType         string `json:"msg_type"`
	}
	json.Unmarshal(fs[0].Body, &fb)
	fts, _ := strconv.ParseInt(fb.Timestamp, 10, 64)
	m := hmac.New(sha256.New, []byte(fb.Timestamp+"\n"+feishuSecret))
	if fb.MsgType != "post" || fb.Sign != base64.StdEncoding.EncodeToString(m.Sum(nil)) || time.Since(time.Unix(fts, 0)) > time.Minute {
		t.Errorf("feishu body %s", fs[0].Body)
	}
	g := rc.at("/generic")
	if len(g) != 1 {
		t.Fatalf("generic got %d requests", len(g))
	}
	if err := verifyStandard(gen.Secret, g[0]); err != nil {
		t.Error(err)
	}
}

// TestRetriesKeepTheID: a receiver that answers 500 twice gets the message
// on the third try, with the same id each time.
func TestRetriesKeepTheID(t *testing.T) {
	w := newWorld(t, testConfig())
	rc := newReceiver(t)
	rc.answer = func(n int, _ *http.Request) (int, string) {
		if n <= 2 {
			return 500, "down"
		}
		return 200, "ok"
	}
	c := w.subscribe(matcher.UnitActor("lh-school"), SubscribeRequest{Kind: Generic, URL: rc.URL + "/x"})
	w.propose("lh")
	w.mustSettle()
	got := rc.at("")
	if len(got) != 3 {
		t.Fatalf("%d requests, want 3", len(got))
	}
	for _, r := range got {
		if r.Header.Get("webhook-id") != got[0].Header.Get("webhook-id") {
			t.Errorf("ids %s and %s differ", r.Header.Get("webhook-id"), got[0].Header.Get("webhook-id"))
		}
		if err := verifyStandard(c.Secret, r); err != nil {
			t.Error(err)
		}
	}
	ds, err := w.n.Deliveries(matcher.UnitActor("lh-school"), c.ID, 10)
	if err != nil || len(ds) != 1 || ds[0].Status != Delivered || ds[0].Attempts != 3 || ds[0].ID != got[0].Header.Get("webhook-id") {
		t.Errorf("deliveries %+v, %v", ds, err)
	}
}

// TestDeadLetterRetried: a receiver that keeps failing makes a dead
// letter after MaxAttempts; sent again by hand, it arrives with its id.
func TestDeadLetterRetried(t *testing.T) {
	cfg := testConfig()
	cfg.MaxAttempts = 3
	w := newWorld(t, cfg)
	rc := newReceiver(t)
	down := true
	rc.answer = func(int, *http.Request) (int, string) {
		if down {
			return 503, "down"
		}
		return 200, `{"errcode":0}`
	}
	c := w.subscribe(matcher.Coordinator("lh"), SubscribeRequest{Kind: DingTalk, URL: rc.URL + "/ding"})
	if _, err := w.n.SendTest(matcher.Coordinator("lh"), c.ID); err != nil {
		t.Fatal(err)
	}
	w.mustSettle()
	ds, _ := w.n.Deliveries(matcher.Coordinator("lh"), c.ID, 10)
	if len(ds) != 1 || ds[0].Status != Dead || ds[0].Attempts != 3 || ds[0].LastStatus != 503 {
		t.Fatalf("deliveries %+v", ds)
	}
	if v, _ := w.n.Subscription(matcher.Coordinator("lh"), c.ID); v.Dead != 1 {
		t.Errorf("the view counts %d dead letters", v.Dead)
	}
	if _, err := w.n.Retry(matcher.Coordinator("tw"), c.ID, ds[0].ID); matcher.ErrorCode(err) != matcher.ENOTFOUND {
		t.Errorf("a foreign coordinator's retry: %v", err)
	}
	rc.mu.Lock()
	down = false
	rc.mu.Unlock()
	if _, err := w.n.Retry(matcher.Coordinator("lh"), c.ID, ds[0].ID); err != nil {
		t.Fatal(err)
	}
	w.mustSettle()
	ds, _ = w.n.Deliveries(matcher.Coordinator("lh"), c.ID, 10)
	got := rc.at("")
	if len(ds) != 1 || ds[0].Status != Delivered || len(got) != 4 || got[3].Path != "/ding" {
		t.Errorf("after the retry: %+v, %d requests", ds, len(got))
	}
	if _, err := w.n.Retry(matcher.Coordinator("lh"), c.ID, ds[0].ID); matcher.ErrorCode(err) != matcher.ECONFLICT {
		t.Errorf("retrying a delivered message: %v", err)
	}
	// Deleted, the subscription's messages and their states go too.
	if err := w.n.Unsubscribe(ctx, matcher.Coordinator("lh"), c.ID); err != nil {
		t.Fatal(err)
	}
	left := -1
	for deadline := time.Now().Add(5 * time.Second); left != 0 && time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		left = 0
		w.st.SideView(func(sd *store.Side) error {
			for _, table := range []string{store.SideDeliveries, store.SideDeliveryState} {
				sd.Scan(table, nil, func([]byte, []byte) (bool, error) { left++; return true, nil })
			}
			return nil
		})
	}
	if left != 0 {
		t.Errorf("%d records of the deleted subscription's messages are left", left)
	}
}

// TestPrivateGuard: without AllowPrivate, http://127.0.0.1/ is refused
// when the subscription is made, and a subscription made while private
// addresses were allowed is refused at send time (on the address dialled).
func TestPrivateGuard(t *testing.T) {
	cfg := testConfig()
	cfg.AllowPrivate = false
	cfg.MaxAttempts = 2
	w := newWorld(t, cfg)
	for _, u := range []string{"http://127.0.0.1/hook", "http://[::1]:8080/x", "http://10.1.2.3/x", "http://169.254.169.254/latest/meta-data", "http://localhost:9/x", "http://192.168.1.20/robot"} {
		_, err := w.n.Subscribe(ctx, matcher.Coordinator("lh"), SubscribeRequest{Kind: Generic, URL: u}, "")
		if me, ok := err.(*matcher.Error); !ok || me.Field != "url" || matcher.ErrorCode(err) != matcher.EINVALID {
			t.Errorf("%s: %v, want 400 naming url", u, err)
		}
	}
	if len(w.n.Subscriptions(matcher.Admin, "", "")) != 0 {
		t.Fatal("a refused subscription was stored")
	}
	// Made while allowed, then the server starts without the flag.
	rc := newReceiver(t)
	w.n.Close()
	allowed := cfg
	allowed.AllowPrivate = true
	w.start(allowed)
	c := w.subscribe(matcher.Coordinator("lh"), SubscribeRequest{Kind: Generic, URL: rc.URL + "/x"})
	w.n.Close()
	w.start(cfg)
	if _, err := w.n.SendTest(matcher.Coordinator("lh"), c.ID); err != nil {
		t.Fatal(err)
	}
	w.mustSettle()
	if got := rc.at(""); len(got) != 0 {
		t.Errorf("the receiver on loopback got %d requests", len(got))
	}
	ds, _ := w.n.Deliveries(matcher.Coordinator("lh"), c.ID, 10)
	if len(ds) != 1 || ds[0].Status != Dead || !strings.Contains(ds[0].LastError, "127.0.0.1") || !strings.Contains(ds[0].LastError, "--allow-private-webhooks") {
		t.Errorf("deliveries %+v", ds)
	}
}

// TestBadSubscriptions: each bad field is a 400 naming it, a scope the
// caller may not read a 404 as for an absent one, and nothing is stored.
func TestBadSubscriptions(t *testing.T) {
	w := newWorld(t, testConfig())
	seq := w.st.Seq()
	lh := matcher.Coordinator("lh")
	cases := []struct {
		name  string
		actor matcher.Actor
		req   SubscribeRequest
		code  string
		field string
	}{
		{"not http", lh, SubscribeRequest{Kind: WeCom, URL: "ftp://qyapi.weixin.qq.com/x"}, matcher.EINVALID, "url"},
		{"no url", lh, SubscribeRequest{Kind: WeCom}, matcher.EINVALID, "url"},
		{"javascript", lh, SubscribeRequest{Kind: Generic, URL: "javascript:alert(1)"}, matcher.EINVALID, "url"},
		{"user in url", lh, SubscribeRequest{Kind: Generic, URL: "https://a:b@example.com/x"}, matcher.EINVALID, "url"},
		{"unknown kind", lh, SubscribeRequest{Kind: "slack", URL: "https://example.com/x"}, matcher.EINVALID, "kind"},
		{"unknown event", lh, SubscribeRequest{Kind: Generic, URL: "https://example.com/x", Events: []Kind{Proposed, "lunch"}}, matcher.EINVALID, "events[1]"},
		{"event twice", lh, SubscribeRequest{Kind: Generic, URL: "https://example.com/x", Events: []Kind{Proposed, Proposed}}, matcher.EINVALID, "events[1]"},
		{"short dingtalk secret", lh, SubscribeRequest{Kind: DingTalk, URL: "https://oapi.dingtalk.com/robot/send?access_token=x", Secret: "SEC123"}, matcher.EINVALID, "secret"},
		{"short generic secret", lh, SubscribeRequest{Kind: Generic, URL: "https://example.com/x", Secret: "whsec_c2hvcnQ="}, matcher.EINVALID, "secret"},
		{"generic secret without whsec_", lh, SubscribeRequest{Kind: Generic, URL: "https://example.com/x", Secret: "0123456789abcdef0123456789abcdef"}, matcher.EINVALID, "secret"},
		{"secret with a space", lh, SubscribeRequest{Kind: DingTalk, URL: "https://oapi.dingtalk.com/robot/send?access_token=x", Secret: "SEC0123456789 abcdef0123"}, matcher.EINVALID, "secret"},
		{"wecom secret", lh, SubscribeRequest{Kind: WeCom, URL: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x", Secret: "0123456789abcdefgh"}, matcher.EINVALID, "secret"},
		{"both scopes", lh, SubscribeRequest{Kind: WeCom, URL: "https://example.com/x", Alliance: "lh", Unit: "lh-school"}, matcher.EINVALID, "unit"},
		{"foreign alliance", lh, SubscribeRequest{Kind: WeCom, URL: "https://example.com/x", Alliance: "tw"}, matcher.ENOTFOUND, "alliance"},
		{"absent alliance", lh, SubscribeRequest{Kind: WeCom, URL: "https://example.com/x", Alliance: "zz-none"}, matcher.ENOTFOUND, "alliance"},
		{"alliance above", lh, SubscribeRequest{Kind: WeCom, URL: "https://example.com/x", Alliance: "st-lzw"}, matcher.ENOTFOUND, "alliance"},
		{"foreign unit", lh, SubscribeRequest{Kind: WeCom, URL: "https://example.com/x", Unit: "tw-company"}, matcher.ENOTFOUND, "unit"},
		{"another unit", matcher.UnitActor("lh-bank"), SubscribeRequest{Kind: WeCom, URL: "https://example.com/x", Unit: "lh-school"}, matcher.ENOTFOUND, "unit"},
		{"a unit for its alliance", matcher.UnitActor("lh-bank"), SubscribeRequest{Kind: WeCom, URL: "https://example.com/x", Alliance: "lh"}, matcher.ENOTFOUND, "alliance"},
		{"admin without a scope", matcher.Admin, SubscribeRequest{Kind: WeCom, URL: "https://example.com/x"}, matcher.EINVALID, "alliance"},
	}
	for _, c := range cases {
		_, err := w.n.Subscribe(ctx, c.actor, c.req, "")
		var field string
		if me, ok := err.(*matcher.Error); ok {
			field = me.Field
		} else if pe, ok := err.(*matcher.ProblemsError); ok && len(pe.List) > 0 {
			field = pe.List[0].Field
		}
		if matcher.ErrorCode(err) != c.code || field != c.field {
			t.Errorf("%s: %v (field %q), want %s naming %s", c.name, err, field, c.code, c.field)
		}
	}
	if w.st.Seq() != seq || len(w.n.Subscriptions(matcher.Admin, "", "")) != 0 {
		t.Error("a refused subscription changed the store")
	}
	// The same URL twice for one meeting is a conflict.
	w.subscribe(lh, SubscribeRequest{Kind: WeCom, URL: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k1"})
	if _, err := w.n.Subscribe(ctx, lh, SubscribeRequest{Kind: WeCom, URL: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k1"}, ""); matcher.ErrorCode(err) != matcher.ECONFLICT {
		t.Errorf("the same URL twice: %v", err)
	}
	// Secrets as the robots make them: 钉钉's SEC and 64 hex digits, a
	// whsec_ secret of 64 bytes.
	for _, req := range []SubscribeRequest{
		{Kind: DingTalk, URL: "https://oapi.dingtalk.com/robot/send?access_token=k2", Secret: "SEC" + strings.Repeat("0123456789abcdef", 4)},
		{Kind: Generic, URL: "https://example.com/k3", Secret: "whsec_" + base64.StdEncoding.EncodeToString([]byte(strings.Repeat("k", 64)))},
	} {
		if _, err := w.n.Subscribe(ctx, lh, req, ""); err != nil {
			t.Errorf("a %s secret of %d characters: %v", req.Kind, len(req.Secret), err)
		}
	}
}

// TestScopedMessages: a meeting's group hears nothing of another
// alliance's meeting, a unit nothing of others' claims, and a
// subscription lists and deletes only in scope.
func TestScopedMessages(t *testing.T) {
	w := newWorld(t, testConfig())
	rc := newReceiver(t)
	tw := w.subscribe(matcher.Coordinator("tw"), SubscribeRequest{Kind: Generic, URL: rc.URL + "/tw"})
	bank := w.subscribe(matcher.UnitActor("lh-bank"), SubscribeRequest{Kind: Generic, URL: rc.URL + "/bank"})
	street := w.subscribe(matcher.Coordinator("st-lzw"), SubscribeRequest{Kind: Generic, URL: rc.URL + "/street", Events: []Kind{Confirmed}})
	p := w.propose("lh")
	w.mustSettle()
	if got := rc.at("/tw"); len(got) != 0 {
		t.Errorf("tw's group heard of lh's proposals: %d messages", len(got))
	}
	if got := rc.at("/street"); len(got) != 0 {
		t.Errorf("the street's group chose confirmed only, got %d messages", len(got))
	}
	for _, r := range rc.at("/bank") {
		var body struct{ Data struct{ Lines []Line } }
		json.Unmarshal(r.Body, &body)
		for _, l := range body.Data.Lines {
			if l.Claim.ResourceUnit != "lh-bank" && l.Claim.DemandUnit != "lh-bank" {
				t.Errorf("the bank was told of claim %s", l.Claim.ID)
			}
		}
	}
	if _, err := w.n.Subscription(matcher.Coordinator("lh"), tw.ID); matcher.ErrorCode(err) != matcher.ENOTFOUND {
		t.Errorf("lh sees tw's subscription: %v", err)
	}
	if err := w.n.Unsubscribe(ctx, matcher.UnitActor("lh-school"), bank.ID); matcher.ErrorCode(err) != matcher.ENOTFOUND {
		t.Errorf("the school deletes the bank's subscription: %v", err)
	}
	if got := w.n.Subscriptions(matcher.Coordinator("lh"), "", ""); len(got) != 1 || got[0].ID != bank.ID {
		t.Errorf("lh lists %+v, want the bank's only", got)
	}
	if got := w.n.Subscriptions(matcher.Coordinator("st-lzw"), "", ""); len(got) != 2 {
		t.Errorf("the street lists %d subscriptions, want its own and the bank's", len(got))
	}
	// Both sides accept: the street hears of the confirmation.
	c := p.Claims[0]
	for _, side := range []matcher.Side{matcher.ResourceSide, matcher.DemandSide} {
		if _, err := w.svc.AnswerClaim(ctx, matcher.UnitActor(c.UnitOf(side)), c.ID, service.Accept, "", ""); err != nil {
			t.Fatal(err)
		}
	}
	w.mustSettle()
	if got := rc.at("/street"); len(got) != 1 {
		t.Errorf("the street got %d messages of the confirmation, want 1", len(got))
	}
	// A deleted subscription is told nothing more, and its messages go.
	if err := w.n.Unsubscribe(ctx, matcher.Coordinator("st-lzw"), street.ID); err != nil {
		t.Fatal(err)
	}
	w.propose("lh")
	w.mustSettle()
	if got := rc.at("/street"); len(got) != 1 {
		t.Errorf("the deleted subscription got %d messages", len(got))
	}
	evs, _ := w.st.Events(0, 1<<20, nil)
	var actions []string
	for _, ev := range evs {
		if strings.HasPrefix(ev.Action, "webhook.") {
			actions = append(actions, ev.Action+" "+ev.Actor)
		}
	}
	want := []string{"webhook.create coordinator:tw", "webhook.create unit:lh-bank", "webhook.create coordinator:st-lzw", "webhook.delete coordinator:st-lzw"}
	if !slices.Equal(actions, want) {
		t.Errorf("audit events %v, want %v", actions, want)
	}
}

// TestRedact: keys in URLs are never shown.
func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=****",
		"https://oapi.dingtalk.com/robot/send?access_token=ff6cd723bdb4455fe18":                     "https://oapi.dingtalk.com/robot/send?access_token=****",
		"https://open.feishu.cn/open-apis/bot/v2/hook/5e3d587e-d78e-4a07-bd07-265f269f86fd":         "https://open.feishu.cn/open-apis/bot/v2/hook/****",
		"https://example.com/hooks/allymatch":                                                       "https://example.com/hooks/allymatch",
	} {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%s) = %s, want %s", in, got, want)
		}
	}
}

// TestMessageText: the example message, as a group reads it.
func TestMessageText(t *testing.T) {
	due := time.Date(2026, 12, 5, 0, 0, 0, 0, china)
	l := &Line{Kind: Proposed, Meeting: "lh", MeetingName: "龙华社区联席会", AnswerBy: due, Claim: &ClaimRef{
		ResourceUnitName: "龙华社区党委", ResourceTitle: "楼层党员中心户志愿者", DemandUnit: "lh-school", DemandUnitName: "龙洲湾中学",
		DemandTitle: "晚自习放学护送学生回家", Quantity: 2, Measure: "人/晚", Waiting: []string{"lh-school"}}}
	sub := &Subscription{ID: "wh-1", Target: WeCom, Alliance: "lh"}
	d := fold(sub, "龙华社区联席会", []*Line{l}, "https://desk.example")
	if len(d) != 1 {
		t.Fatalf("%d messages", len(d))
	}
	got := markdown(WeCom, d[0].title, d[0].lines, d[0].link)
	want := "【龙华社区联席会】新的匹配建议：龙华社区党委「楼层党员中心户志愿者」→ 龙洲湾中学「晚自习放学护送学生回家」2 人/晚，请于 12月5日 前答复\n[打开联盟清单匹配](https://desk.example/ui/units/lh-school)"
	if got != want {
		t.Errorf("message\n%s\nwant\n%s", got, want)
	}
	if MeetingName("龙洲湾街道党建联席会") != "龙洲湾街道党建联席会" || MeetingName("塘湾村“1+X”党建联盟") != "塘湾村联席会" {
		t.Errorf("meeting names %s, %s", MeetingName("龙洲湾街道党建联席会"), MeetingName("塘湾村“1+X”党建联盟"))
	}
	// A long digest fits a 企业微信 message (4096 bytes).
	var many []*Line
	for i := range 300 {
		c := *l.Claim
		c.DemandTitle = fmt.Sprintf("第%d项很长很长很长很长很长很长很长很长很长很长的需求", i)
		many = append(many, &Line{Kind: Proposed, Meeting: "lh", Claim: &c, AnswerBy: due})
	}
	d = fold(sub, "龙华社区联席会", many, "https://desk.example")
	lines := fit(WeCom, d[0].title, d[0].lines, d[0].link, textLimit(WeCom))
	if md := markdown(WeCom, d[0].title, lines, d[0].link); len(md) > 4096 || !strings.Contains(md, "另有") || !strings.Contains(md, "300 条") {
		t.Errorf("%d bytes: %s", len(md), md)
	}
}

// TestLifecycleLines: a partial delivery and an escalation read as people
// say them, in the groups that may see them.
func TestLifecycleLines(t *testing.T) {
	w := newWorld(t, testConfig())
	rc := newReceiver(t)
	w.subscribe(matcher.Coordinator("lh"), SubscribeRequest{Kind: WeCom, URL: rc.URL + "/lh", Events: []Kind{Fulfilled, Escalated}})
	w.subscribe(matcher.Coordinator("st-lzw"), SubscribeRequest{Kind: WeCom, URL: rc.URL + "/street", Events: []Kind{Escalated}})
	w.subscribe(matcher.Coordinator("tw"), SubscribeRequest{Kind: WeCom, URL: rc.URL + "/tw"})
	p := w.propose("lh")
	var c matcher.Claim
	for _, cl := range p.Claims {
		if cl.Quantity > 1 {
			c = cl
			break
		}
	}
	if c.ID == "" {
		t.Skip("no proposal of more than 1")
	}
	for _, side := range []matcher.Side{matcher.ResourceSide, matcher.DemandSide} {
		if _, err := w.svc.AnswerClaim(ctx, matcher.Admin, c.ID, service.Accept, side, ""); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.svc.FulfilClaim(ctx, matcher.UnitActor(c.DemandUnit), c.ID, service.Fulfilment{Quantity: new(int64(1))}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.EscalateItems(ctx, matcher.Coordinator("lh"), "lh", []string{"LH-D10"}); err != nil {
		t.Fatal(err)
	}
	w.mustSettle()
	all := ""
	for _, r := range rc.at("/lh") {
		all += text(t, WeCom, r) + "\n"
	}
	if !strings.Contains(all, "认领已完成") || !strings.Contains(all, fmt.Sprintf("已交付 1 / %d", c.Quantity)) || !strings.Contains(all, "未满足的需求已提交龙洲湾街道党建联席会") {
		t.Errorf("lh's group read %q", all)
	}
	if got := rc.at("/street"); len(got) != 1 || !strings.Contains(text(t, WeCom, got[0]), "已提交") {
		t.Errorf("the street got %d messages", len(got))
	}
	if got := rc.at("/tw"); len(got) != 0 {
		t.Errorf("tw got %d messages", len(got))
	}
}

// TestDeadLetterSurvivesRestart: a dead letter's notes stay while it may
// go again; after a restart, sent by hand, it is the same message (id and
// body) as its failed attempts, and once delivered its notes go.
func TestDeadLetterSurvivesRestart(t *testing.T) {
	cfg := testConfig()
	cfg.MaxAttempts = 2
	w := newWorld(t, cfg)
	rc := newReceiver(t)
	down := true
	rc.answer = func(int, *http.Request) (int, string) {
		if down {
			return 500, "down"
		}
		return 200, "ok"
	}
	c := w.subscribe(matcher.UnitActor("lh-school"), SubscribeRequest{Kind: Generic, URL: rc.URL + "/x"})
	w.propose("lh")
	w.mustSettle()
	ds, _ := w.n.Deliveries(matcher.UnitActor("lh-school"), c.ID, 10)
	if len(ds) != 1 || ds[0].Status != Dead {
		t.Fatalf("deliveries %+v", ds)
	}
	w.n.Close()
	w.start(cfg)
	rc.mu.Lock()
	down = false
	rc.mu.Unlock()
	if _, err := w.n.Retry(matcher.UnitActor("lh-school"), c.ID, ds[0].ID); err != nil {
		t.Fatal(err)
	}
	w.mustSettle()
	got := rc.at("")
	if len(got) != 3 || !bytes.Equal(got[2].Body, got[0].Body) || got[2].Header.Get("webhook-id") != ds[0].ID {
		t.Fatalf("%d requests; the one after the restart differs from the first", len(got))
	}
	if err := verifyStandard(c.Secret, got[2]); err != nil {
		t.Error(err)
	}
	notes := 0
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		notes = 0
		w.st.SideView(func(sd *store.Side) error {
			return sd.Scan(store.SideOutbox, nil, func([]byte, []byte) (bool, error) { notes++; return true, nil })
		})
		if notes == 0 {
			break
		}
	}
	if notes != 0 {
		t.Errorf("%d notes are left in the outbox after the message was delivered", notes)
	}
}

// TestReproposeTellsOnlyWhatChanged: a proposal run writes only what
// changed (service.Service.ProposeBy), so proposing again with nothing changed
// tells nobody anything, nor does a run that only marks its meeting's
// changed demands seen; a run that changes a proposal tells its units.
func TestReproposeTellsOnlyWhatChanged(t *testing.T) {
	w := newWorld(t, testConfig())
	rc := newReceiver(t)
	w.subscribe(matcher.Coordinator("lh"), SubscribeRequest{Kind: Generic, URL: rc.URL + "/lh"})
	p := w.propose("lh")
	w.mustSettle()
	first := len(rc.at("/lh"))
	if first == 0 {
		t.Fatal("the first run told nothing")
	}
	again := w.propose("lh")
	if again.Run != 0 {
		t.Fatalf("nothing changed, but the run wrote (run %d, changes %+v)", again.Run, again.Changes)
	}
	// An unmet demand's priority (not its title: the text score weighs
	// bigrams by their rarity in the scope): the plan stays, one proposal
	// is marked seen.
	if _, err := w.st.Update(ctx, "system", "test.edit", nil, func(tx *store.Tx) error {
		it, _ := tx.Item("LH-D10")
		c := *it
		c.Priority = c.Priority%5 + 1
		return tx.PutItem(c)
	}); err != nil {
		t.Fatal(err)
	}
	if seen := w.propose("lh"); seen.Run == 0 || len(seen.Claims) != 0 {
		t.Fatalf("after the priority: run %d, %d proposals written; want one proposal marked seen, none written", seen.Run, len(seen.Claims))
	}
	w.mustSettle()
	if n := len(rc.at("/lh")); n != first {
		t.Errorf("%d messages after the runs that changed no proposal, want the first run's %d", n, first)
	}
	// The demand of a proposal paused: its proposal drops; whatever the
	// run rewrote is told, nothing else.
	if _, err := w.st.Update(ctx, "system", "test.edit", nil, func(tx *store.Tx) error {
		it, _ := tx.Item(p.Claims[0].Demand)
		c := *it
		c.Status = matcher.ItemPaused
		return tx.PutItem(c)
	}); err != nil {
		t.Fatal(err)
	}
	if changed := w.propose("lh"); len(changed.Claims) > 0 {
		w.mustSettle()
		if n := len(rc.at("/lh")); n == first {
			t.Errorf("the run rewrote %d proposals, but nothing was told", len(changed.Claims))
		}
	}
}
