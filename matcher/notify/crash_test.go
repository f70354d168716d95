package notify

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/allymatch/allymatch/fixtures"
	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/match"
	"github.com/allymatch/allymatch/matcher/service"
	"github.com/allymatch/allymatch/matcher/store"
)

// crashConfig never gives up: the receiver may be down for long.
func crashConfig() Config {
	cfg := testConfig()
	cfg.MaxAttempts = 1 << 30
	cfg.Backoff, cfg.MaxBackoff = time.Millisecond, 10*time.Millisecond
	return cfg
}

// TestNotifyCrashChild is the child of TestNotifyCrash: with
// ALLYMATCH_NOTIFY_CRASH_DIR set it answers the claims of the lh meeting
// (proposing again when none waits) forever, printing "ack SEQ" after
// each answer is acknowledged, while its notifier delivers, until it is
// killed.
func TestNotifyCrashChild(t *testing.T) {
	dir := os.Getenv("ALLYMATCH_NOTIFY_CRASH_DIR")
	if dir == "" {
		t.Skip("child of TestNotifyCrash")
	}
	st, _, err := store.Open(ctx, store.Options{Dir: dir, LockTimeout: 10 * time.Second})
	if err != nil {
		fmt.Println("open error:", err)
		os.Exit(3)
	}
	n, err := New(st, crashConfig())
	if err != nil {
		fmt.Println("notify error:", err)
		os.Exit(3)
	}
	n.Start()
	svc := service.New(st)
	for {
		var next *matcher.Claim
		for c := range st.Snapshot().ClaimsOfMeetingWith("lh", matcher.ClaimProposed) {
			next = c
			break
		}
		var ev uint64
		if next == nil {
			if _, err := svc.ProposeBy(ctx, matcher.Admin, "lh", match.DefaultSettings(), time.Now().Add(72*time.Hour)); err != nil {
				fmt.Println("propose error:", err)
				os.Exit(4)
			}
			continue
		}
		side := next.WaitsFor()[0]
		if _, err := svc.AnswerClaim(ctx, matcher.UnitActor(next.UnitOf(side)), next.ID, service.Accept, "", ""); err != nil {
			fmt.Println("answer error:", err)
			os.Exit(4)
		}
		ev = st.Seq() // one writer: the answer's own event
		fmt.Println("ack", ev)
	}
}

// crashReceiver records what it gets on a fixed address; it can be taken
// down and brought back on the same port.
type crashReceiver struct {
	addr string
	mu   sync.Mutex
	byID map[string][]byte // webhook-id → body
	n    int               // requests
	srv  *http.Server
	bad  []string
}

func (cr *crashReceiver) up(tb testing.TB) {
	ln, err := net.Listen("tcp", cr.addr)
	if err != nil {
		tb.Fatalf("listening on %s again: %v", cr.addr, err)
	}
	cr.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		id := r.Header.Get("webhook-id")
		cr.mu.Lock()
		cr.n++
		if prev, ok := cr.byID[id]; ok && !bytes.Equal(prev, body) {
			cr.bad = append(cr.bad, id)
		}
		cr.byID[id] = body
		cr.mu.Unlock()
	})}
	go cr.srv.Serve(ln)
}

func (cr *crashReceiver) down() { cr.srv.Close() }

// events returns the audit events the messages received tell of.
func (cr *crashReceiver) events(tb testing.TB) map[uint64]bool {
	cr.mu.Lock()
	defer cr.mu.Unlock()
	out := map[uint64]bool{}
	for id, body := range cr.byID {
		var p payload
		if err := json.Unmarshal(body, &p); err != nil {
			tb.Fatalf("message %s: %v", id, err)
		}
		for _, ev := range p.Data.Events {
			out[ev] = true
		}
	}
	return out
}

