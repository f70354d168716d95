package cmd

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/allymatch/allymatch/internal/pgtest"
	"github.com/allymatch/allymatch/matcher"
)

// replicaAdmin is the admin token of the replicas of these tests.
const replicaAdmin = "replica-admin-token"

// startReplicas serves the database db with n replicas, stopped at the
// end of the test.
func startReplicas(t *testing.T, db string, n int) []*Server {
	t.Helper()
	var replicas []*Server
	for i := range n {
		var logs lockedBuffer
		cfg := DefaultServeConfig()
		cfg.Addr, cfg.Data, cfg.AdminToken = "127.0.0.1:0", db, replicaAdmin
		s := NewServer(cfg, slog.New(slog.NewJSONHandler(&logs, nil)))
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- s.Run(ctx) }()
		t.Cleanup(func() { cancel(); <-done; s.Close() })
		select {
		case <-s.Loaded():
		case err := <-done:
			t.Fatalf("replica %d: %v\n%s", i, err, logs.String())
		case <-time.After(60 * time.Second):
			t.Fatalf("replica %d not loaded in 60s\n%s", i, logs.String())
		}
		replicas = append(replicas, s)
	}
	return replicas
}

// on calls a replica; a failed connection is status 0.
func on(r *Server, method, path, token, body string) (int, []byte) {
	code, b, _ := onSeq(r, method, path, token, body)
	return code, b
}

// onSeq is on, with the seq the reply carries.
func onSeq(r *Server, method, path, token, body string) (int, []byte, string) {
	req, _ := http.NewRequest(method, "http://"+r.Addr()+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b, resp.Header.Get("X-Allymatch-Seq")
}

// readyz returns a replica's /readyz status code and seq.
func readyz(r *Server) (int, uint64) {
	code, body := on(r, "GET", "/readyz", "", "")
	var v struct{ Seq uint64 }
	json.Unmarshal(body, &v)
	return code, v.Seq
}

// eventually polls cond for up to d.
func eventually(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %s: %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// PostgreSQL stops during a stream of writes through two replicas: both
// report not ready (503) while it is down, ready again once it is back
// and they caught up; every acknowledged write is on both, and none is
// acknowledged that did not commit.
func TestReplicasAcrossPostgresRestart(t *testing.T) {
	pgtest.Require(t)
	srv, err := pgtest.Start(pgtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	db, err := srv.CreateDB()
	if err != nil {
		t.Fatal(err)
	}
	replicas := startReplicas(t, db, 2)
	for i, r := range replicas {
		if code, _ := readyz(r); code != 200 {
			t.Fatalf("replica %d: readyz %d before the restart", i, code)
		}
	}
	code, body := on(replicas[0], "POST", "/v1/tokens", replicaAdmin, `{"role":"unit","unit":"lh-school"}`)
	var tok struct{ Token string }
	if json.Unmarshal(body, &tok); code != 201 {
		t.Fatalf("POST /v1/tokens = %d %s", code, body)
	}
	var mu sync.Mutex
	acked := map[string]uint64{} // item id: the seq of its write
	refused := 0
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for p, r := range replicas {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				id := fmt.Sprintf("RST-%d-%d", p, i)
				req, _ := http.NewRequest("POST", "http://"+r.Addr()+"/v1/units/lh-school/items", strings.NewReader(`{"id":"`+id+`","kind":"demand","category":"tutoring","title":"作业辅导","quantity":1}`))
				req.Header.Set("Authorization", "Bearer "+tok.Token)
				req.Header.Set("Content-Type", "application/json")
				resp, err := http.DefaultClient.Do(req)
				ok := err == nil && resp.StatusCode == 201
				var seq uint64
				if err == nil {
					seq, _ = strconv.ParseUint(resp.Header.Get("X-Allymatch-Seq"), 10, 64)
					resp.Body.Close()
				}
				mu.Lock()
				if ok {
					acked[id] = seq
				} else {
					refused++
				}
				mu.Unlock()
				time.Sleep(10 * time.Millisecond)
			}
		})
	}
	time.Sleep(300 * time.Millisecond)
	srv.Stop()
	for i, r := range replicas {
		eventually(t, 15*time.Second, fmt.Sprintf("replica %d not ready while PostgreSQL is down", i), func() bool {
			code, _ := readyz(r)
			return code == 503
		})
	}
	mu.Lock()
	ackedDown := len(acked)
	mu.Unlock()
	time.Sleep(300 * time.Millisecond)
	mu.Lock()
	if len(acked) != ackedDown {
		t.Errorf("%d writes acknowledged while PostgreSQL was down", len(acked)-ackedDown)
	}
	mu.Unlock()
	if err := srv.Resume(); err != nil {
		t.Fatal(err)
	}
	for i, r := range replicas {
		eventually(t, 20*time.Second, fmt.Sprintf("replica %d ready again", i), func() bool {
			code, _ := readyz(r)
			return code == 200
		})
	}
	time.Sleep(500 * time.Millisecond) // writes go on after the restart
	close(stop)
	wg.Wait()
	var top uint64
	for _, seq := range acked {
		top = max(top, seq)
	}
	if len(acked) <= ackedDown {
		t.Fatalf("no write acknowledged after the restart (%d before, %d refused)", ackedDown, refused)
	}
	t.Logf("%d writes acknowledged (%d before PostgreSQL stopped), %d refused", len(acked), ackedDown, refused)
	for i, r := range replicas {
		eventually(t, 10*time.Second, fmt.Sprintf("replica %d at seq %d", i, top), func() bool {
			_, seq := readyz(r)
			return seq >= top
		})
		for id := range acked {
			if code, body := on(r, "GET", "/v1/items/"+id, tok.Token, ""); code != 200 {
				t.Errorf("replica %d: acknowledged item %s = %d %s", i, id, code, body)
			}
		}
	}
}

