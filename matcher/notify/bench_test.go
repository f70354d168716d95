package notify

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/service"
)

// benchTarget is issue 12's: durable writes at 200/s with 100
// subscriptions keep their p99 within 2 ms of the same run without.
const (
	benchRound    = time.Second // one round of writes
	benchRounds   = 2           // rounds of each kind per iteration, alternating
	benchSubs     = 100         // subscriptions
	benchBudgetMS = 2.0         // the allowed p99 difference
	benchWindow   = time.Second
)

// benchRate is the writes a second, open loop: the 200, or
// $NOTIFY_BENCH_RATE (on a disk whose fsyncs take longer than 5 ms, the
// store alone cannot keep up with 200 a second, and both runs queue: the
// closed-loop write time the benchmark reports says so).
var benchRate = func() int {
	if n, err := strconv.Atoi(os.Getenv("NOTIFY_BENCH_RATE")); err == nil && n > 0 {
		return n
	}
	return 200
}()

// benchWorld is a store with the Banan sample, its notifier running with
// serve's defaults (but a short window, so that the dispatcher folds,
// sends and records during the rounds), and subs subscriptions posting to
// a loopback receiver.
func benchWorld(b testing.TB, subs int) *world {
	cfg := DefaultConfig()
	cfg.AllowPrivate, cfg.Window = true, benchWindow
	w := newWorld(b, cfg)
	rc := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
	}))
	b.Cleanup(rc.Close)
	// The meetings above lh and lh's units: every write below is seen by
	// the groups of lh, its street and its district, and by the units of
	// its two sides.
	groups := []string{"lh", "st-lzw", "bn-district"}
	units := []string{"lh-committee", "lh-school", "lh-bank", "lh-meteo", "lh-clinic", "lh-market"}
	for i := range subs {
		req := SubscribeRequest{Kind: Generic, URL: fmt.Sprintf("%s/h%d", rc.URL, i)}
		actor := matcher.Admin
		if i%2 == 0 {
			req.Alliance = groups[(i/2)%len(groups)]
		} else {
			req.Unit = units[(i/2)%len(units)]
		}
		w.subscribe(actor, req)
	}
	return w
}

// write is one durable write that notifies: a hand claim of lh-committee
// on lh-school's demand, or its withdrawal (alternately).
func (w *world) benchWrite(claim *string) error {
	committee := matcher.UnitActor("lh-committee")
	if *claim == "" {
		c, err := w.svc.ClaimByHand(ctx, committee, service.HandClaim{Resource: "LH-R12", Demand: "LH-D01", Quantity: 1, Meeting: "lh"})
		*claim = c.ID
		return err
	}
	_, err := w.svc.AnswerClaim(ctx, committee, *claim, service.Withdraw, "", "")
	*claim = ""
	return err
}

// round writes at benchRate for benchRound and returns each write's
// latency from the moment it was due (open loop: a slow write delays the
// next ones, and that counts).
func (w *world) round(b testing.TB) []time.Duration {
	n := int(benchRound.Seconds() * float64(benchRate))
	every := time.Second / time.Duration(benchRate)
	out := make([]time.Duration, 0, n)
	var claim string
	start := time.Now()
	for i := range n {
		due := start.Add(time.Duration(i) * every)
		if d := time.Until(due); d > 0 {
			time.Sleep(d)
		}
		if err := w.benchWrite(&claim); err != nil {
			b.Fatal(err)
		}
		out = append(out, time.Since(due))
	}
	return out
}

func quantile(ds []time.Duration, q float64) float64 {
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	i := min(len(s)-1, int(q*float64(len(s))))
	return float64(s[i]) / float64(time.Millisecond)
}

// BenchmarkDurableWritesWithSubscriptions: writes that notify (hand claims
// and their withdrawals at the Longhua meeting) at 200 a second, on a store
// without subscriptions and on one with 100 (each write fans out to about
// half of them, and the dispatcher delivers to a loopback receiver
// meanwhile), in alternating rounds. Reports the p50 and p99 latency of
// both and the p99 difference (the target: at most 2 ms), pooled
// and as the median over pairs of rounds (which a busy machine's bursts
// move less).
func BenchmarkDurableWritesWithSubscriptions(b *testing.B) {
	b.Run(fmt.Sprintf("%d writes/s %d subscriptions", benchRate, benchSubs), func(b *testing.B) {
		plain, subs := benchWorld(b, 0), benchWorld(b, benchSubs)
		// One write at a time on the store without subscriptions: its
		// median is what the disk allows (1000/that writes a second).
		var closed []time.Duration
		var claim string
		for range 50 {
			start := time.Now()
			if err := plain.benchWrite(&claim); err != nil {
				b.Fatal(err)
			}
			closed = append(closed, time.Since(start))
		}
		var without, with []time.Duration
		var deltas []float64 // per pair of rounds: robust to a noisy machine
		for b.Loop() {
			for range benchRounds {
				// The run with subscriptions delivers what it wrote
				// before the run without starts: each pays for its own.
				if !subs.settled(30 * time.Second) {
					b.Fatal("the messages did not settle")
				}
				a, c := plain.round(b), subs.round(b)
				without, with = append(without, a...), append(with, c...)
				deltas = append(deltas, quantile(c, 0.99)-quantile(a, 0.99))
			}
		}
		b.StopTimer()
		p99a, p99b := quantile(without, 0.99), quantile(with, 0.99)
		b.ReportMetric(quantile(closed, 0.5), "write-ms-closed")
		b.ReportMetric(quantile(without, 0.50), "p50-ms-0subs")
		b.ReportMetric(p99a, "p99-ms-0subs")
		b.ReportMetric(quantile(with, 0.50), "p50-ms-100subs")
		b.ReportMetric(p99b, "p99-ms-100subs")
		b.ReportMetric(p99b-p99a, "p99-delta-ms")
		slices.Sort(deltas)
		b.ReportMetric(deltas[len(deltas)/2], "p99-delta-median-ms")
		if !subs.settled(30 * time.Second) {
			b.Error("the messages did not settle")
		}
		var sent int
		subs.n.mu.Lock()
		for _, t := range subs.n.targets {
			sent += len(t.kept)
		}
		subs.n.mu.Unlock()
		b.ReportMetric(float64(sent), "messages")
		if p99b-p99a > benchBudgetMS {
			b.Logf("p99 with %d subscriptions is %.2f ms over the run without (budget %.0f ms)", benchSubs, p99b-p99a, benchBudgetMS)
		}
	})
}
