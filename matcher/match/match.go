// Package match turns the index into proposed claims for one joint
// meeting: it gathers the open items in the meeting's scope, generates the
// candidate pairs that pass the hard rules (from the index and spatial
// buckets, never all pairs), scores them, solves exactly, and explains
// every proposal and every unmet demand.
//
// The pipeline, cheap stages first:
//
//	scope      the meeting's alliance and everything below it; items at its level
//	instance   open items with what is left after confirmed claims
//	candidates per demand: compatible categories → nearby cells or grids →
//	           same unit, quantity, distance/grid, window, rejected pair
//	scores     named terms, weighted (Weights), 0..1000
//	solve      welfare / coverage (flow.SolveTransport) or stable (deferred acceptance)
//	projects   a project whose required slots are not all filled takes nothing;
//	           re-solve without it until no project is blocked
//	explain    breakdown and runner-up per proposal; reasons per unmet demand
package match

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/flow"
	"github.com/allymatch/allymatch/matcher/index"
	"github.com/allymatch/allymatch/matcher/stable"
)

// Mode is the objective of a solve.
type Mode string

// The objectives; each is solved exactly.
const (
	Welfare  Mode = "welfare"  // maximise Σ score × quantity
	Coverage Mode = "coverage" // maximise met quantity weighted by priority, then score
	Stable   Mode = "stable"   // two-sided stable matching: no pair would both rather have each other
)

// Settings configure a run.
type Settings struct {
	Mode    Mode    `json:"mode"`
	Weights Weights `json:"weights"`
	// Relevance is how alike the texts of a candidate pair must be.
	Relevance Relevance `json:"relevance"`
}

// Relevance sets the relevance rule: the least text similarity (the text
// term, 0..1000) of a candidate pair. A pair across a serves link of
// category strength s needs Link·(1000−s)/500 — Link at the default link
// strength 500, less for a stronger link (a volunteer team is a fair
// escort at strength 800 with 2/5 of it) — and a pair of one category
// needs Same. A pair below it is not a candidate, and why-not names the
// rule "relevance".
//
// Ratio sets a bar relative to the demand's best candidate: a pair whose
// text similarity is below Ratio percent of the best similarity among the
// demand's candidates (those that pass the rules above) is not a candidate
// either (rule "relevance"): a resource far less alike than the best one
// is not proposed even when the best one runs out. For this bar, with three
// candidates or more, the grams every candidate shares with the demand are
// left out: they say nothing about which one fits (道德积分兑换 among the
// offers of a points bank).
type Relevance struct {
	Link  int `json:"link"`  // 0..1000
	Same  int `json:"same"`  // 0..1000
	Ratio int `json:"ratio"` // 0..100 (percent)
}

// Bar is the least text similarity of a candidate of a demand whose best
// candidate's similarity is best.
func (r Relevance) Bar(best int) int {
	return (best*r.Ratio + 99) / 100
}

// DefaultRelevance is the default Settings.Relevance: a pair across a
// link of the default strength must be 100 alike, a pair of one category
// 20 (texts that share nothing are not proposed); a candidate needs 40% of
// the demand's best.
var DefaultRelevance = Relevance{Link: 100, Same: 20, Ratio: 40}

// Need is the least text similarity of a pair of category strength s
// (matcher.Vocabulary.Strength).
func (r Relevance) Need(s int) int {
	if s >= matcher.MaxStrength {
		return r.Same
	}
	return (r.Link*(matcher.MaxStrength-s) + matcher.DefaultServeStrength - 1) / (matcher.MaxStrength - matcher.DefaultServeStrength)
}

// DefaultSettings: welfare with the default weights and relevance.
func DefaultSettings() Settings {
	return Settings{Mode: Welfare, Weights: DefaultWeights, Relevance: DefaultRelevance}
}

