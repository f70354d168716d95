package api

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/allymatch/allymatch/fixtures"
	"github.com/allymatch/allymatch/matcher/store"
)

const crashAdmin = "crash-admin-token"

// TestLedgerCrashChild is the server of TestLedgerCrashRecovery: with
// ALLYMATCH_LEDGER_CRASH_DIR set it serves the API over a store in that
// folder (seeded with the Banan sample and its points bank when new) on a
// loopback port it prints, until it is killed.
func TestLedgerCrashChild(t *testing.T) {
	dir := os.Getenv("ALLYMATCH_LEDGER_CRASH_DIR")
	if dir == "" {
		t.Skip("child of TestLedgerCrashRecovery")
	}
	st, _, err := store.Open(context.Background(), store.Options{Dir: dir, LockTimeout: 10 * time.Second,
		OnCreate: func(ctx context.Context, s *store.Store) error {
			b, err := fixtures.BananWithPoints()
			if err != nil {
				return err
			}
			_, err = s.Import(ctx, b, "system")
			return err
		}})
	if err != nil {
		fmt.Println("open error:", err)
		os.Exit(3)
	}
	s := New(nil)
	s.SetStore(st)
	s.SetAdminToken(crashAdmin)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println("listen error:", err)
		os.Exit(3)
	}
	fmt.Println("addr", ln.Addr().String())
	http.Serve(ln, s.Handler())
}

// TestLedgerCrashRecovery kills the API server with SIGKILL during a
// stream of transfers and redemptions from 16 clients, several times over
// one data folder. After each restart every acknowledged transfer and
// redemption is there as it was answered, and none is half-applied: the
// store's start replays every account from its transfers and every offer
// from its redemptions and refuses a file where they differ, and each
// redemption has its transfer.
func TestLedgerCrashRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	dir := t.TempDir()
	type ack struct {
		to     string
		amount int64
		redeem bool
	}
	acked := map[string]ack{}
	var mu sync.Mutex
	rng := rand.New(rand.NewPCG(7, 11))
	cards := []string{"LH-C0001", "LH-C0002", "LH-C0003", "LH-C0004", "LH-C0005", "LH-C0006"}
	const rounds = 5
	for round := range rounds {
		cmd := exec.Command(os.Args[0], "-test.run=^TestLedgerCrashChild$", "-test.v")
		cmd.Env = append(os.Environ(), "ALLYMATCH_LEDGER_CRASH_DIR="+dir)
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		addr := make(chan string, 1)
		go func() {
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				if a, ok := strings.CutPrefix(sc.Text(), "addr "); ok {
					addr <- a
				} else if strings.Contains(sc.Text(), "error") {
					t.Errorf("round %d: child: %s", round, sc.Text())
				}
			}
			close(addr)
		}()
		var base string
		select {
		case a, ok := <-addr:
			if !ok {
				t.Fatalf("round %d: the child ended before serving", round)
			}
			base = "http://" + a
		case <-time.After(60 * time.Second):
			cmd.Process.Kill()
			t.Fatalf("round %d: no address within 60s", round)
		}
		client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
		first := make(chan struct{})
		var once sync.Once
		var wg sync.WaitGroup
		n := 0
		for w := range 16 {
			wg.Go(func() {
				for i := 0; ; i++ {
					id := fmt.Sprintf("CR%d-%d-%d", round, w, i)
					card := cards[(w+i)%len(cards)]
					var path, body string
					var a ack
					if w%4 == 0 {
						path, body = "/v1/ledger/redemptions", fmt.Sprintf(`{"id":%q,"offer":"LH-O-MANTOU","card":%q}`, id, card)
						a = ack{to: "LH-BAKERY", amount: 1, redeem: true}
					} else {
						amt := int64(1 + (i % 5))
						path, body = "/v1/ledger/transfers", fmt.Sprintf(`{"id":%q,"from":"LH-ISSUE","to":%q,"amount":%d,"reason":"志愿服务"}`, id, card, amt)
						a = ack{to: card, amount: amt}
					}
					req, _ := http.NewRequest("POST", base+path, strings.NewReader(body))
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("Authorization", "Bearer "+crashAdmin)
					resp, err := client.Do(req)
					if err != nil {
						return // the server is gone
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					switch resp.StatusCode {
					case 201:
						mu.Lock()
						acked[id] = a
						n++
						mu.Unlock()
						once.Do(func() { close(first) })
					case 409: // a card without points for a 馒头
					default:
						t.Errorf("round %d: %s %s = %d", round, path, body, resp.StatusCode)
						return
					}
				}
			})
		}
		select {
		case <-first:
		case <-time.After(60 * time.Second):
			t.Fatalf("round %d: no acknowledged transfer within 60s", round)
		}
		time.Sleep(time.Duration(20+rng.IntN(200)) * time.Millisecond)
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		wg.Wait()
		cmd.Wait()
		client.CloseIdleConnections()

		st, _, err := store.Open(context.Background(), store.Options{Dir: dir, LockTimeout: 10 * time.Second})
		if err != nil {
			t.Fatalf("round %d: reopen after SIGKILL (the ledger is replayed at start): %v", round, err)
		}
		sn := st.Snapshot()
		lost := 0
		for id, a := range acked {
			tr, err := sn.Transfer(id)
			if err != nil || tr.To != a.to || tr.Amount != a.amount {
				lost++
				if lost < 5 {
					t.Errorf("round %d: acknowledged transfer %s (%+v) is %+v, %v", round, id, a, tr, err)
				}
				continue
			}
			if a.redeem {
				if r, err := sn.Redemption(id); err != nil || r.Points != tr.Amount {
					t.Errorf("round %d: acknowledged redemption %s: %+v, %v", round, id, r, err)
				}
			}
		}
		if lost > 0 {
			t.Errorf("round %d: %d acknowledged writes lost", round, lost)
		}
		for r := range sn.Redemptions() {
			if _, err := sn.Transfer(r.ID); err != nil {
				t.Errorf("round %d: redemption %s without its transfer", round, r.ID)
			}
		}
		evs, err := st.Events(0, 1<<30, nil)
		if err != nil || uint64(len(evs)) != sn.Seq {
			t.Errorf("round %d: %d events (%v), want %d", round, len(evs), err, sn.Seq)
		}
		st.Close()
		t.Logf("round %d: %d acknowledged this round, %d in all, store at seq %d", round, n, len(acked), sn.Seq)
	}
	if len(acked) < rounds {
		t.Errorf("only %d acknowledged writes over %d rounds", len(acked), rounds)
	}
}
