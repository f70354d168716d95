package api

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/notify"
)

// webhook subscribes through the API and returns the subscription's id.
func (ts *testServer) webhook(token, body string) string {
	ts.tb.Helper()
	var out notify.Created
	if err := json.Unmarshal(ts.ok(201, http.MethodPost, "/v1/webhooks", token, body), &out); err != nil {
		ts.tb.Fatal(err)
	}
	return out.ID
}

// deadLetter sends a test message to subscription id, whose receiver
// fails, and returns the message's id once it is a dead letter.
func (ts *testServer) deadLetter(id string) string {
	ts.tb.Helper()
	ts.Notifier().Start()
	var d notify.Delivery
	json.Unmarshal(ts.ok(202, http.MethodPost, "/v1/webhooks/"+id+"/test", testAdmin, ""), &d)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		var l struct{ Items []notify.Delivery }
		json.Unmarshal(ts.ok(200, http.MethodGet, "/v1/webhooks/"+id+"/deliveries", testAdmin, ""), &l)
		if len(l.Items) == 1 && l.Items[0].Status == notify.Dead {
			return l.Items[0].ID
		}
	}
	ts.tb.Fatalf("the test message of %s did not become a dead letter", id)
	return ""
}

// TestWebhookRoutes: subscribe, list, read, test and delete through the
// API; the secret is shown once and never again, robot keys are masked;
// bad bodies are 400s naming the field and store nothing; each change has
// its audit event.
func TestWebhookRoutes(t *testing.T) {
	ts := newTestServer(t)
	lh := ts.coordToken("lh")
	var gen notify.Created
	json.Unmarshal(ts.ok(201, http.MethodPost, "/v1/webhooks", lh, `{"kind":"generic","url":"https://hooks.example/allymatch"}`), &gen)
	if gen.Alliance != "lh" || !strings.HasPrefix(gen.Secret, "whsec_") || len(gen.Events) != len(notify.Kinds) {
		t.Errorf("created %+v", gen)
	}
	body := string(ts.ok(201, http.MethodPost, "/v1/webhooks", lh, `{"kind":"dingtalk","url":"https://oapi.dingtalk.com/robot/send?access_token=ff6cd723bdb4455fe18","secret":"SECabcdefabcdefabcdef","events":["proposed"]}`))
	if strings.Contains(body, "ff6cd723") || strings.Contains(body, "SECabcdef") {
		t.Errorf("the answer shows the key or the secret: %s", body)
	}
	for _, path := range []string{"/v1/webhooks", "/v1/webhooks/" + gen.ID, "/v1/webhooks?alliance=lh"} {
		got := string(ts.ok(200, http.MethodGet, path, lh, ""))
		if strings.Contains(got, gen.Secret) || strings.Contains(got, "ff6cd723") || strings.Contains(got, "SECabcdef") || !strings.Contains(got, gen.ID) {
			t.Errorf("GET %s shows a secret or misses the subscription: %s", path, got)
		}
	}
	var l struct{ Items []notify.View }
	json.Unmarshal(ts.ok(200, http.MethodGet, "/v1/webhooks", ts.coordToken("tw"), ""), &l)
	if len(l.Items) != 0 {
		t.Errorf("tw lists %d of lh's subscriptions", len(l.Items))
	}
	for _, c := range []struct{ body, field string }{
		{`{"kind":"wecom","url":"ftp://x.example/"}`, "url"},
		{`{"kind":"telegram","url":"https://x.example/"}`, "kind"},
		{`{"kind":"wecom","url":"https://x.example/","events":["proposed","coffee"]}`, "events[1]"},
		{`{"kind":"dingtalk","url":"https://x.example/","secret":"SEC1"}`, "secret"},
		{`{"kind":"generic","url":"https://x.example/","color":"red"}`, "color"},
		{`{"kind":"wecom"}`, "url"},
	} {
		before := ts.fingerprint()
		rec := ts.do(http.MethodPost, "/v1/webhooks", lh, c.body)
		var p Problem
		decodeBody(t, rec, &p)
		field := p.Field
		if field == "" && len(p.Problems) > 0 {
			field = p.Problems[0].Field
		}
		if rec.Code != 400 || field != c.field {
			t.Errorf("%s: %d field %q (%s), want 400 naming %s", c.body, rec.Code, field, rec.Body, c.field)
		}
		if ts.fingerprint() != before {
			t.Errorf("%s: the refused request changed something", c.body)
		}
	}
	ts.ok(202, http.MethodPost, "/v1/webhooks/"+gen.ID+"/test", lh, "")
	var ds struct{ Items []notify.Delivery }
	json.Unmarshal(ts.ok(200, http.MethodGet, "/v1/webhooks/"+gen.ID+"/deliveries", lh, ""), &ds)
	if len(ds.Items) != 1 || ds.Items[0].Status != notify.Pending || !strings.Contains(ds.Items[0].Text, "测试消息") {
		t.Errorf("deliveries %+v", ds.Items)
	}
	ts.ok(204, http.MethodDelete, "/v1/webhooks/"+gen.ID, lh, "")
	ts.refused(404, http.MethodGet, "/v1/webhooks/"+gen.ID, lh, "")
	var evs struct{ Items []matcher.Event }
	json.Unmarshal(ts.ok(200, http.MethodGet, "/v1/events", lh, ""), &evs)
	var actions []string
	for _, ev := range evs.Items {
		actions = append(actions, ev.Action)
	}
	if got := strings.Join(actions, " "); !strings.Contains(got, "webhook.create webhook.create webhook.delete") {
		t.Errorf("lh's audit log: %s", got)
	}
}