// Validate checks the mode and the weights.
func (s Settings) Validate() error {
	var p matcher.Problems
	switch s.Mode {
	case Welfare, Coverage, Stable:
	default:
		p.Add("mode", "must be welfare, coverage or stable, got %q", s.Mode)
	}
	p.AddErr("", s.Weights.Validate())
	if s.Relevance.Link < 0 || s.Relevance.Link > 1000 {
		p.Add("relevance.link", "must be between 0 and 1000, got %d", s.Relevance.Link)
	}
	if s.Relevance.Same < 0 || s.Relevance.Same > 1000 {
		p.Add("relevance.same", "must be between 0 and 1000, got %d", s.Relevance.Same)
	}
	if s.Relevance.Ratio < 0 || s.Relevance.Ratio > 100 {
		p.Add("relevance.ratio", "must be between 0 and 100, got %d", s.Relevance.Ratio)
	}
	return p.Err()
}

// RunnerUp is the best other resource a proposal's demand could have had.
type RunnerUp struct {
	Resource string `json:"resource"`
	Unit     string `json:"unit"`
	Score    int    `json:"score"`
}

// Proposal is one proposed claim with its explanation.
type Proposal struct {
	Resource     string              `json:"resource"`
	Demand       string              `json:"demand"`
	ResourceUnit string              `json:"resource_unit"`
	DemandUnit   string              `json:"demand_unit"`
	Category     string              `json:"category"`
	Quantity     int64               `json:"quantity"`
	Score        int                 `json:"score"`
	DistanceKM   *float64            `json:"distance_km,omitempty"`
	Breakdown    []matcher.ScoreTerm `json:"breakdown"`
	RunnerUp     *RunnerUp           `json:"runner_up,omitempty"`
}

// Reasons an unmet demand gives.
const (
	ReasonNoCandidate    = "no_candidate"    // no resource passes the hard rules; Rules counts why near ones fail
	ReasonNoResource     = "no_resource"     // no open resource of a compatible category in scope at this level
	ReasonOutcompeted    = "outcompeted"     // candidates exist, but their quantity went where it scores more
	ReasonProjectBlocked = "project_blocked" // the slot's project cannot fill a required slot, so it takes nothing
)

// Unmet is a demand left (partly) unmet, with why.
type Unmet struct {
	Demand     string         `json:"demand"`
	Unit       string         `json:"unit"`
	Category   string         `json:"category"`
	Need       int64          `json:"need"` // remaining before this solve
	Met        int64          `json:"met"`  // proposed by this solve
	Candidates int            `json:"candidates"`
	Reason     string         `json:"reason"`
	Rules      map[string]int `json:"rules,omitempty"`   // near resources excluded, by rule
	Project    string         `json:"project,omitempty"` // for project_blocked
	BlockedBy  string         `json:"blocked_by,omitempty"`
}

// Blocked is a project that cannot launch: a required slot stays unfilled.
type Blocked struct {
	Project string `json:"project"`
	Slot    string `json:"slot"` // the first required slot (by id) left unfilled
}

// Totals sum up a result.
type Totals struct {
	Proposals      int              `json:"proposals"`
	Quantity       int64            `json:"quantity"`
	Welfare        int64            `json:"welfare"` // Σ score × quantity
	Need           int64            `json:"need"`    // remaining demand before the solve
	Met            int64            `json:"met"`
	MetByPriority  map[int][2]int64 `json:"met_by_priority"` // priority -> [met, need]
	UnmetDemands   int              `json:"unmet_demands"`
	BlockedProject int              `json:"blocked_projects"`
}

// Stats describe the work a run did.
type Stats struct {
	Demands    int           `json:"demands"`
	Resources  int           `json:"resources"`
	Edges      int           `json:"edges"`
	Components int           `json:"components"`
	Pivots     int           `json:"pivots"`
	Solves     int           `json:"solves"`
	Candidates time.Duration `json:"candidates_ns"`
	Solve      time.Duration `json:"solve_ns"`
}

// Result is the outcome of one run.
type Result struct {
	Meeting   string        `json:"meeting"`
	Level     matcher.Level `json:"level"`
	Mode      Mode          `json:"mode"`
	Seq       uint64        `json:"seq"`     // the store index of the state matched (service.ProposeBy: where its proposals were stored)
	Optimal   bool          `json:"optimal"` // false: the deadline cut the solve; the plan is feasible, not proven best
	Proposals []Proposal    `json:"proposals"`
	Unmet     []Unmet       `json:"unmet"`
	Blocked   []Blocked     `json:"blocked,omitempty"`
	Totals    Totals        `json:"totals"`
	// Certificate proves a welfare or coverage plan optimal (nil for
	// stable plans, which carry BlockingPairs instead).
	Certificate *Certificate `json:"certificate,omitempty"`
	// BlockingPairs counts, for a stable plan, the candidate pairs that
	// block it, checked after the project step on the final network with
	// its quantities and capacities (0: stable); Blocking lists them.
	BlockingPairs *int           `json:"blocking_pairs,omitempty"`
	Blocking      []BlockingPair `json:"blocking,omitempty"`
	Stats         Stats          `json:"stats"`
}

