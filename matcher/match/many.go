package match

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/index"
)

// RunMany matches every meeting of meetings on the state r with set:
// results[i] is what Run returns for meetings[i] (Stats aside: durations are
// measured while other meetings run). The meetings of one state are
// independent, each reading the same immutable state, so up to GOMAXPROCS
// of them run at a time, the larger first: those above the community level
// (the district's, then the streets'), then the others, each in input
// order, so that the last to end are small ones. What they all read (the
// items above the community level, and when the meetings cover most
// communities every unit with its items and alliances: sharedReads) is
// read once for all.
//
// The error is the one running the meetings one by one would return: that
// of the first meeting, in input order, whose Run fails. Meetings after a
// failed one that have not started yet are skipped, and meetings do not
// start once ctx is done (the first of them fails with ctx's error). With
// no meetings, RunMany returns nil, nil.
func RunMany(ctx context.Context, r index.Reader, vocab *matcher.Vocabulary, meetings []string, set Settings) ([]*Result, error) {
	if len(meetings) == 0 {
		return nil, nil
	}
	if err := set.Validate(); err != nil {
		return nil, err
	}
	levels := make([]matcher.Level, len(meetings)) // "": no such alliance (its run fails)
	for i, id := range meetings {
		if a, err := r.Alliance(id); err == nil {
			levels[i] = a.Level
		}
	}
	sh := newSharedReads(r, levels)
	order := make([]int64, 0, len(meetings))
	for _, l := range []matcher.Level{matcher.District, matcher.Street} {
		for i := range meetings {
			if levels[i] == l {
				order = append(order, int64(i))
			}
		}
	}
	for i := range meetings {
		if levels[i] != matcher.District && levels[i] != matcher.Street {
			order = append(order, int64(i))
		}
	}
	n := int64(len(meetings))
	results := make([]*Result, n)
	errs := make([]error, n)
	var next atomic.Int64
	var failed atomic.Int64 // the first meeting (by input order) that failed so far; n: none
	failed.Store(n)
	work := func() {
		for {
			k := next.Add(1) - 1
			if k >= n {
				return
			}
			i := order[k]
			if i > failed.Load() {
				continue // the error is an earlier meeting's
			}
			err := ctx.Err()
			if err == nil {
				results[i], err = runShared(ctx, r, vocab, meetings[i], set, sh)
			}
			if err != nil {
				errs[i] = err
				for f := failed.Load(); i < f && !failed.CompareAndSwap(f, i); f = failed.Load() {
				}
			}
		}
	}
	var wg sync.WaitGroup
	for range min(int64(runtime.GOMAXPROCS(0)), n) - 1 {
		wg.Go(work)
	}
	work()
	wg.Wait()
	if f := failed.Load(); f < n {
		return nil, errs[f]
	}
	return results, nil
}

// runShared is Run with what sh holds taken from it (everything read from
// r when sh is nil).
func runShared(ctx context.Context, r index.Reader, vocab *matcher.Vocabulary, meeting string, set Settings, sh *sharedReads) (*Result, error) {
	if err := set.Validate(); err != nil {
		return nil, err
	}
	scope, err := ResolveScope(r, meeting)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	in := gatherInstance(r, vocab, scope, sh)
	// The instance and the run's scratch die with the run: their memory
	// goes to the next run (see runScratch).
	sc := runScratch.Get().(*scratch)
	in.minText = set.Relevance
	res, err := newRun(in, in.generateInto(&sc.cands), set, start).reuse(nil, sc, false, nil).do(ctx)
	in.recycle()
	sc.of, sc.topsOf = nil, nil
	runScratch.Put(sc)
	return res, err
}

// runScratch pools the scratch of runs that no Session keeps (Run,
// RunMany): the candidate arrays, scores and tops of one run serve the
// next, which saves the collector about a tenth of what a run allocates.
var runScratch = sync.Pool{New: func() any { return new(scratch) }}
