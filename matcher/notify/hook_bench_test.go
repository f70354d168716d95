package notify

import (
	"testing"

	"github.com/allymatch/allymatch/matcher"
)

// BenchmarkNotes: the outbox hook's work inside one mutation (a hand
// claim at the Longhua meeting) with 100 subscriptions: the lines, the
// read rules of each subscription, and the note.
func BenchmarkNotes(b *testing.B) {
	w := benchWorld(b, benchSubs)
	w.n.Close()
	var claim string
	if err := w.benchWrite(&claim); err != nil {
		b.Fatal(err)
	}
	sn := w.st.Snapshot()
	evs, _ := w.st.Events(sn.Seq-1, 1, nil)
	ev := evs[0]
	changes := []matcher.Change{{Table: "claims", ID: claim}}
	subs := w.n.subscriptions()
	b.ReportAllocs()
	var to []To
	for b.Loop() {
		lines, about := derive(sn.Reader, &ev, changes)
		to = fanOut(sn.Reader, &ev, subs, lines, about)
	}
	b.ReportMetric(float64(len(to)), "targets")
}