// TestNotifyCrash: a server that delivers to a receiver is killed with
// SIGKILL while the receiver is down; once both are back, the receiver has
// a message for every acknowledged answer (none lost), duplicates only
// with the same id and body, and no message of a change that was not
// stored.
func TestNotifyCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns a process")
	}
	dir := t.TempDir()
	st, _, err := store.Open(ctx, store.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	// The child answers lh's claims for as long as the test reads (some
	// 30 answers): three copies of the meeting's lists (but the projects'
	// slots) keep it from running out of proposals.
	b := fixtures.MustBanan(t)
	for _, it := range slices.Clone(b.Items) {
		if strings.HasPrefix(it.ID, "LH-") && it.Project == "" {
			for k := 1; k <= 2; k++ {
				c := it
				c.ID = fmt.Sprintf("%s-X%d", it.ID, k)
				b.Items = append(b.Items, c)
			}
		}
	}
	if _, err := st.Import(ctx, b, "system"); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cr := &crashReceiver{addr: ln.Addr().String(), byID: map[string][]byte{}}
	ln.Close()
	n, err := New(st, crashConfig())
	if err != nil {
		t.Fatal(err)
	}
	c, err := n.Subscribe(ctx, matcher.Coordinator("lh"), SubscribeRequest{Kind: Generic, URL: "http://" + cr.addr + "/hook"}, "http://desk")
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	cr.up(t)

	cmd := exec.Command(os.Args[0], "-test.run=^TestNotifyCrashChild$", "-test.v")
	cmd.Env = append(os.Environ(), "ALLYMATCH_NOTIFY_CRASH_DIR="+dir)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acked := map[uint64]bool{}
	lines := make(chan string, 1<<16)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	read := func(want int) {
		deadline := time.After(60 * time.Second)
		for len(acked) < want {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatal("the child ended")
				}
				if s, ok := strings.CutPrefix(l, "ack "); ok {
					seq, _ := strconv.ParseUint(s, 10, 64)
					acked[seq] = true
				} else if strings.Contains(l, "error") {
					t.Fatalf("child: %s", l)
				}
			case <-deadline:
				cmd.Process.Kill()
				t.Fatalf("only %d acks within 60s", len(acked))
			}
		}
	}
	read(15) // delivered while the receiver is up
	cr.down()
	read(len(acked) + 15) // retried against a receiver that is down
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	for l := range lines {
		if s, ok := strings.CutPrefix(l, "ack "); ok {
			seq, _ := strconv.ParseUint(s, 10, 64)
			acked[seq] = true
		}
	}
	cmd.Wait()

	cr.mu.Lock()
	before := cr.n
	cr.mu.Unlock()
	cr.up(t)
	defer cr.down()
	st, _, err = store.Open(ctx, store.Options{Dir: dir})
	if err != nil {
		t.Fatalf("reopen after SIGKILL: %v", err)
	}
	defer st.Close()
	w := &world{tb: t, dir: dir, st: st}
	w.start(crashConfig())
	defer w.n.Close()
	w.mustSettle()

	got := cr.events(t)
	if cr.n == before {
		t.Error("nothing was delivered after the restart: the kill did not leave undelivered messages")
	}
	for seq := range acked {
		if !got[seq] {
			t.Errorf("the acknowledged answer %d was never delivered", seq)
		}
	}
	evs, err := st.Events(0, 1<<30, nil)
	if err != nil {
		t.Fatal(err)
	}
	stored := map[uint64]string{}
	for _, ev := range evs {
		stored[ev.Seq] = ev.Action
	}
	for seq := range got {
		if a := stored[seq]; a != "claim.accept" && a != "meeting.propose" {
			t.Errorf("a message tells of event %d (%q), which is no stored answer or proposal", seq, a)
		}
	}
	if len(cr.bad) > 0 {
		t.Errorf("ids sent twice with different bodies: %v", cr.bad)
	}
	ds, _ := w.n.Deliveries(matcher.Admin, c.ID, 1<<20)
	for _, d := range ds {
		if d.Status != Delivered {
			t.Errorf("message %s is %s after both came back", d.ID, d.Status)
		}
	}
	t.Logf("%d answers acknowledged, %d events told in %d messages (%d requests)", len(acked), len(got), len(cr.byID), cr.n)
}