// Run matches the meeting held by alliance meeting on the state r.
func Run(ctx context.Context, r index.Reader, vocab *matcher.Vocabulary, meeting string, set Settings) (*Result, error) {
	return runShared(ctx, r, vocab, meeting, set, nil)
}

// runInstance solves a built instance (Run, and the what-if overlays of
// WhyNot and Alternatives, which change the instance before the solve).
func runInstance(ctx context.Context, in *instance, set Settings, start time.Time) (*Result, error) {
	in.minText = set.Relevance
	return newRun(in, in.generate(), set, start).do(ctx)
}

// scratch is memory the runs of a Session reuse: nothing of it reaches a
// Result. (Every byte a run allocates costs about as much again in
// collector work marking the index, which the live heap is mostly made of.)
type scratch struct {
	cands    candidates
	scores   []int64
	required []int64 // welfare scores with required slots lifted

	tops  []top // explain's best two edges per demand
	ncand []int // and number of candidates

	of     *sessionState // the state whose rows cands holds
	topsOf *sessionState // the state whose candidates and scores tops and ncand are of (nil: none)
}

// sized returns buf resized to n, reusing its memory when it can.
func sized[T any](buf []T, n int) []T {
	if cap(buf) < n {
		return make([]T, n)
	}
	return buf[:n]
}

// run is one solve of an instance's candidates: what the project step,
// the solves and the explanations share.
type run struct {
	in    *instance
	cands *candidates
	set   Settings
	w     [nTerms]int
	start time.Time
	cache *flow.Cache // a Session's incremental solves (nil: none)
	sc    *scratch    // memory reused across runs (a Session's; else the run's own)

	// What the run takes from sc as it is, decided in one place (reuse).
	sameScores bool // sc.scores are those of cands
	sameTops   bool // sc.tops and sc.ncand are those of cands and the scores

	scores     []int64
	capR, need []int64
	slots      map[string][]int  // project → its slot demands, by index
	projects   []string          // sorted
	blockedBy  map[string]string // project → the required slot it cannot fill
}

// newRun returns the run of cands, the candidates of in, with scratch of
// its own.
func newRun(in *instance, cands *candidates, set Settings, start time.Time) *run {
	return &run{in: in, cands: cands, set: set, w: set.Weights.list(), start: start, sc: &scratch{}}
}

// reuse makes the run solve with the Session's cache and memory: same
// tells whether cands are the very candidates of the run before, of the
// state prev, whose scores and explanations' tops sc may still hold.
func (r *run) reuse(cache *flow.Cache, sc *scratch, same bool, prev *sessionState) *run {
	r.cache, r.sc = cache, sc
	r.sameScores = same
	r.sameTops = same && prev != nil && sc.topsOf == prev && len(sc.tops) == len(r.in.demands)
	sc.topsOf = nil // until explain makes them again
	return r
}

