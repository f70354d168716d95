package match

import "github.com/allymatch/allymatch/matcher"

// top is the best and second-best candidate edge of a demand (-1: none).
type top struct{ first, second int32 }

// explain fills res with the proposals (score breakdown, runner-up) of
// flowOut, the unmet demands (with reasons), the blocked projects and the
// totals.
func (r *run) explain(res *Result, flowOut []int64) {
	in, c, scores, w, need, sc := r.in, r.cands, r.scores, r.w, r.need, r.sc
	blockedBy, projects := r.blockedBy, r.projects
	// Best and second-best candidate per demand, by score then resource id
	// (resources are sorted by id, so the lower index wins a tie); kept in
	// sc while its candidates and scores stay the same.
	if !r.sameTops {
		sc.tops, sc.ncand = sized(sc.tops, len(in.demands)), sized(sc.ncand, len(in.demands))
		for i := range sc.tops {
			sc.tops[i] = top{-1, -1}
			sc.ncand[i] = 0
		}
		better := func(e, f int32) bool { // is edge e better than f?
			if f < 0 {
				return true
			}
			if scores[e] != scores[f] {
				return scores[e] > scores[f]
			}
			return c.R[e] < c.R[f]
		}
		for e := range c.R {
			d := c.D[e]
			sc.ncand[d]++
			t := &sc.tops[d]
			switch {
			case better(int32(e), t.first):
				t.second, t.first = t.first, int32(e)
			case better(int32(e), t.second):
				t.second = int32(e)
			}
		}
	}
	sc.topsOf = sc.of
	tops, ncand := sc.tops, sc.ncand
	met := make([]int64, len(in.demands))
	// The proposals, their breakdowns, distances and runners-up, each in
	// one array of the exact size.
	n := 0
	for _, f := range flowOut {
		if f > 0 {
			n++
		}
	}
	res.Proposals = make([]Proposal, 0, n)
	terms := make([]matcher.ScoreTerm, n*nTerms)
	var kms []float64
	var runners []RunnerUp
	for e, f := range flowOut {
		if f <= 0 {
			continue
		}
		d, r := &in.demands[c.D[e]], &in.resources[c.R[e]]
		met[c.D[e]] += f
		k := len(res.Proposals)
		p := Proposal{
			Resource: r.item.ID, Demand: d.item.ID, ResourceUnit: r.unit.ID, DemandUnit: d.unit.ID,
			Category: d.item.Category, Quantity: f, Score: int(scores[e]),
			Breakdown: breakdownInto(terms[k*nTerms:(k+1)*nTerms:(k+1)*nTerms], c.Terms[e], w),
		}
		if c.KM[e] >= 0 {
			if kms == nil {
				kms = make([]float64, 0, n-k)
			}
			kms = append(kms, float64(int(float64(c.KM[e])*100+0.5))/100)
			p.DistanceKM = &kms[len(kms)-1]
		}
		t := tops[c.D[e]]
		ru := t.first
		if ru == int32(e) {
			ru = t.second
		}
		if ru >= 0 {
			if runners == nil {
				runners = make([]RunnerUp, 0, n-k)
			}
			rr := &in.resources[c.R[ru]]
			runners = append(runners, RunnerUp{Resource: rr.item.ID, Unit: rr.unit.ID, Score: int(scores[ru])})
			p.RunnerUp = &runners[len(runners)-1]
		}
		res.Proposals = append(res.Proposals, p)
		res.Totals.Quantity += f
		res.Totals.Welfare += f * scores[e]
	}
	// Edges are ordered by demand then resource: proposals come out sorted.
	res.Totals.Proposals = len(res.Proposals)
	res.Totals.MetByPriority = map[int][2]int64{}
	unmet := 0
	for di := range in.demands {
		if met[di] < need[di] {
			unmet++
		}
	}
	if unmet > 0 {
		res.Unmet = make([]Unmet, 0, unmet)
	}
	for di := range in.demands {
		d := &in.demands[di]
		res.Totals.Need += need[di]
		res.Totals.Met += met[di]
		mp := res.Totals.MetByPriority[d.item.Priority]
		mp[0] += met[di]
		mp[1] += need[di]
		res.Totals.MetByPriority[d.item.Priority] = mp
		if met[di] >= need[di] {
			continue
		}
		u := Unmet{Demand: d.item.ID, Unit: d.unit.ID, Category: d.item.Category, Need: need[di], Met: met[di], Candidates: ncand[di]}
		switch {
		case d.item.Project != "" && blockedBy[d.item.Project] != "":
			u.Reason, u.Project, u.BlockedBy = ReasonProjectBlocked, d.item.Project, blockedBy[d.item.Project]
		case ncand[di] > 0:
			u.Reason = ReasonOutcompeted
		default:
			u.Reason, u.Rules = in.whyNot(d)
		}
		res.Unmet = append(res.Unmet, u)
	}
	res.Totals.UnmetDemands = len(res.Unmet)
	for _, p := range projects {
		if s := blockedBy[p]; s != "" {
			res.Blocked = append(res.Blocked, Blocked{Project: p, Slot: s})
		}
	}
	res.Totals.BlockedProject = len(res.Blocked)
	if res.Proposals == nil {
		res.Proposals = []Proposal{}
	}
	if res.Unmet == nil {
		res.Unmet = []Unmet{}
	}
}

// whyNot looks at the resources near d (radius widened) of compatible
// categories and counts every rule that excludes each of them. The rules
// on what the items are for are asked of pairs that pass the others, as
// candidate rows do (reading the texts costs the most), the measure
// excepted, which is always asked.
func (in *instance) whyNot(d *party) (string, map[string]int) {
	rules := map[string]int{}
	p := in.checker(d)
	wide := 0.0
	if d.hasLoc {
		wide = max(3*d.item.RadiusKM, 10)
	}
	area := in.areaOf(d, wide, p.v.near)
	found := in.nearby(&area, nil)
	var broken []string
	for _, ri := range found {
		broken = p.with(&in.resources[ri], ri).appendBroken(broken[:0], placement)
		if len(broken) == 0 {
			broken = p.appendBroken(broken, fit)
		} else if p.breaks(RuleMeasure) {
			broken = append(broken, RuleMeasure)
		}
		if len(broken) == 0 {
			// Near only by the widened radius: the distance is the rule.
			broken = append(broken, RuleDistance)
		}
		for _, b := range broken {
			rules[b]++
		}
	}
	if len(found) == 0 {
		any := false
		for _, cat := range in.vocab.MetBy(d.item.Category) {
			if in.buckets[cat] != nil {
				any = true
			}
		}
		if !any {
			return ReasonNoResource, nil
		}
		rules[RuleDistance]++ // resources exist in scope, all far away
	}
	return ReasonNoCandidate, rules
}