// sseClient reads a Server-Sent Events stream.
type sseClient struct {
	resp *http.Response
	ids  chan string
}

func openStream(tb testing.TB, url, token, lastID string) *sseClient {
	tb.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		b, _ := io.ReadAll(resp.Body)
		tb.Fatalf("stream: %d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
	c := &sseClient{resp: resp, ids: make(chan string, 100)}
	go func() {
		defer close(c.ids)
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if id, ok := strings.CutPrefix(sc.Text(), "id: "); ok {
				c.ids <- id
			}
		}
	}()
	tb.Cleanup(func() { resp.Body.Close() })
	return c
}

// next returns the next event id, or "" when none comes within d (or the
// stream ended: closed reports it).
func (c *sseClient) next(d time.Duration) (id string, closed bool) {
	select {
	case id, ok := <-c.ids:
		return id, !ok
	case <-time.After(d):
		return "", false
	}
}

// TestEventStream: the live stream sends the events the caller may see
// as they happen, resumes after Last-Event-ID, shows nothing of another
// alliance, ends when the token is revoked and when the server stops.
func TestEventStream(t *testing.T) {
	ts := newTestServer(t)
	srv := httptest.NewServer(ts.Handler())
	defer srv.Close()
	lh, tw := ts.coordToken("lh"), ts.coordToken("tw")
	mine := openStream(t, srv.URL+"/v1/events/stream", lh, "")
	theirs := openStream(t, srv.URL+"/v1/events/stream", tw, "")
	p := ts.propose(lh, "lh", "")
	id, _ := mine.next(5 * time.Second)
	if want := itoa(int(ts.st.Seq())); id != want {
		t.Fatalf("lh's stream sent %q, want the proposal's event %s", id, want)
	}
	if id, _ := theirs.next(100 * time.Millisecond); id != "" {
		t.Errorf("tw's stream sent lh's event %s", id)
	}
	c := p.Claims[0]
	ts.ok(200, http.MethodPost, "/v1/claims/"+c.ID+"/accept", ts.unitToken(c.ResourceUnit), "")
	second, _ := mine.next(5 * time.Second)
	if second == "" {
		t.Fatal("no event for the answer")
	}
	// Resume after the first: the second comes again, and nothing before.
	again := openStream(t, srv.URL+"/v1/events/stream", lh, id)
	if got, _ := again.next(5 * time.Second); got != second {
		t.Errorf("resumed after %s: got %s, want %s", id, got, second)
	}
	// A revoked token's stream ends at its next wake (a write: a proposal
	// run that changes nothing writes nothing, so another answer).
	ts.ok(204, http.MethodDelete, "/v1/tokens/"+ts.tokenID(lh), testAdmin, "")
	c2 := p.Claims[1]
	ts.ok(200, http.MethodPost, "/v1/claims/"+c2.ID+"/accept", ts.unitToken(c2.ResourceUnit), "")
	for {
		id, closed := mine.next(5 * time.Second)
		if closed {
			break
		}
		if id == "" {
			t.Fatal("the revoked token's stream did not end")
		}
	}
	// Stopping the server ends the others.
	ts.StopStreams()
	if _, closed := theirs.next(5 * time.Second); !closed {
		t.Error("tw's stream did not end when the server stopped")
	}
	rec := ts.do(http.MethodGet, "/v1/events/stream?since=x", tw, "")
	if rec.Code != 400 {
		t.Errorf("since=x: %d", rec.Code)
	}
}

