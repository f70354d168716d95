package store

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/index"
)

// crashOutbox gives every mutation one note naming its event.
type crashOutbox struct{}

func (crashOutbox) Notes(tx *Tx, ev *matcher.Event) []any {
	return []any{testNote{Seq: ev.Seq, Action: ev.Action}}
}
func (crashOutbox) Committed(*matcher.Event, []any, []uint64) {}

// TestCrashChild is the child of TestCrashRecovery: with ALLYMATCH_CRASH_DIR
// (a folder) or ALLYMATCH_CRASH_URL (a PostgreSQL database) set it writes
// unit+item pairs from several goroutines forever, each with its outbox
// note, printing "ack ID" after each write is acknowledged, until it is
// killed.
func TestCrashChild(t *testing.T) {
	opts := Options{Dir: os.Getenv("ALLYMATCH_CRASH_DIR"), URL: os.Getenv("ALLYMATCH_CRASH_URL"), LockTimeout: 10 * time.Second}
	if opts.Dir == "" && opts.URL == "" {
		t.Skip("child of TestCrashRecovery")
	}
	prefix := os.Getenv("ALLYMATCH_CRASH_PREFIX")
	s, _, err := Open(ctx, opts)
	if err != nil {
		fmt.Println("open error:", err)
		os.Exit(3)
	}
	s.SetOutbox(crashOutbox{})
	var out sync.Mutex
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				id := fmt.Sprintf("%s-w%d-%d", prefix, w, i)
				_, err := s.Update(ctx, "test", "pair", nil, func(tx *Tx) error {
					u := testUnit("u-"+id, "单位"+id)
					if err := tx.PutUnit(u); err != nil {
						return err
					}
					return tx.PutItem(testItem("i-"+id, u.ID, matcher.Resource, int64(i%20+1)))
				})
				if err != nil {
					fmt.Println("update error:", err)
					os.Exit(4)
				}
				out.Lock()
				os.Stdout.WriteString("ack " + id + "\n")
				out.Unlock()
			}
		}()
	}
	wg.Wait()
}

// TestCrashRecovery kills a writing child process with SIGKILL at random
// moments, many times over the same data folder, and checks after each
// restart that every acknowledged write is there and that no write is half
// applied (a unit without its item or the reverse), nor its outbox note
// without it or it without its note.
func TestCrashRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	forEachEngine(t, testCrashRecovery)
}

func testCrashRecovery(t *testing.T, fresh func(testing.TB) Options) {
	opts := fresh(t)
	opts.LockTimeout = 10 * time.Second
	rounds := 12
	acked := map[string]bool{}
	rng := rand.New(rand.NewPCG(1, 2))
	var lastSeq uint64
	// On PostgreSQL a second process (this one) follows the killed one's
	// writes throughout: it is the survivor that must serve each of them.
	var survivor *Store
	if opts.URL != "" {
		survivor = openAt(t, opts)
	}
	for round := range rounds {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.v")
		cmd.Env = append(os.Environ(), "ALLYMATCH_CRASH_DIR="+opts.Dir, "ALLYMATCH_CRASH_URL="+opts.URL, fmt.Sprintf("ALLYMATCH_CRASH_PREFIX=r%d", round))
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(stdout)
		lines := make(chan string, 1<<16)
		go func() {
			for sc.Scan() {
				lines <- sc.Text()
			}
			close(lines)
		}()
		// Wait for the first ack so that the kill lands mid-stream.
		deadline := time.After(60 * time.Second)
		n := 0
	wait:
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatalf("round %d: child ended before writing", round)
				}
				if id, ok := strings.CutPrefix(l, "ack "); ok {
					acked[id] = true
					n++
					break wait
				} else if strings.Contains(l, "error") {
					t.Fatalf("round %d: child: %s", round, l)
				}
			case <-deadline:
				cmd.Process.Kill()
				t.Fatalf("round %d: no ack within 60s", round)
			}
		}
		time.Sleep(time.Duration(rng.IntN(150)) * time.Millisecond)
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		for l := range lines { // acks written before the kill
			if id, ok := strings.CutPrefix(l, "ack "); ok {
				acked[id] = true
				n++
			} else if strings.Contains(l, "error") {
				t.Fatalf("round %d: child: %s", round, l)
			}
		}
		cmd.Wait()

		s, _, err := Open(ctx, opts)
		if err != nil {
			t.Fatalf("round %d: reopen after SIGKILL: %v", round, err)
		}
		if survivor != nil {
			wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			err := survivor.WaitSeq(wctx, s.Seq())
			cancel()
			if err != nil {
				t.Fatalf("round %d: the survivor is at seq %d, the store at %d", round, survivor.Seq(), s.Seq())
			}
			ss := survivor.Snapshot()
			for id := range acked {
				if _, err := ss.Item("i-" + id); err != nil {
					t.Errorf("round %d: the survivor lacks acknowledged item i-%s", round, id)
				}
			}
			if ss.Count(index.TableItems) != s.Snapshot().Count(index.TableItems) {
				t.Errorf("round %d: the survivor serves %d items, the store holds %d", round, ss.Count(index.TableItems), s.Snapshot().Count(index.TableItems))
			}
		}
		sn := s.Snapshot()
		for id := range acked {
			if _, err := sn.Unit("u-" + id); err != nil {
				t.Errorf("round %d: acknowledged unit u-%s lost: %v", round, id, err)
			}
			if _, err := sn.Item("i-" + id); err != nil {
				t.Errorf("round %d: acknowledged item i-%s lost: %v", round, id, err)
			}
		}
		units, items := sn.Count(index.TableUnits), sn.Count(index.TableItems)
		if units != items {
			t.Errorf("round %d: %d units but %d items: a write was half applied", round, units, items)
		}
		for u := range sn.Units() {
			if _, err := sn.Item("i-" + strings.TrimPrefix(u.ID, "u-")); err != nil {
				t.Errorf("round %d: unit %s without its item", round, u.ID)
			}
		}
		if sn.Seq < lastSeq || sn.Seq != uint64(units) {
			t.Errorf("round %d: seq %d (was %d) with %d writes stored; want seq = writes", round, sn.Seq, lastSeq, units)
		}
		evs, err := s.Events(0, 1<<30, nil)
		if err != nil || uint64(len(evs)) != sn.Seq {
			t.Errorf("round %d: %d events (%v), want %d", round, len(evs), err, sn.Seq)
		}
		notes := outboxNotes(t, s)
		seen := map[uint64]bool{}
		for _, n := range notes {
			if n.Seq == 0 || n.Seq > sn.Seq || seen[n.Seq] {
				t.Errorf("round %d: a note of event %d (seq %d): not one note per stored write", round, n.Seq, sn.Seq)
			}
			seen[n.Seq] = true
		}
		if uint64(len(notes)) != sn.Seq {
			t.Errorf("round %d: %d notes in the outbox for %d writes", round, len(notes), sn.Seq)
		}
		lastSeq = sn.Seq
		s.Close()
		t.Logf("round %d: %d acks this round, %d stored in all", round, n, units)
	}
	if len(acked) < rounds {
		t.Errorf("only %d acknowledged writes over %d rounds; the test did not exercise the store", len(acked), rounds)
	}
}