// Two replicas answer the same claim at once: the answers serialise on
// the database, so one wins and the other gets a conflict (409) or
// applies after it; no answer acknowledged is lost.
func TestReplicasAnswerOneClaimAtOnce(t *testing.T) {
	db := pgtest.NewDB(t)
	replicas := startReplicas(t, db, 2)
	code, body, seq := onSeq(replicas[0], "POST", "/v1/meetings/lh/proposals", replicaAdmin, "")
	if code != 200 {
		t.Fatalf("propose = %d %s", code, body)
	}
	// Read on the other replica once it has the proposals (min_seq).
	code, body = on(replicas[1], "GET", "/v1/claims?meeting=lh&status=proposed&limit=100&min_seq="+seq, replicaAdmin, "")
	var l struct{ Items []matcher.Claim }
	if json.Unmarshal(body, &l); code != 200 || len(l.Items) < 9 {
		t.Fatalf("claims = %d, %d claims (want 9 at least): %.300s", code, len(l.Items), body)
	}
	type answer struct{ verb, side string }
	both := func(c matcher.Claim, a, b answer) (int, int, matcher.Claim) {
		t.Helper()
		codes, seqs := make([]int, 2), make([]string, 2)
		var wg sync.WaitGroup
		for i, ans := range []answer{a, b} {
			wg.Go(func() {
				body := `{"side":"` + ans.side + `"}`
				if ans.verb == "reject" {
					body = `{"side":"` + ans.side + `","reason":"副本` + strconv.Itoa(i) + `"}`
				}
				codes[i], _, seqs[i] = onSeq(replicas[i], "POST", "/v1/claims/"+c.ID+"/"+ans.verb, replicaAdmin, body)
			})
		}
		wg.Wait()
		// Read it back on each replica, once it has both answers.
		var got matcher.Claim
		for _, r := range replicas {
			var seq uint64
			for _, s := range seqs {
				n, _ := strconv.ParseUint(s, 10, 64)
				seq = max(seq, n)
			}
			path := fmt.Sprintf("/v1/claims/%s?min_seq=%d", c.ID, seq)
			var again matcher.Claim
			code, body := on(r, "GET", path, replicaAdmin, "")
			if code != 200 || json.Unmarshal(body, &again) != nil {
				t.Fatalf("GET %s = %d %s", path, code, body)
			}
			if got.ID != "" && (got.Status != again.Status || !slices.Equal(got.AcceptedBy, again.AcceptedBy)) {
				t.Errorf("the replicas differ on %s: %s %v and %s %v", c.ID, got.Status, got.AcceptedBy, again.Status, again.AcceptedBy)
			}
			got = again
		}
		return codes[0], codes[1], got
	}
	for i := range 3 {
		// Both sides accept at once: both are kept, the claim is
		// confirmed.
		c0, c1, got := both(l.Items[3*i], answer{"accept", "demand"}, answer{"accept", "resource"})
		if c0 != 200 || c1 != 200 || got.Status != matcher.ClaimConfirmed || len(got.AcceptedBy) != 2 {
			t.Errorf("both sides accept: %d, %d, then %s accepted by %v; want both 200, confirmed by both", c0, c1, got.Status, got.AcceptedBy)
		}
		// One side accepts on both replicas at once: one wins, the other
		// is told it was accepted already.
		c0, c1, got = both(l.Items[3*i+1], answer{"accept", "demand"}, answer{"accept", "demand"})
		codes := []int{c0, c1}
		slices.Sort(codes)
		if codes[0] != 200 || codes[1] != 409 || got.Status != matcher.ClaimProposed || !slices.Equal(got.AcceptedBy, []matcher.Side{matcher.DemandSide}) {
			t.Errorf("one side accepts twice: %v, then %s accepted by %v; want one 200 and one 409", codes, got.Status, got.AcceptedBy)
		}
		// An accept races a reject: the reject is kept; the accept is
		// either before it (both 200, the claim shows it) or refused (409).
		c0, c1, got = both(l.Items[3*i+2], answer{"accept", "demand"}, answer{"reject", "resource"})
		accepted := got.Accepted(matcher.DemandSide)
		if c1 != 200 || got.Status != matcher.ClaimRejected || got.Reason != "副本1" || (c0 == 200) != accepted || (c0 != 200 && c0 != 409) {
			t.Errorf("accept races reject: %d, %d, then %s (%q) accepted by %v", c0, c1, got.Status, got.Reason, got.AcceptedBy)
		}
	}
}
