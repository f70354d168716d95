package match

import (
	"context"
	"fmt"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/index"
)

// Certificate is the proof that a welfare or coverage plan is optimal: the
// dual price of every resource and demand of the network the final solve
// saw, and the result of checking them on the plan. With prices u ≥ 0 on
// resources and v ≥ 0 on demands, the plan is optimal when every candidate
// edge has u+v ≥ its value (reduced costs of the right sign), with
// equality where the plan sends quantity, a resource with capacity left has
// u = 0 and a demand with need left has v = 0 (complementary slackness):
// then no plan can score more, by linear-programming duality.
//
// An edge's value is its score in welfare (plus MaxScore+1 on a required
// slot of a project in the running) and, in coverage, Weight·Scale + score
// with Weight the demand's priority (plus MaxPriority on such a slot). A
// project that cannot launch takes nothing: its slots have need 0 in the
// network. So the certificate proves the plan optimal given the set of
// projects launched (see Statement).
type Certificate struct {
	Certified bool       `json:"certified"`           // the check passed on the final plan
	Statement string     `json:"statement"`           // what is proved
	Violation string     `json:"violation,omitempty"` // the first violated condition when not certified
	Settings  Settings   `json:"settings"`            // the settings the network was built with
	Scale     int64      `json:"scale,omitempty"`     // coverage: the M of Weight·M + score
	Resources []DualItem `json:"resources"`           // every resource of the network, by id
	Demands   []DualItem `json:"demands"`             // every demand of the network, by id
}

// DualItem is one node's dual price (0 where it is not listed).
type DualItem struct {
	ID   string `json:"id"`
	Dual int64  `json:"dual"`
}

// Statements of a certificate.
const (
	StatementOptimal         = "optimal"
	StatementOptimalProjects = "optimal given the launched set of projects"
)

// network is one solved transportation network: capacities, needs and
// each candidate edge's value, what a certificate is checked against.
type network struct {
	capR, need []int64
	r, d       []int32
	vals       []int64
}

// values returns the value of each edge of c under mode (see Certificate).
func edgeValues(in *instance, c *candidates, scores []int64, required []bool, mode Mode, scale int64) []int64 {
	vals := make([]int64, len(scores))
	for e, d := range c.D {
		switch mode {
		case Welfare:
			vals[e] = scores[e]
			if required[d] {
				vals[e] += matcher.MaxScore + 1
			}
		case Coverage:
			w := int64(in.demands[d].item.Priority)
			if required[d] {
				w += matcher.MaxPriority
			}
			vals[e] = w*scale + scores[e]
		}
	}
	return vals
}

// check verifies that flow is a feasible plan of n and that the prices u
// (resources) and v (demands) prove it optimal; it returns the first
// violated condition.
func (n *network) check(flow, u, v []int64, resID, demID func(int) string) error {
	used := make([]int64, len(n.capR))
	got := make([]int64, len(n.need))
	for e, f := range flow {
		if f < 0 {
			return fmt.Errorf("%s → %s: quantity %d < 0", resID(int(n.r[e])), demID(int(n.d[e])), f)
		}
		used[n.r[e]] += f
		got[n.d[e]] += f
	}
	if err := checkNodes("resource", resID, used, n.capR, u, "left", "left unused"); err != nil {
		return err
	}
	if err := checkNodes("demand", demID, got, n.need, v, "needed", "unmet"); err != nil {
		return err
	}
	for e, val := range n.vals {
		sum := u[n.r[e]] + v[n.d[e]]
		if sum < val {
			return fmt.Errorf("%s → %s: duals %d + %d below the edge's value %d (reduced cost of the wrong sign)", resID(int(n.r[e])), demID(int(n.d[e])), u[n.r[e]], v[n.d[e]], val)
		}
		if flow[e] > 0 && sum != val {
			return fmt.Errorf("%s → %s: quantity %d on an edge whose duals %d + %d exceed its value %d (complementary slackness)", resID(int(n.r[e])), demID(int(n.d[e])), flow[e], u[n.r[e]], v[n.d[e]], val)
		}
	}
	return nil
}

// checkNodes checks one side of a certificate (kind "resource" or
// "demand"): each node's quantity q within its bound, its dual not
// negative, and positive only on a node used in full (complementary
// slackness). left says what the bound leaves ("left", "needed"), idle
// what of it is not used ("left unused", "unmet").
func checkNodes(kind string, id func(int) string, q, bound, dual []int64, left, idle string) error {
	for i := range q {
		if q[i] > bound[i] {
			return fmt.Errorf("%s %s: %d proposed, only %d %s", kind, id(i), q[i], bound[i], left)
		}
		if dual[i] < 0 {
			return fmt.Errorf("%s %s: dual %d < 0", kind, id(i), dual[i])
		}
		if dual[i] > 0 && q[i] < bound[i] {
			return fmt.Errorf("%s %s: dual %d > 0 but %d of %d %s (complementary slackness)", kind, id(i), dual[i], bound[i]-q[i], bound[i], idle)
		}
	}
	return nil
}

// certify builds the certificate of the final solve of a run.
func (in *instance) certify(set Settings, n *network, flow, u, v []int64, scale int64, optimal, projects bool) *Certificate {
	c := &Certificate{Settings: set, Scale: scale, Statement: StatementOptimal,
		Resources: make([]DualItem, len(in.resources)), Demands: make([]DualItem, len(in.demands))}
	if projects {
		c.Statement = StatementOptimalProjects
	}
	for i := range in.resources {
		c.Resources[i] = DualItem{ID: in.resources[i].item.ID, Dual: u[i]}
	}
	for i := range in.demands {
		c.Demands[i] = DualItem{ID: in.demands[i].item.ID, Dual: v[i]}
	}
	if !optimal {
		c.Violation = "the deadline cut the solve: the plan is feasible, not proven best"
		return c
	}
	if err := n.check(flow, u, v, in.resID, in.demID); err != nil {
		c.Violation = err.Error()
		return c
	}
	c.Certified = true
	return c
}