// do solves the run: scores, the project step (re-solving without the
// projects that cannot launch), the explanations and the certificate.
func (r *run) do(ctx context.Context) (*Result, error) {
	in, cands, sc, set := r.in, r.cands, r.sc, r.set
	scope := in.scope
	res := &Result{Meeting: scope.Meeting, Level: scope.Level, Mode: set.Mode, Seq: in.r.Meta().Seq, Optimal: true}
	res.Stats = Stats{Demands: len(in.demands), Resources: len(in.resources), Edges: len(cands.R), Candidates: time.Since(r.start)}

	if !r.sameScores {
		sc.scores = sized(sc.scores, len(cands.R))
		for e := range cands.R {
			sc.scores[e] = int64(scoreOf(cands.Terms[e], r.w))
		}
	}
	r.scores = sc.scores
	r.capR = make([]int64, len(in.resources))
	for i := range in.resources {
		r.capR[i] = max(0, in.resources[i].remaining)
	}
	r.need = make([]int64, len(in.demands))
	for i := range in.demands {
		r.need[i] = in.demands[i].remaining
	}
	r.findProjects(ctx)

	solveStart := time.Now()
	var last solved
	var lastNeed []int64
	var lastRequired []bool
	for {
		needNow := slices.Clone(r.need)
		required := make([]bool, len(in.demands))
		for _, p := range r.projects {
			for _, di := range r.slots[p] {
				if r.blockedBy[p] != "" {
					needNow[di] = 0
				} else if !in.demands[di].item.Optional {
					required[di] = true
				}
			}
		}
		sv, err := r.solve(ctx, needNow, required)
		if err != nil {
			return nil, err
		}
		res.Stats.Solves++
		res.Stats.Pivots += sv.st.Pivots
		res.Stats.Components = sv.st.Components
		res.Optimal = res.Optimal && sv.optimal
		last, lastNeed, lastRequired = sv, needNow, required
		if !r.blockShort(sv.flow) {
			break
		}
	}
	res.Stats.Solve = time.Since(solveStart)
	r.explain(res, last.flow)
	if set.Mode == Welfare || set.Mode == Coverage {
		n := &network{capR: r.capR, need: lastNeed, r: cands.R, d: cands.D,
			vals: edgeValues(in, cands, r.scores, lastRequired, set.Mode, last.scale)}
		res.Certificate = in.certify(set, n, last.flow, last.u, last.v, last.scale, last.optimal, len(r.projects) > 0)
	}
	if set.Mode == Stable && last.sp != nil {
		// Checked on the network of the final solve, after the project
		// step: a project that cannot launch has slots that need nothing.
		bp := in.blockingPairs(last.sp, cands, last.flow)
		n := len(bp)
		res.BlockingPairs, res.Blocking = &n, bp
	}
	return res, nil
}

// findProjects fills the run's projects with their slot demands, and
// blocks before any solve those that cannot launch: a required slot (at
// another level, or closed) not in this instance and not yet held in full,
// or required slots that cannot be filled even with every resource to the
// project.
func (r *run) findProjects(ctx context.Context) {
	in := r.in
	r.slots = map[string][]int{}
	for di := range in.demands {
		if p := in.demands[di].item.Project; p != "" {
			r.slots[p] = append(r.slots[p], di)
		}
	}
	r.projects = make([]string, 0, len(r.slots))
	for p := range r.slots {
		r.projects = append(r.projects, p)
	}
	slices.Sort(r.projects)
	r.blockedBy = map[string]string{}
	for _, p := range r.projects {
		if slot := in.missingRequiredSlot(p); slot != "" {
			r.blockedBy[p] = slot
		}
	}
	if len(r.projects) == 0 {
		return
	}
	// Edges by demand: candidates are ordered by demand, so demand d's are
	// first[d] up to first[d+1].
	first := make([]int32, len(in.demands)+1)
	for _, d := range r.cands.D {
		first[d+1]++
	}
	for d := range in.demands {
		first[d+1] += first[d]
	}
	for _, p := range r.projects {
		if r.blockedBy[p] == "" {
			r.blockedBy[p] = r.unfillable(ctx, r.slots[p], first)
		}
	}
}

// blockShort blocks every project still in the running that flow leaves a
// required slot of short, and reports whether it blocked any (the run
// solves again without them).
func (r *run) blockShort(flow []int64) bool {
	got := make([]int64, len(r.in.demands))
	for e, f := range flow {
		got[r.cands.D[e]] += f
	}
	changed := false
	for _, p := range r.projects {
		if r.blockedBy[p] != "" {
			continue
		}
		for _, di := range r.slots[p] { // sorted by item id, as demands are
			if d := &r.in.demands[di]; !d.item.Optional && got[di] < r.need[di] {
				r.blockedBy[p] = d.item.ID
				changed = true
				break
			}
		}
	}
	return changed
}

