package flow

// This file is the primal network simplex core. It is a port of the
// NetworkSimplex class of LEMON 1.3 (lemon/network_simplex.h, Boost Software
// License 1.0, © Egervary Jeno Kombinatorikus Optimalizalasi Kutatocsoport),
// kept close to the original so that the two can be read side by side: the
// spanning tree is stored as parent/pred/thread/rev_thread/succ_num/last_succ
// arrays under an artificial root, the tree is kept strongly feasible by the
// leaving-arc rule (ties broken towards the root on the second half of the
// cycle), and the entering arc is chosen by block search or a candidate list.

import "math"

// Inf is an arc capacity meaning "unbounded".
const Inf = math.MaxInt64

// arc states (LEMON's STATE_UPPER, STATE_TREE, STATE_LOWER); the state is
// also the sign that turns a reduced cost into "negative means eligible".
const (
	stateUpper int8 = -1
	stateTree  int8 = 0
	stateLower int8 = 1
)

// tree arc directions relative to the root.
const (
	dirDown int8 = -1
	dirUp   int8 = 1
)

// simplex holds the working arrays of one network simplex run. Nodes are
// 0..n-1 and root = n; arcs 0..m-1 are the problem's arcs (in mixed order),
// arc m+u is the artificial (or hub) arc of node u.
type simplex struct {
	n, m       int
	searchArcs int // arcs the pricing scans: m, or m+n when the root is a real hub
	allArcs    int
	hub        bool // the root is a real node with free supply and 0-cost arcs
	// uncap: every arc has infinite capacity, so no arc is ever at its
	// upper bound and the pricing may skip the state (tree arcs have
	// reduced cost 0).
	uncap bool

	source, target []int32
	cost           []int64
	cap            []int64
	flow           []int64
	state          []int8
	supply         []int64
	pi             []int64

	parent, pred, thread, revThread, succNum, lastSucc []int32
	predDir                                            []int8
	dirty                                              []int32
	root                                               int32

	inArc, join, uIn, vIn, uOut, vOut int32
	delta                             int64
	pivots                            int

	// pricing state
	rule       PivotRule
	blockSize  int
	nextArc    int
	cands      []int32
	candLen    int
	listLength int
	minorLimit int
	minorCount int
}

// grow returns s resized to n, reusing its backing array when it can.
func grow[T any](s []T, n int) []T {
	if cap(s) >= n {
		return s[:n]
	}
	return make([]T, n)
}

// reset sizes the arrays for n nodes and m arcs (plus root and artificial
// arcs), reusing memory from an earlier run.
func (s *simplex) reset(n, m int) {
	s.n, s.m = n, m
	na := m + n
	s.source = grow(s.source, na)
	s.target = grow(s.target, na)
	s.cost = grow(s.cost, na)
	s.cap = grow(s.cap, na)
	s.flow = grow(s.flow, na)
	s.state = grow(s.state, na)
	s.supply = grow(s.supply, n+1)
	s.pi = grow(s.pi, n+1)
	s.parent = grow(s.parent, n+1)
	s.pred = grow(s.pred, n+1)
	s.thread = grow(s.thread, n+1)
	s.revThread = grow(s.revThread, n+1)
	s.succNum = grow(s.succNum, n+1)
	s.lastSucc = grow(s.lastSucc, n+1)
	s.predDir = grow(s.predDir, n+1)
	s.dirty = s.dirty[:0]
	s.pivots = 0
}

// mixOrder returns the internal position of each of m arcs of an n-node
// network: LEMON's arc mixing, which interleaves the arcs with a stride of
// max(m/n, 3) so that a block of the pricing sees arcs from all over the
// network rather than the out-arcs of a few neighbouring nodes.
func mixOrder(pos []int32, n, m int) {
	if n <= 1 {
		for i := range m {
			pos[i] = int32(i)
		}
		return
	}
	skip := max(m/n, 3)
	i, j := 0, 0
	for a := range m {
		pos[a] = int32(i)
		if i += skip; i >= m {
			j++
			i = j
		}
	}
}

