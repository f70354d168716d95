package match

import (
	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/index"
)

// Pair is a resource and a demand that a meeting could put together.
type Pair struct {
	Resource, Demand string
}

// ReachablePairs returns every pair of an open resource and a demand with
// quantity left, both in the scope of meeting at its level, that passes
// the hard rules that do not judge what the items are for: different
// units, quantity left, distance or red grid, time windows, not rejected.
// Categories, measures and relevance are not asked. It is what a judged
// set's recall counts against: a good pair outside it could not be
// proposed by any score. Pairs come in demand then resource order.
func ReachablePairs(r index.Reader, vocab *matcher.Vocabulary, meeting string) ([]Pair, error) {
	scope, err := ResolveScope(r, meeting)
	if err != nil {
		return nil, err
	}
	in := buildInstance(r, vocab, scope)
	var out []Pair
	for di := range in.demands {
		d := &in.demands[di]
		p := in.checker(d)
		for ri := range in.resources {
			res := &in.resources[ri]
			if p.with(res, int32(ri)).first(placement) == "" {
				out = append(out, Pair{Resource: res.item.ID, Demand: d.item.ID})
			}
		}
	}
	return out, nil
}