// TestStreamSlots: a caller has at most 8 live streams.
func TestStreamSlots(t *testing.T) {
	ts := newTestServer(t)
	var releases []func()
	for range maxStreamsPerActor {
		r, ok := ts.streamSlot("coordinator:lh")
		if !ok {
			t.Fatal("a slot was refused below the limit")
		}
		releases = append(releases, r)
	}
	if _, ok := ts.streamSlot("coordinator:lh"); ok {
		t.Error("a ninth stream was allowed")
	}
	if r, ok := ts.streamSlot("coordinator:tw"); !ok {
		t.Error("another caller was refused")
	} else {
		r()
	}
	releases[0]()
	if _, ok := ts.streamSlot("coordinator:lh"); !ok {
		t.Error("a released slot was not given back")
	}
}

// TestWebhookResponsesMatchTheDocument: the webhook routes' answers match
// their schemas in api/openapi.yaml.
func TestWebhookResponsesMatchTheDocument(t *testing.T) {
	ts := newTestServer(t)
	d, err := loadAPIDoc()
	if err != nil {
		t.Fatal(err)
	}
	routes := documentRoutes(d)
	coord := ts.coordToken("lh")
	var c notify.Created
	json.Unmarshal(ts.ok(201, http.MethodPost, "/v1/webhooks", coord, `{"kind":"generic","url":"https://hooks.example/x","events":["proposed"]}`), &c)
	var dl notify.Delivery
	json.Unmarshal(ts.ok(202, http.MethodPost, "/v1/webhooks/"+c.ID+"/test", coord, ""), &dl)
	cases := []struct{ method, route, path, body string }{
		{"POST", "/v1/webhooks", "/v1/webhooks", `{"kind":"wecom","url":"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"}`},
		{"POST", "/v1/webhooks", "/v1/webhooks", `{"kind":"wecom","url":"gopher://x"}`},
		{"GET", "/v1/webhooks", "/v1/webhooks", ""},
		{"GET", "/v1/webhooks/:id", "/v1/webhooks/" + c.ID, ""},
		{"GET", "/v1/webhooks/:id", "/v1/webhooks/wh-nothing", ""},
		{"POST", "/v1/webhooks/:id/test", "/v1/webhooks/" + c.ID + "/test", ""},
		{"GET", "/v1/webhooks/:id/deliveries", "/v1/webhooks/" + c.ID + "/deliveries", ""},
		{"POST", "/v1/webhooks/:id/deliveries/:msg/retry", "/v1/webhooks/" + c.ID + "/deliveries/" + dl.ID + "/retry", ""},
		{"POST", "/v1/webhooks/:id/retry", "/v1/webhooks/" + c.ID + "/retry", ""},
		{"POST", "/v1/webhooks/:id/retry", "/v1/webhooks/wh-nothing/retry", ""},
		{"DELETE", "/v1/webhooks/:id", "/v1/webhooks/" + c.ID, ""},
	}
	for _, tc := range cases {
		rec := ts.do(tc.method, tc.path, coord, tc.body)
		rt := routes[tc.method+" "+tc.route]
		if rt == nil {
			t.Fatalf("%s %s is not in the document", tc.method, tc.route)
		}
		in := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: &openapi3filter.RequestValidationInput{Request: httptest.NewRequest(tc.method, tc.path, nil), Route: rt},
			Status:                 rec.Code,
			Header:                 rec.Header(),
			Body:                   io.NopCloser(strings.NewReader(rec.Body.String())),
			Options:                &openapi3filter.Options{IncludeResponseStatus: true},
		}
		if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
			t.Errorf("%s %s = %d: the answer does not match the document: %v\n%.400s", tc.method, tc.path, rec.Code, err, rec.Body)
		}
	}
}

// TestStreamOutlivesTimeouts: a stream lasts past the server's read and
// write timeouts (serve's are 30 s and 60 s), which are for answers.
func TestStreamOutlivesTimeouts(t *testing.T) {
	ts := newTestServer(t)
	srv := httptest.NewUnstartedServer(ts.Handler())
	srv.Config.ReadTimeout, srv.Config.WriteTimeout = 100*time.Millisecond, 100*time.Millisecond
	srv.Start()
	defer srv.Close()
	defer ts.StopStreams()
	lh := ts.coordToken("lh")
	s := openStream(t, srv.URL+"/v1/events/stream", lh, "")
	time.Sleep(400 * time.Millisecond)
	ts.propose(lh, "lh", "")
	if id, closed := s.next(5 * time.Second); id == "" || closed {
		t.Errorf("after the timeouts the stream sent %q (closed %v)", id, closed)
	}
}