// initTree builds the starting spanning tree: every node hangs off the root
// by its own arc m+u, carrying the node's supply. art is the cost of the
// root→u arcs of demand nodes (0 in hub mode). The caller has filled source,
// target, cost, cap (lower bounds removed) and supply for the real arcs and
// nodes. It returns the sum of the supplies.
func (s *simplex) initTree(art int64) {
	n, m := s.n, s.m
	var sum int64
	for u := range n {
		sum += s.supply[u]
	}
	for e := range m {
		s.flow[e] = 0
		s.state[e] = stateLower
	}
	root := int32(n)
	s.root = root
	s.parent[root] = -1
	s.pred[root] = -1
	s.thread[root] = 0
	s.revThread[0] = root
	s.succNum[root] = int32(n + 1)
	s.lastSucc[root] = root - 1
	s.supply[root] = -sum
	s.pi[root] = 0
	s.predDir[root] = 0
	s.allArcs = m + n
	if s.hub {
		s.searchArcs = m + n
	} else {
		s.searchArcs = m
	}
	for u := range n {
		e := m + u
		u32 := int32(u)
		s.parent[u] = root
		s.pred[u] = int32(e)
		s.thread[u] = u32 + 1
		s.revThread[u+1] = u32
		s.succNum[u] = 1
		s.lastSucc[u] = u32
		s.cap[e] = Inf
		s.state[e] = stateTree
		if s.supply[u] >= 0 {
			s.predDir[u] = dirUp
			s.pi[u] = 0
			s.source[e] = u32
			s.target[e] = root
			s.flow[e] = s.supply[u]
			s.cost[e] = 0
		} else {
			s.predDir[u] = dirDown
			s.pi[u] = art
			s.source[e] = root
			s.target[e] = u32
			s.flow[e] = -s.supply[u]
			s.cost[e] = art
		}
	}
	if n == 0 {
		// the thread of the root alone is the root itself
		s.thread[root] = root
		s.revThread[root] = root
		s.lastSucc[root] = root
	}
}

func (s *simplex) findJoinNode() {
	u, v := s.source[s.inArc], s.target[s.inArc]
	succ, parent := s.succNum, s.parent
	for u != v {
		if succ[u] < succ[v] {
			u = parent[u]
		} else {
			v = parent[v]
		}
	}
	s.join = u
}

// findLeavingArc finds the blocking arc of the cycle closed by inArc. It
// reports false when the entering arc itself blocks (a bound flip).
func (s *simplex) findLeavingArc() bool {
	var first, second int32
	if s.state[s.inArc] == stateLower {
		first, second = s.source[s.inArc], s.target[s.inArc]
	} else {
		first, second = s.target[s.inArc], s.source[s.inArc]
	}
	delta := s.cap[s.inArc]
	result := 0
	join := s.join
	parent, pred, predDir, flow, capa := s.parent, s.pred, s.predDir, s.flow, s.cap
	for u := first; u != join; u = parent[u] {
		e := pred[u]
		d := flow[e]
		if predDir[u] == dirDown {
			if c := capa[e]; c == Inf {
				d = Inf
			} else {
				d = c - d
			}
		}
		if d < delta {
			delta = d
			s.uOut = u
			result = 1
		}
	}
	for u := second; u != join; u = parent[u] {
		e := pred[u]
		d := flow[e]
		if predDir[u] == dirUp {
			if c := capa[e]; c == Inf {
				d = Inf
			} else {
				d = c - d
			}
		}
		if d <= delta {
			delta = d
			s.uOut = u
			result = 2
		}
	}
	s.delta = delta
	if result == 1 {
		s.uIn, s.vIn = first, second
	} else {
		s.uIn, s.vIn = second, first
	}
	return result != 0
}