func (in *instance) resID(i int) string { return in.resources[i].item.ID }
func (in *instance) demID(i int) string { return in.demands[i].item.ID }

// Verify checks a plan's certificate against the state r, rebuilding the
// meeting's network (instance, candidates, scores and edge values) from r
// with the certificate's settings, independently of the solver: the
// proposals must be candidate pairs within what is left, and the prices
// must prove them optimal (see Certificate). It returns nil when they do,
// else an error naming the first violated condition. r must be the state
// the plan was made on (plan.Seq): the caller checks that.
func Verify(ctx context.Context, r index.Reader, vocab *matcher.Vocabulary, plan *Result) error {
	cert := plan.Certificate
	if cert == nil {
		return fmt.Errorf("the plan carries no certificate (a %s plan has none)", plan.Mode)
	}
	set := cert.Settings
	if set.Mode != plan.Mode || (set.Mode != Welfare && set.Mode != Coverage) {
		return fmt.Errorf("the certificate is for mode %q, the plan %q", set.Mode, plan.Mode)
	}
	if err := set.Validate(); err != nil {
		return fmt.Errorf("the certificate's settings: %w", err)
	}
	scope, err := ResolveScope(r, plan.Meeting)
	if err != nil {
		return err
	}
	in := buildInstance(r, vocab, scope)
	in.minText = set.Relevance
	c := in.generate()
	w := set.Weights.list()
	scores := make([]int64, len(c.R))
	for e := range c.R {
		scores[e] = int64(scoreOf(c.Terms[e], w))
	}
	n := &network{capR: make([]int64, len(in.resources)), need: make([]int64, len(in.demands)), r: c.R, d: c.D}
	for i := range in.resources {
		n.capR[i] = max(0, in.resources[i].remaining)
	}
	blocked := map[string]bool{}
	for _, b := range plan.Blocked {
		blocked[b.Project] = true
	}
	required := make([]bool, len(in.demands))
	for i := range in.demands {
		it := in.demands[i].item
		n.need[i] = in.demands[i].remaining
		if it.Project != "" {
			if blocked[it.Project] {
				n.need[i] = 0
			} else if !it.Optional {
				required[i] = true
			}
		}
	}
	if cert.Scale < 0 || (set.Mode == Coverage && cert.Scale == 0) {
		return fmt.Errorf("the certificate's scale %d is not a coverage scale", cert.Scale)
	}
	n.vals = edgeValues(in, c, scores, required, set.Mode, cert.Scale)
	// The plan's quantities on the rebuilt edges.
	edge := map[Pair]int{}
	for e := range c.R {
		edge[Pair{in.resID(int(c.R[e])), in.demID(int(c.D[e]))}] = e
	}
	flow := make([]int64, len(c.R))
	var welfare int64
	for _, p := range plan.Proposals {
		e, ok := edge[Pair{p.Resource, p.Demand}]
		if !ok {
			return fmt.Errorf("proposal %s → %s is not a candidate pair of meeting %s at store index %d", p.Resource, p.Demand, plan.Meeting, plan.Seq)
		}
		if p.Score != int(scores[e]) {
			return fmt.Errorf("proposal %s → %s: score %d, the rebuilt network scores it %d", p.Resource, p.Demand, p.Score, scores[e])
		}
		flow[e] += p.Quantity
		welfare += p.Quantity * scores[e]
	}
	prices := func(list []DualItem, ids func(int) string, m int, what string) ([]int64, error) {
		at := map[string]int64{}
		for _, x := range list {
			if _, dup := at[x.ID]; dup {
				return nil, fmt.Errorf("the certificate prices %s %s twice", what, x.ID)
			}
			at[x.ID] = x.Dual
		}
		out := make([]int64, m)
		for i := range out {
			out[i] = at[ids(i)]
		}
		return out, nil
	}
	u, err := prices(cert.Resources, in.resID, len(in.resources), "resource")
	if err != nil {
		return err
	}
	v, err := prices(cert.Demands, in.demID, len(in.demands), "demand")
	if err != nil {
		return err
	}
	if err := n.check(flow, u, v, in.resID, in.demID); err != nil {
		return err
	}
	if welfare != plan.Totals.Welfare {
		return fmt.Errorf("totals: welfare %d, the proposals sum to %d", plan.Totals.Welfare, welfare)
	}
	return nil
}

// CertificateSummary is what a proposal run tells of its plan's
// certificate: whether it passed, what it proves, and how many prices it
// holds; the whole certificate is read with the plan (service.MeetingPlan).
type CertificateSummary struct {
	Certified bool   `json:"certified"`
	Statement string `json:"statement"`
	Violation string `json:"violation,omitempty"`
	Resources int    `json:"resources"` // resources priced
	Demands   int    `json:"demands"`   // demands priced
}

// Summary returns the summary of c (nil for nil).
func (c *Certificate) Summary() *CertificateSummary {
	if c == nil {
		return nil
	}
	return &CertificateSummary{Certified: c.Certified, Statement: c.Statement, Violation: c.Violation,
		Resources: len(c.Resources), Demands: len(c.Demands)}
}