// missingRequiredSlot returns a required slot of project p that this
// instance cannot fill: one not open at this level in scope, not yet
// reserved in full by claims.
func (in *instance) missingRequiredSlot(p string) string {
	for it := range in.r.Slots(p) {
		if it.Optional {
			continue
		}
		if Reserved(in.r, it, in.scope.Meeting) >= it.Quantity {
			continue
		}
		if it.Status != matcher.ItemOpen || it.Level != in.scope.Level || !in.scope.HasUnit(it.Unit) {
			return it.ID
		}
	}
	return ""
}

// unfillable returns the first required slot (by id) of a project that
// cannot be filled even if the project had every resource to itself, or ""
// when all can be.
func (r *run) unfillable(ctx context.Context, slotDemands []int, first []int32) string {
	in, c, scores, need := r.in, r.cands, r.scores, r.need
	t := &flow.Transport{Cap: r.capR, Need: make([]int64, len(need))}
	var total int64
	for _, di := range slotDemands {
		if in.demands[di].item.Optional {
			continue
		}
		t.Need[di] = need[di]
		total += need[di]
		for e := first[di]; e < first[di+1]; e++ {
			t.R = append(t.R, c.R[e])
			t.D = append(t.D, c.D[e])
			t.Score = append(t.Score, scores[e])
		}
	}
	out, err := flow.SolveTransport(ctx, t, flow.Options{Objective: flow.Coverage, Workers: 1})
	if err != nil || out.Covered >= total {
		return ""
	}
	got := make([]int64, len(need))
	for e, f := range out.Flow {
		got[t.D[e]] += f
	}
	for _, di := range slotDemands {
		if !in.demands[di].item.Optional && got[di] < need[di] {
			return in.demands[di].item.ID
		}
	}
	return ""
}

type solveStats struct{ Pivots, Components int }

// solved is what one solve returns: the flow per edge, and for welfare and
// coverage the dual prices (u per resource, v per demand) and the coverage
// scale.
type solved struct {
	flow    []int64
	u, v    []int64
	scale   int64
	optimal bool
	st      solveStats
	sp      *stable.Problem // stable: the problem solved
}

// solve runs the objective of set on the candidate graph. Demands marked
// required (required slots of projects still in the running) come first:
// in welfare their edges score above any other edge, in coverage their
// weight is above any priority, so that a project is blocked only when its
// slots cannot all be filled next to the other projects. Stable matching
// keeps each side's own ranking and has no such preference.
func (r *run) solve(ctx context.Context, need []int64, required []bool) (solved, error) {
	set, in, c, scores, cache, sc := r.set, r.in, r.cands, r.scores, r.cache, r.sc
	t := &flow.Transport{Cap: r.capR, Need: need, R: c.R, D: c.D, Score: scores}
	switch set.Mode {
	case Welfare, Coverage:
		opt := flow.Options{Objective: flow.Welfare}
		if set.Mode == Welfare && slices.Contains(required, true) {
			sc.required = sized(sc.required, len(scores))
			copy(sc.required, scores)
			t.Score = sc.required
			for e, d := range c.D {
				if required[d] {
					t.Score[e] += matcher.MaxScore + 1
				}
			}
		}
		if set.Mode == Coverage {
			opt.Objective = flow.Coverage
			t.Weight = make([]int64, len(in.demands))
			for i := range in.demands {
				t.Weight[i] = int64(in.demands[i].item.Priority)
				if required[i] {
					t.Weight[i] += matcher.MaxPriority
				}
			}
		}
		solveT := flow.SolveTransport
		if cache != nil {
			solveT = cache.SolveTransport
		}
		out, err := solveT(ctx, t, opt)
		if err != nil {
			return solved{}, fmt.Errorf("match: %w", err)
		}
		return solved{flow: out.Flow, u: out.ResourceDual, v: out.DemandDual, scale: out.Scale, optimal: out.Optimal,
			st: solveStats{Pivots: out.Pivots, Components: out.Components}}, nil
	case Stable:
		f, ok, p, comps, err := solveStable(ctx, c, set.Weights, r.capR, need)
		return solved{flow: f, optimal: ok, sp: p, st: solveStats{Components: comps}}, err
	}
	return solved{}, matcher.FieldError("mode", "unknown mode %q", set.Mode)
}