func (s *simplex) changeFlow(change bool) {
	in := s.inArc
	if s.delta > 0 {
		val := int64(s.state[in]) * s.delta
		s.flow[in] += val
		join := s.join
		parent, pred, predDir, flow := s.parent, s.pred, s.predDir, s.flow
		for u := s.source[in]; u != join; u = parent[u] {
			flow[pred[u]] -= int64(predDir[u]) * val
		}
		for u := s.target[in]; u != join; u = parent[u] {
			flow[pred[u]] += int64(predDir[u]) * val
		}
	}
	if change {
		s.state[in] = stateTree
		out := s.pred[s.uOut]
		if s.flow[out] == 0 {
			s.state[out] = stateLower
		} else {
			s.state[out] = stateUpper
		}
	} else {
		s.state[in] = -s.state[in]
	}
}

func (s *simplex) updateTreeStructure() {
	parent, pred, predDir := s.parent, s.pred, s.predDir
	thread, revThread, succNum, lastSucc := s.thread, s.revThread, s.succNum, s.lastSucc
	uIn, vIn, uOut, join := s.uIn, s.vIn, s.uOut, s.join

	oldRevThread := revThread[uOut]
	oldSuccNum := succNum[uOut]
	oldLastSucc := lastSucc[uOut]
	vOut := parent[uOut]
	s.vOut = vOut

	if uIn == uOut {
		parent[uIn] = vIn
		pred[uIn] = s.inArc
		if uIn == s.source[s.inArc] {
			predDir[uIn] = dirUp
		} else {
			predDir[uIn] = dirDown
		}
		if thread[vIn] != uOut {
			after := thread[oldLastSucc]
			thread[oldRevThread] = after
			revThread[after] = oldRevThread
			after = thread[vIn]
			thread[vIn] = uOut
			revThread[uOut] = vIn
			thread[oldLastSucc] = after
			revThread[after] = oldLastSucc
		}
	} else {
		var threadContinue int32
		if oldRevThread == vIn {
			threadContinue = thread[oldLastSucc]
		} else {
			threadContinue = thread[vIn]
		}
		stem := uIn
		parStem := vIn
		last := lastSucc[uIn]
		after := thread[last]
		thread[vIn] = uIn
		dirty := append(s.dirty[:0], vIn)
		for stem != uOut {
			nextStem := parent[stem]
			thread[last] = nextStem
			dirty = append(dirty, last)

			before := revThread[stem]
			thread[before] = after
			revThread[after] = before

			parent[stem] = parStem
			parStem = stem
			stem = nextStem

			if lastSucc[stem] == lastSucc[parStem] {
				last = revThread[parStem]
			} else {
				last = lastSucc[stem]
			}
			after = thread[last]
		}
		parent[uOut] = parStem
		thread[last] = threadContinue
		revThread[threadContinue] = last
		lastSucc[uOut] = last

		if oldRevThread != vIn {
			thread[oldRevThread] = after
			revThread[after] = oldRevThread
		}
		for _, u := range dirty {
			revThread[thread[u]] = u
		}
		s.dirty = dirty

		var tmpSc int32
		tmpLs := lastSucc[uOut]
		for u, p := uOut, parent[uOut]; u != uIn; u, p = p, parent[p] {
			pred[u] = pred[p]
			predDir[u] = -predDir[p]
			tmpSc += succNum[u] - succNum[p]
			succNum[u] = tmpSc
			lastSucc[p] = tmpLs
		}
		pred[uIn] = s.inArc
		if uIn == s.source[s.inArc] {
			predDir[uIn] = dirUp
		} else {
			predDir[uIn] = dirDown
		}
		succNum[uIn] = oldSuccNum
	}

	upLimitOut := int32(-1)
	if lastSucc[join] == vIn {
		upLimitOut = join
	}
	lastSuccOut := lastSucc[uOut]
	for u := vIn; u != -1 && lastSucc[u] == vIn; u = parent[u] {
		lastSucc[u] = lastSuccOut
	}
	if join != oldRevThread && vIn != oldRevThread {
		for u := vOut; u != upLimitOut && lastSucc[u] == oldLastSucc; u = parent[u] {
			lastSucc[u] = oldRevThread
		}
	} else if lastSuccOut != oldLastSucc {
		for u := vOut; u != upLimitOut && lastSucc[u] == oldLastSucc; u = parent[u] {
			lastSucc[u] = lastSuccOut
		}
	}
	for u := vIn; u != join; u = parent[u] {
		succNum[u] += oldSuccNum
	}
	for u := vOut; u != join; u = parent[u] {
		succNum[u] -= oldSuccNum
	}
}

func (s *simplex) updatePotential() {
	uIn := s.uIn
	sigma := s.pi[s.vIn] - s.pi[uIn] - int64(s.predDir[uIn])*s.cost[s.inArc]
	pi, thread := s.pi, s.thread
	end := thread[s.lastSucc[uIn]]
	for u := uIn; u != end; u = thread[u] {
		pi[u] += sigma
	}
}

// pivot performs one pivot on s.inArc. It reports false if the cycle is
// unbounded (infinite capacity all around with negative cost).
func (s *simplex) pivot() bool {
	s.findJoinNode()
	change := s.findLeavingArc()
	if s.delta == Inf {
		return false
	}
	s.changeFlow(change)
	if change {
		s.updateTreeStructure()
		s.updatePotential()
	}
	s.pivots++
	return true
}

// reduced returns the signed reduced cost of arc e: negative means e can
// enter the basis with profit.
func (s *simplex) reduced(e int) int64 {
	return int64(s.state[e]) * (s.cost[e] + s.pi[s.source[e]] - s.pi[s.target[e]])
}

// initPricing sets up the pivot rule's state. Blocks hold blockFactor·√m
// arcs (LEMON uses 1; the transportation front end does better with
// smaller blocks), candidate lists 0.25·√m.
func (s *simplex) initPricing(rule PivotRule, blockFactor float64) {
	s.rule = rule
	s.nextArc = 0
	na := s.searchArcs
	s.blockSize = max(int(blockFactor*math.Sqrt(float64(na))), 10)
	s.listLength = max(int(0.25*math.Sqrt(float64(na))), 10)
	s.minorLimit = max(int(0.1*float64(s.listLength)), 3)
	s.candLen, s.minorCount = 0, 0
	s.cands = grow(s.cands, s.listLength)
}

// findEnteringArc selects the entering arc into s.inArc; false means the
// current tree is optimal.
func (s *simplex) findEnteringArc() bool {
	switch {
	case s.uncap && s.rule == CandidateList:
		return s.findCandidateUncap()
	case s.uncap:
		return s.findBlockUncap()
	case s.rule == CandidateList:
		return s.findCandidate()
	}
	return s.findBlock()
}

// The searches below sweep the arcs from nextArc to the end and then from
// the start to nextArc: one loop over the two sweeps. findBlock and
// findCandidate price by the arc's state; the Uncap variants are the same
// searches for networks without finite capacities, where the state is 1
// off the tree and the reduced cost is 0 on it, so they skip its load and
// multiply in the hottest loop of the solver (a shared loop parameterised
// by the pricing would call it through a dictionary, not inline it).

// findBlockUncap is findBlock for networks without finite capacities.
func (s *simplex) findBlockUncap() bool {
	na := s.searchArcs
	cost, pi := s.cost[:na], s.pi
	source, target := s.source[:na], s.target[:na]
	var best int64
	in := int32(-1)
	cnt := s.blockSize
	var e int
	for _, sweep := range [2][2]int{{s.nextArc, na}, {0, s.nextArc}} {
		for e = sweep[0]; e < sweep[1]; e++ {
			c := cost[e] + pi[source[e]] - pi[target[e]]
			if c < best {
				best = c
				in = int32(e)
			}
			if cnt--; cnt == 0 {
				if best < 0 {
					goto found
				}
				cnt = s.blockSize
			}
		}
	}
	if best >= 0 {
		return false
	}
found:
	s.inArc = in
	s.nextArc = e
	return true
}

// findCandidateUncap is findCandidate for networks without finite
// capacities.
func (s *simplex) findCandidateUncap() bool {
	na := s.searchArcs
	cost, pi := s.cost[:na], s.pi
	source, target := s.source[:na], s.target[:na]
	cands := s.cands[:s.listLength]
	var best int64
	in := int32(-1)
	if s.candLen > 0 && s.minorCount < s.minorLimit {
		s.minorCount++
		n := s.candLen
		for i := 0; i < n; i++ {
			e := cands[i]
			c := cost[e] + pi[source[e]] - pi[target[e]]
			if c < best {
				best = c
				in = e
			} else if c >= 0 {
				n--
				cands[i] = cands[n]
				i--
			}
		}
		s.candLen = n
		if best < 0 {
			s.inArc = in
			return true
		}
	}
	best = 0
	n := 0
	var e int
	for _, sweep := range [2][2]int{{s.nextArc, na}, {0, s.nextArc}} {
		for e = sweep[0]; e < sweep[1]; e++ {
			c := cost[e] + pi[source[e]] - pi[target[e]]
			if c < 0 {
				cands[n] = int32(e)
				n++
				if c < best {
					best = c
					in = int32(e)
				}
				if n == len(cands) {
					goto found
				}
			}
		}
	}
	s.candLen = n
	if n == 0 {
		return false
	}
found:
	s.candLen = n
	s.minorCount = 1
	s.nextArc = e
	s.inArc = in
	return true
}

func (s *simplex) findBlock() bool {
	na := s.searchArcs
	state, cost, pi := s.state[:na], s.cost[:na], s.pi
	source, target := s.source[:na], s.target[:na]
	var best int64
	in := int32(-1)
	cnt := s.blockSize
	var e int
	for _, sweep := range [2][2]int{{s.nextArc, na}, {0, s.nextArc}} {
		for e = sweep[0]; e < sweep[1]; e++ {
			c := int64(state[e]) * (cost[e] + pi[source[e]] - pi[target[e]])
			if c < best {
				best = c
				in = int32(e)
			}
			if cnt--; cnt == 0 {
				if best < 0 {
					goto found
				}
				cnt = s.blockSize
			}
		}
	}
	if best >= 0 {
		return false
	}
found:
	s.inArc = in
	s.nextArc = e
	return true
}

func (s *simplex) findCandidate() bool {
	na := s.searchArcs
	state, cost, pi := s.state[:na], s.cost[:na], s.pi
	source, target := s.source[:na], s.target[:na]
	cands := s.cands[:s.listLength]
	var best int64
	in := int32(-1)
	if s.candLen > 0 && s.minorCount < s.minorLimit {
		s.minorCount++
		n := s.candLen
		for i := 0; i < n; i++ {
			e := cands[i]
			c := int64(state[e]) * (cost[e] + pi[source[e]] - pi[target[e]])
			if c < best {
				best = c
				in = e
			} else if c >= 0 {
				n--
				cands[i] = cands[n]
				i--
			}
		}
		s.candLen = n
		if best < 0 {
			s.inArc = in
			return true
		}
	}
	best = 0
	n := 0
	var e int
	for _, sweep := range [2][2]int{{s.nextArc, na}, {0, s.nextArc}} {
		for e = sweep[0]; e < sweep[1]; e++ {
			c := int64(state[e]) * (cost[e] + pi[source[e]] - pi[target[e]])
			if c < 0 {
				cands[n] = int32(e)
				n++
				if c < best {
					best = c
					in = int32(e)
				}
				if n == len(cands) {
					goto found
				}
			}
		}
	}
	s.candLen = n
	if n == 0 {
		return false
	}
found:
	s.candLen = n
	s.minorCount = 1
	s.nextArc = e
	s.inArc = in
	return true
}
