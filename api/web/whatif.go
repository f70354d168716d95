package web

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/bundle"
	"github.com/allymatch/allymatch/matcher/index"
	"github.com/allymatch/allymatch/matcher/match"
	"github.com/allymatch/allymatch/matcher/scenario"
	"github.com/allymatch/allymatch/matcher/service"
)

type scenariosKey struct{}

// WithScenarios returns ctx carrying the API server's scenario manager: the
// server puts it on the requests it hands to the pages, so that the what-if
// form and the API share one manager.
func WithScenarios(ctx context.Context, m *scenario.Manager) context.Context {
	return context.WithValue(ctx, scenariosKey{}, m)
}

// ownScenarios is the pages' own manager when the server gave none (the
// pages served on their own).
var ownScenarios = sync.OnceValue(scenario.NewManager)

// scenariosOf returns the scenario manager of a request.
func scenariosOf(r *http.Request) *scenario.Manager {
	if m, ok := r.Context().Value(scenariosKey{}).(*scenario.Manager); ok && m != nil {
		return m
	}
	return ownScenarios()
}

// scenarios returns the caller's view of the store now and, through it,
// the scenarios of the request's manager.
func (s *site) scenarios(c echo.Context) (*service.View, service.Scenarios) {
	v := s.Service().View(actorOf(c))
	return v, v.Scenarios(scenariosOf(c.Request()))
}

// option is one choice of a select.
type option struct{ Value, Label string }

// whatIfForm is the what-if form of a meeting's dashboard: what was sent,
// the error when it was refused, and for a field whose text matched
// several items or units, those to choose from. The items and units are
// search fields (an id, or words of a title or name): a meeting of 1,000
// units has thousands of items, too many for a select.
type whatIfForm struct {
	Weights []weightField
	Ops     []opChoice        // the operations of "one more edit"
	Groups  []opGroup         // and its inputs
	Windows []windowRow       // its time windows as typed
	Kinds   []option          // the unit kinds the desk has words for
	Values  map[string]string // the form as sent
	Field   string            // the form field at fault
	Error   string
	Picks   map[string][]option
	// The words OpFields writes (whatif.pick, whatif.window.from, .to).
	pickText, fromText, toText string
}

type weightField struct {
	Name    string
	Default int
}

func (f *whatIfForm) V(name string) string { return f.Values[name] }

// Pick is the choices of a field whose text matched several records.
func (f *whatIfForm) Pick(name string) []option { return f.Picks[name] }

// OpBad reports whether the field at fault is one of "one more edit".
func (f *whatIfForm) OpBad() bool { return strings.HasPrefix(f.Field, "op") }

// whatIfOf is the empty what-if form of meeting id.
func whatIfOf(n names, id string) *whatIfForm {
	f := &whatIfForm{Values: map[string]string{}, Picks: map[string][]option{}, Ops: opChoices(n.lang),
		Groups: opGroupsOf(n.lang, n.v.Vocab()), Windows: []windowRow{{}, {}},
		pickText: n.lang.T("whatif.pick"), fromText: n.lang.T("whatif.window.from"), toText: n.lang.T("whatif.window.to")}
	if al, err := n.v.Reader().Alliance(id); err == nil {
		f.Values["op_item_level"] = string(al.Level)
	}
	for _, k := range unitKinds {
		f.Kinds = append(f.Kinds, option{k, n.lang.T("unitkind." + k)})
	}
	for _, t := range match.Terms {
		f.Weights = append(f.Weights, weightField{t, weightOf(match.DefaultWeights, t)})
	}
	return f
}

// maxPicks bounds the matches a what-if field offers to choose from.
const maxPicks = 10

// picker resolves what was typed in a what-if field to one id of the
// meeting's scope: an id itself, or words that match exactly one open
// item at the meeting's level (one unit of its scope). Several matches
// are offered to choose from (at most maxPicks).
type picker struct {
	s       *site
	c       echo.Context
	meeting *matcher.Alliance
	n       names
	picks   map[string][]option
}

// item resolves an item field.
func (p *picker) item(field, typed string) (string, error) {
	a := actorOf(p.c)
	if it, err := p.n.v.Item(typed); err == nil {
		return it.ID, nil
	}
	pg, err := p.s.Service().MeetingItems(a, p.meeting.ID, service.ItemQuery{Text: typed, Status: matcher.ItemOpen, Level: p.meeting.Level, Page: service.Page{Limit: maxPicks + 1}})
	if err != nil {
		return "", err
	}
	var opts []option
	for _, r := range pg.Items[:min(len(pg.Items), maxPicks)] {
		it := r.Item
		opts = append(opts, option{it.ID, fmt.Sprintf("%s %s（%s）%d%s", it.ID, it.Title, p.n.Unit(it.Unit), it.Quantity, it.Measure)})
	}
	return p.one(field, typed, pg.Total, opts)
}

// unit resolves a unit field.
func (p *picker) unit(field, typed string) (string, error) {
	a := actorOf(p.c)
	if u := p.n.v.Reader().UnitRaw(typed); u != nil && p.n.v.CanSeeUnit(u.ID) {
		return u.ID, nil
	}
	pg, err := p.s.Service().MeetingUnits(a, p.meeting.ID, service.UnitQuery{Text: typed, Page: service.Page{Limit: maxPicks + 1}})
	if err != nil {
		return "", err
	}
	var opts []option
	for _, r := range pg.Units[:min(len(pg.Units), maxPicks)] {
		opts = append(opts, option{r.Unit.ID, r.Unit.ID + " " + r.Unit.Name})
	}
	return p.one(field, typed, pg.Total, opts)
}

// one returns the one match, or an error at field that offers the
// matches to choose from.
func (p *picker) one(field, typed string, total int, opts []option) (string, error) {
	l := p.n.lang
	switch {
	case total == 1:
		return opts[0].Value, nil
	case total == 0:
		return "", &formError{field, l.T("whatif.nomatch", typed)}
	}
	p.picks[field] = opts
	if total > maxPicks {
		return "", &formError{field, l.T("whatif.manymatches", total, maxPicks)}
	}
	return "", &formError{field, l.T("whatif.choose", total)}
}

// weightOf is w's weight of term.
func weightOf(w match.Weights, term string) int {
	if p, ok := w.Weight(term); ok {
		return *p
	}
	return 0
}

// formError is a what-if form field refused.
type formError struct{ field, msg string }

func (e *formError) Error() string { return e.field + ": " + e.msg }

// editsOfForm turns the what-if form into scenario edits, and for each
// edit the form field it came from.
func editsOfForm(c echo.Context, l *Lang, p *picker) ([]scenario.Edit, []string, error) {
	var edits []scenario.Edit
	var fields []string
	num := func(name string) (float64, error) {
		v, err := strconv.ParseFloat(strings.TrimSpace(c.FormValue(name)), 64)
		if err != nil {
			return 0, &formError{name, l.T("whatif.number")}
		}
		return v, nil
	}
	if typed := strings.TrimSpace(c.FormValue("qty_item")); typed != "" {
		it, err := p.item("qty_item", typed)
		if err != nil {
			return nil, nil, err
		}
		v, err := num("qty")
		if err != nil {
			return nil, nil, err
		}
		q := int64(v)
		if float64(q) != v {
			return nil, nil, &formError{"qty", l.T("whatif.whole")}
		}
		edits = append(edits, scenario.Edit{Op: scenario.OpSetQuantity, Item: scenario.Ref[matcher.Item]{ID: it}, Quantity: &q})
		fields = append(fields, "qty")
	}
	if typed := strings.TrimSpace(c.FormValue("radius_item")); typed != "" {
		it, err := p.item("radius_item", typed)
		if err != nil {
			return nil, nil, err
		}
		v, err := num("radius")
		if err != nil {
			return nil, nil, err
		}
		edits = append(edits, scenario.Edit{Op: scenario.OpSetRadius, Item: scenario.Ref[matcher.Item]{ID: it}, RadiusKM: &v})
		fields = append(fields, "radius")
	}
	if typed := strings.TrimSpace(c.FormValue("remove_unit")); typed != "" {
		u, err := p.unit("remove_unit", typed)
		if err != nil {
			return nil, nil, err
		}
		edits = append(edits, scenario.Edit{Op: scenario.OpRemoveUnit, Unit: scenario.Ref[matcher.Unit]{ID: u}})
		fields = append(fields, "remove_unit")
	}
	if e, err := editOfOp(c, l, p); err != nil {
		return nil, nil, err
	} else if e != nil {
		edits = append(edits, *e)
		fields = append(fields, "op")
	}
	if m := match.Mode(c.FormValue("mode")); m != "" && m != match.Welfare {
		edits = append(edits, scenario.Edit{Op: scenario.OpSetMode, Mode: &m})
		fields = append(fields, "mode")
	}
	// The weights the form changes (its fields show the defaults, the
	// scenario's base): a term left as shown keeps its value.
	w := map[string]int{}
	for _, t := range match.Terms {
		s := strings.TrimSpace(c.FormValue("w_" + t))
		if s == "" {
			continue
		}
		v, err := strconv.Atoi(s)
		if err != nil {
			return nil, nil, &formError{"w_" + t, l.T("whatif.whole")}
		}
		if v != weightOf(match.DefaultWeights, t) {
			w[t] = v
		}
	}
	if len(w) > 0 {
		edits = append(edits, scenario.Edit{Op: scenario.OpSetWeights, Weights: w})
		fields = append(fields, "weights")
	}
	if len(edits) == 0 {
		return nil, nil, &formError{"", l.T("whatif.noedit")}
	}
	return edits, fields, nil
}

var editIndexRe = regexp.MustCompile(`^edits\[(\d+)\]`)

// whatIf handles the what-if form: it makes a scenario of the edits and
// shows its diff; a refused edit shows the dashboard again with the error
// at the form.
func (s *site) whatIf(c echo.Context) error {
	al, n, err := s.meetingOf(c)
	if err != nil {
		return err
	}
	l := n.lang
	p := &picker{s: s, c: c, meeting: al, n: n, picks: map[string][]option{}}
	edits, fields, err := editsOfForm(c, l, p)
	if err == nil {
		var sc *scenario.Scenario
		req := scenario.Request{Meeting: al.ID, Edits: edits, Name: strings.TrimSpace(c.FormValue("name"))}
		switch c.FormValue("below") {
		case "1":
			req.Meeting, req.Scope = "", []string{al.ID}
		case "all":
			req.Meeting, req.Scope = "", s.roots(actorOf(c), al.ID)
		}
		sc, err = n.v.Scenarios(scenariosOf(c.Request())).Create(c.Request().Context(), req)
		if err == nil {
			return c.Redirect(http.StatusSeeOther, Prefix+"/scenarios/"+sc.ID)
		}
	}
	code := matcher.ErrorCode(err)
	var fe *formError
	var me *matcher.Error
	// An id of an edit that names nothing the caller may see is the
	// form's error too (edits[i].item.project).
	named := code == matcher.ENOTFOUND && errors.As(err, &me) && editIndexRe.MatchString(me.Field)
	if !errors.As(err, &fe) && code != matcher.EINVALID && code != matcher.ECONFLICT && code != matcher.EFORBIDDEN && !named {
		return err
	}
	f := whatIfOf(n, al.ID)
	f.Picks = p.picks
	form, _ := c.FormParams()
	for k := range form {
		f.Values[k] = form.Get(k)
	}
	froms, tos := form["op_from"], form["op_to"]
	f.Windows = make([]windowRow, max(len(froms), len(tos), 2))
	for i := range f.Windows {
		if i < len(froms) {
			f.Windows[i].From = froms[i]
		}
		if i < len(tos) {
			f.Windows[i].To = tos[i]
		}
	}
	status := http.StatusBadRequest
	switch {
	case fe != nil:
		f.Field, f.Error = fe.field, fe.msg
	default:
		// The first problem is the one shown: its field is the input.
		field := ""
		if list := matcher.FieldErrors(err); len(list) > 0 {
			field = list[0].Field
		} else if errors.As(err, &me) {
			field = me.Field
		}
		f.Error = errText(l, err)
		if m := editIndexRe.FindStringSubmatch(field); m != nil {
			if i, _ := strconv.Atoi(m[1]); i < len(fields) {
				f.Field = fields[i]
				if f.Field == "op" {
					f.Field = opInputOf(edits[i].Op, field)
				}
			}
		}
		status = statusOf[code]
	}
	return s.renderDashboard(c, al, n, f, status)
}

// editWords says an edit in words: its operation's words (from the
// scenario registry) with each argument named as the desk names it.
func editWords(n names, e scenario.Edit) string {
	l := n.lang
	op, ok := scenario.Lookup(e.Op)
	if !ok {
		return e.Op
	}
	spec := op.Spec()
	format := spec.Words[0]
	if l.Code == "en" {
		format = spec.Words[1]
	}
	var args []any
	for _, a := range op.Args(&e) {
		args = append(args, argWords(n, e, a))
	}
	return fmt.Sprintf(format, args...)
}

// argWords names one argument of an edit's words.
func argWords(n names, e scenario.Edit, a scenario.Arg) string {
	l := n.lang
	switch a.Kind {
	case scenario.ArgUnit:
		if a.Title != "" {
			return a.Title
		}
		return n.Unit(a.Value)
	case scenario.ArgItem:
		if a.Title != "" {
			return a.Value + " " + a.Title
		}
		return a.Value + " " + n.Item(a.Value).Title
	case scenario.ArgProject:
		if a.Title != "" {
			return a.Value + " " + a.Title
		}
		if p, err := n.v.Reader().Project(a.Value); err == nil {
			return a.Value + " " + p.Name
		}
		return a.Value
	case scenario.ArgAlliance:
		return n.Alliance(a.Value)
	case scenario.ArgStatus:
		return l.T("project." + a.Value)
	case scenario.ArgMode:
		return l.T("mode." + a.Value)
	case scenario.ArgWeights:
		var parts []string
		for _, t := range match.Terms {
			if v, ok := e.Weights[t]; ok {
				parts = append(parts, fmt.Sprintf("%s %d", l.T("term."+t), v))
			}
		}
		return strings.Join(parts, l.T("list.sep"))
	}
	return a.Value
}

// assignView is one proposal of a diff, named.
type assignView struct {
	Resource *matcher.Item
	Unit     string
	Quantity int64
	Score    int
}

type demandChangeView struct {
	C       scenario.DemandChange
	Demand  *matcher.Item
	Unit    string
	Meeting string // in a scope's diff: the meeting's name
	Change  string
	Before  []assignView
	After   []assignView
}

type claimChangeView struct {
	Resource, Demand *matcher.Item
	Quantity         int64
}

type unitChangeView struct {
	Unit   string
	Gained []claimChangeView
	Lost   []claimChangeView
}

type scenarioData struct {
	S        *scenario.Scenario
	Meeting  string               // the meeting's name, or the scope's names
	Home     string               // the meeting whose dashboard it came from
	Owner    bool                 // the caller made it (it may share it)
	Others   []*scenario.Scenario // the caller's other scenarios of the same meetings (to compare)
	Meetings []meetingChangeView  // a scope's meetings whose plans change
	Moves    []moveView
	Outside  []string // edits that reach meetings outside the scope, in words
	Edits    []string
	Stale    bool
	Partial  bool // parts outside the caller's scope are hidden (another's scenario)
	Diff     *scenario.Diff
	Demands  []demandChangeView
	Units    []unitChangeView
	Measures []measureLine
	Conflict *conflictView
	N        names
}

type conflictView struct {
	Fork, Live uint64
	Events     []eventView
	Hidden     int
}

type eventView struct {
	Seq     uint64
	Time    string
	Actor   string
	Action  string
	Changes string
}

// scenarioState gathers a scenario and its diff as the page shows them.
func (s *site) scenarioState(c echo.Context) (*scenarioData, error) {
	v, x := s.scenarios(c)
	ctx, cancel := context.WithTimeout(c.Request().Context(), 30*time.Second)
	defer cancel()
	sc, diff, err := x.GetDiff(ctx, c.Param("sid"))
	switch {
	case sc == nil && matcher.ErrorCode(err) == matcher.ENOTFOUND:
		return nil, errNotFound
	case err != nil:
		return nil, err
	}
	n := namesOf(c, v)
	d := &scenarioData{S: sc, Meeting: scopeWords(n, sc), Home: home(sc), Owner: sc.Owner == actorOf(c), Stale: sc.Seq != v.Seq(), N: n}
	others, err := x.List()
	if err != nil {
		return nil, err
	}
	for _, o := range others {
		if o.ID != sc.ID && slices.Equal(o.Meetings, sc.Meetings) {
			d.Others = append(d.Others, o)
		}
	}
	for _, e := range sc.Edits {
		d.Edits = append(d.Edits, editWords(n, e))
	}
	d.Diff, d.Partial = diff, sc.Partial || diff.Partial
	for _, ch := range diff.Demands {
		words := n.lang.T("change." + ch.Change)
		if ch.UnitMoved {
			words += n.lang.T("change.unit_moved")
		}
		d.Demands = append(d.Demands, demandChangeView{C: ch, Demand: n.Item(ch.Demand), Unit: n.Unit(ch.Unit), Meeting: meetingWords(n, ch.Meeting), Change: words, Before: n.assigns(ch.Before), After: n.assigns(ch.After)})
	}
	for _, mc := range diff.Meetings {
		d.Meetings = append(d.Meetings, meetingChangeView{C: mc, Name: n.Alliance(mc.Meeting)})
	}
	for _, mv := range diff.Moves {
		d.Moves = append(d.Moves, moveView{Resource: n.Item(mv.Resource), Unit: n.Unit(mv.Unit), Before: alliancesWords(n, mv.Before), After: alliancesWords(n, mv.After)})
	}
	for _, o := range diff.Outside {
		d.Outside = append(d.Outside, n.lang.T("scenario.outside.one", o.Edit+1, n.Unit(o.Unit), alliancesWords(n, o.Meetings)))
	}
	claims := func(list []scenario.Claim) []claimChangeView {
		var out []claimChangeView
		for _, cl := range list {
			out = append(out, claimChangeView{Resource: n.Item(cl.Resource), Demand: n.Item(cl.Demand), Quantity: cl.Quantity})
		}
		return out
	}
	for _, u := range diff.Units {
		d.Units = append(d.Units, unitChangeView{Unit: n.Unit(u.Unit), Gained: claims(u.Gained), Lost: claims(u.Lost)})
	}
	d.Measures = measureLines(measureOf(n, sc), diff.PerMeeting())
	return d, nil
}

// measureLine is the quantity met by each plan in one measure: plans are
// compared measure by measure, never by adding unlike ones.
type measureLine struct {
	Measure        string
	Live, After    int64 // met by the live plan and the scenario's
	Demands        int   // demands of the measure, in either plan
	LiveFull, Full int   // demands met in full
}

// measureLines compares the plans of each meeting (live, scenario) per
// measure, the measure of a demand being measureOf's: what each proposes,
// and how many demands each meets in full. Over a scope the meetings'
// plans are summed measure by measure; a demand planned in two meetings
// counts in each, as the totals do. The measures that change come first.
func measureLines(measureOf func(demand string) string, plans []scenario.MeetingPlan) []measureLine {
	cols := make([][]*match.Result, len(plans))
	for i, mp := range plans {
		cols[i] = []*match.Result{mp.Live, mp.After}
	}
	var out []measureLine
	for _, m := range measureColumns(measureOf, cols) {
		out = append(out, measureLine{Measure: m.Measure, Demands: m.Demands, Live: m.Met[0], After: m.Met[1], LiveFull: m.Full[0], Full: m.Full[1]})
	}
	// The measures whose plans differ first (a district has a score of
	// measures, most unchanged by one edit), then the most demanded.
	slices.SortStableFunc(out, func(a, b measureLine) int {
		changed := func(m measureLine) int {
			if m.Changed() {
				return 0
			}
			return 1
		}
		return cmp.Compare(changed(a), changed(b))
	})
	return out
}

// measureCols is what several plans (columns) meet in one measure.
type measureCols struct {
	Measure string
	Demands int     // demands of the measure, in any plan
	Met     []int64 // by plan
	Full    []int   // demands met in full, by plan
}

// Differs reports whether plans i and j meet otherwise in the measure.
func (m measureCols) Differs(i, j int) bool { return m.Met[i] != m.Met[j] || m.Full[i] != m.Full[j] }

// measureColumns counts, meeting by meeting (plans[i] is a meeting's
// plans, one per column), what each column's plans meet per measure; by
// demands, then measure.
func measureColumns(measureOf func(demand string) string, plans [][]*match.Result) []measureCols {
	by := map[string]*measureCols{}
	type tally struct {
		met   map[string]int64
		unmet map[string]bool
	}
	count := func(r *match.Result) tally {
		t := tally{met: map[string]int64{}, unmet: map[string]bool{}}
		if r == nil {
			return t
		}
		for _, p := range r.Proposals {
			t.met[p.Demand] += p.Quantity
		}
		for _, u := range r.Unmet {
			t.unmet[u.Demand] = true
		}
		return t
	}
	for _, meeting := range plans {
		ts := make([]tally, len(meeting))
		seen := map[string]bool{}
		for k, r := range meeting {
			ts[k] = count(r)
			for dem := range ts[k].met {
				seen[dem] = true
			}
			for dem := range ts[k].unmet {
				seen[dem] = true
			}
		}
		for dem := range seen {
			m := measureOf(dem)
			l := by[m]
			if l == nil {
				l = &measureCols{Measure: m, Met: make([]int64, len(meeting)), Full: make([]int, len(meeting))}
				by[m] = l
			}
			l.Demands++
			for k, t := range ts {
				l.Met[k] += t.met[dem]
				if t.met[dem] > 0 && !t.unmet[dem] {
					l.Full[k]++
				}
			}
		}
	}
	out := make([]measureCols, 0, len(by))
	for _, l := range by {
		out = append(out, *l)
	}
	slices.SortFunc(out, func(a, b measureCols) int {
		return cmp.Or(cmp.Compare(b.Demands, a.Demands), cmp.Compare(a.Measure, b.Measure))
	})
	return out
}

// Changed reports whether the two plans differ in the measure.
func (m measureLine) Changed() bool { return m.Live != m.After || m.LiveFull != m.Full }

// measureOf returns the measure of a demand as the live state has it, or
// as the scenario's state does (a demand the scenario adds).
func measureOf(n names, sc *scenario.Scenario) func(string) string {
	var fork index.Reader
	forked := false
	return func(id string) string {
		if it, err := n.v.Reader().Item(id); err == nil {
			return it.Measure
		}
		if !forked {
			fork, forked = sc.Reader(), true
		}
		if it, err := fork.Item(id); err == nil {
			return it.Measure
		}
		return ""
	}
}

// meetingChangeView is a meeting of a scope whose plan changes.
type meetingChangeView struct {
	C    scenario.MeetingChange
	Name string
}

// moveView is a resource that serves other meetings in the scenario.
type moveView struct {
	Resource      *matcher.Item
	Unit          string
	Before, After string
}

// roots returns the whole district as a scope for actor: every alliance
// without a parent that it may plan, and meeting's own root when it may
// plan no other.
func (s *site) roots(a matcher.Actor, meeting string) []string {
	var out []string
	for _, al := range s.Service().Meetings(a, service.MeetingQuery{}) {
		if al.Parent == "" {
			out = append(out, al.ID)
		}
	}
	if len(out) == 0 {
		out = []string{meeting}
	}
	slices.Sort(out)
	return out
}

// home is the meeting a scenario's pages lead back to: its meeting, or
// its scope's first alliance.
func home(sc *scenario.Scenario) string {
	if sc.Meeting != "" {
		return sc.Meeting
	}
	if len(sc.Scope) > 0 {
		return sc.Scope[0]
	}
	if len(sc.Meetings) > 0 {
		return sc.Meetings[0] // a scope the reader sees none of, a meeting below it
	}
	return ""
}

// scopeWords names what a scenario plans: its meeting, or its scope's
// alliances with those below.
func scopeWords(n names, sc *scenario.Scenario) string {
	if len(sc.Scope) == 0 {
		return n.Alliance(sc.Meeting)
	}
	return n.lang.T("scenario.scope", alliancesWords(n, sc.Scope), len(sc.Meetings))
}

func meetingWords(n names, id string) string {
	if id == "" {
		return ""
	}
	return n.Alliance(id)
}

func alliancesWords(n names, ids []string) string {
	var out []string
	for _, id := range ids {
		out = append(out, n.Alliance(id))
	}
	if len(out) == 0 {
		return "—"
	}
	return strings.Join(out, n.lang.T("list.sep"))
}

// shareScenario shares a scenario read-only with the coordinators of the
// alliances it touches (or no longer: shared=0).
func (s *site) shareScenario(c echo.Context) error {
	_, x := s.scenarios(c)
	if _, err := x.Share(c.Param("sid"), c.FormValue("shared") == "1"); err != nil {
		if code := matcher.ErrorCode(err); code == matcher.ENOTFOUND {
			return errNotFound
		}
		return err
	}
	return c.Redirect(http.StatusSeeOther, Prefix+"/scenarios/"+c.Param("sid"))
}

// compareData is two scenarios side by side as the page shows them.
type compareData struct {
	A, B     *scenario.Scenario
	AWords   []string
	BWords   []string
	Scope    string
	C        *scenario.Comparison
	Demands  []demandChangeView
	Meetings []meetingChangeView
	Measures []measureCols // met per measure: live, A, B
	N        names
	Partial  bool // parts outside the caller's scope are hidden
}

// comparePage sets the scenario sid beside the scenario other.
func (s *site) comparePage(c echo.Context) error {
	d, err := s.compareState(c, c.Param("other"))
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "compare", d)
}

// compareState sets the scenario sid beside the scenario other, as the
// compare page and its .xlsx show them: the caller must read both (else
// not found), and both must plan the same meetings.
func (s *site) compareState(c echo.Context, other string) (*compareData, error) {
	_, x := s.scenarios(c)
	if err := x.Use(); err != nil {
		return nil, err
	}
	if other == "" {
		return nil, errNotFound
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), 30*time.Second)
	defer cancel()
	cmpd, err := x.Compare(ctx, c.Param("sid"), other)
	if err != nil {
		if matcher.ErrorCode(err) == matcher.ENOTFOUND {
			return nil, errNotFound
		}
		return nil, err
	}
	n := namesOf(c, s.Service().View(actorOf(c)))
	sa, sb := cmpd.Scenarios[0], cmpd.Scenarios[1]
	d := &compareData{A: sa, B: sb, Scope: scopeWords(n, sa), C: cmpd, N: n, Partial: cmpd.Partial || sa.Partial || sb.Partial}
	for _, e := range sa.Edits {
		d.AWords = append(d.AWords, editWords(n, e))
	}
	for _, e := range sb.Edits {
		d.BWords = append(d.BWords, editWords(n, e))
	}
	for _, ch := range cmpd.Demands {
		d.Demands = append(d.Demands, demandChangeView{C: ch, Demand: n.Item(ch.Demand), Unit: n.Unit(ch.Unit), Meeting: meetingWords(n, ch.Meeting), Change: n.lang.T("change." + ch.Change), Before: n.assigns(ch.Before), After: n.assigns(ch.After)})
	}
	for _, mc := range cmpd.Changed {
		d.Meetings = append(d.Meetings, meetingChangeView{C: mc, Name: n.Alliance(mc.Meeting)})
	}
	d.Measures = compareMeasures(n, sa, sb, cmpd.Plans)
	return d, nil
}

// compareMeasures counts what the live plan, A's and B's meet per measure
// over plans (the measures where A and B differ first); a demand's
// measure is the live state's, or A's or B's for one they add.
func compareMeasures(n names, sa, sb *scenario.Scenario, plans []scenario.ComparePlan) []measureCols {
	ofA, ofB := measureOf(n, sa), measureOf(n, sb)
	measure := func(id string) string {
		if m := ofA(id); m != "" {
			return m
		}
		return ofB(id)
	}
	cols := make([][]*match.Result, len(plans))
	for i, p := range plans {
		cols[i] = []*match.Result{p.Live, p.A, p.B}
	}
	out := measureColumns(measure, cols)
	slices.SortStableFunc(out, func(a, b measureCols) int {
		differs := func(m measureCols) int {
			if m.Differs(1, 2) {
				return 0
			}
			return 1
		}
		return cmp.Compare(differs(a), differs(b))
	})
	return out
}

// exportCompare sends two scenarios side by side as .xlsx (GET
// /ui/scenarios/ID/compare.xlsx?with=OTHER, the compare page's access):
// what each changes, the totals of the live plan and of each (and of each
// meeting whose plans differ between them), and the demands whose plans
// differ. Quantities stay with their demands and measures.
func (s *site) exportCompare(c echo.Context) error {
	d, err := s.compareState(c, c.QueryParam("with"))
	if err != nil {
		return err
	}
	l := d.N.lang
	head := func(key string) []string { return strings.Split(l.T(key, d.A.ID, d.B.ID), "|") }
	edits := bundle.Sheet{Name: l.T("compare.sheet.edits"), Header: strings.Split(l.T("compare.export.edits"), "|")}
	for _, side := range []struct {
		sc    *scenario.Scenario
		words []string
	}{{d.A, d.AWords}, {d.B, d.BWords}} {
		for i, w := range side.words {
			edits.Rows = append(edits.Rows, []any{side.sc.ID, side.sc.Name, i + 1, w})
		}
	}
	t := d.C.Totals
	totals := bundle.Sheet{Name: l.T("scenario.totals"), Header: head("compare.export.totals")}
	totals.Rows = append(totals.Rows, []any{d.Scope, t.Live.Welfare, t.A.Welfare, t.B.Welfare, t.Welfare,
		t.Live.UnitsInvolved, t.A.UnitsInvolved, t.B.UnitsInvolved, len(d.Demands)})
	for _, m := range d.Meetings {
		totals.Rows = append(totals.Rows, []any{m.Name, "", m.C.Live.Welfare, m.C.After.Welfare, m.C.Welfare,
			"", m.C.Live.UnitsInvolved, m.C.After.UnitsInvolved, m.C.Demands})
	}
	if d.Partial {
		totals.Rows = append(totals.Rows, []any{l.T("scenario.partial")})
	}
	measures := bundle.Sheet{Name: l.T("scenario.measures"), Header: head("compare.export.measures")}
	addMeasures := func(name string, lines []measureCols) {
		for _, m := range lines {
			measures.Rows = append(measures.Rows, []any{name, m.Measure, m.Demands, m.Met[0], m.Met[1], m.Met[2], m.Met[2] - m.Met[1], m.Full[0], m.Full[1], m.Full[2]})
		}
	}
	addMeasures(d.Scope, d.Measures)
	for _, m := range d.Meetings {
		for _, p := range d.C.Plans {
			if p.Meeting == m.C.Meeting {
				addMeasures(m.Name, compareMeasures(d.N, d.A, d.B, []scenario.ComparePlan{p}))
			}
		}
	}
	demands := bundle.Sheet{Name: l.T("compare.demands.sheet"), Header: head("compare.export.demands")}
	for _, dc := range d.Demands {
		demands.Rows = append(demands.Rows, []any{dc.Meeting, dc.C.Demand, dc.Demand.Title, dc.Unit, dc.C.MetBefore, dc.C.MetAfter, dc.C.MetAfter - dc.C.MetBefore,
			dc.Demand.Measure, planText(dc.Before), planText(dc.After)})
	}
	var buf bytes.Buffer
	if err := bundle.WriteXLSX(&buf, []bundle.Sheet{edits, totals, measures, demands}); err != nil {
		return err
	}
	return sendFile(c, d.A.ID+"-"+d.B.ID+"-compare.xlsx", buf.Bytes())
}

// exportScenario sends a scenario's diff as .xlsx: the meetings whose
// plans change (a scope's), the demands whose plans change, and what each
// unit gains and loses. Text that starts like a formula is written as text
// (bundle.WriteXLSX).
func (s *site) exportScenario(c echo.Context) error {
	d, err := s.scenarioState(c)
	if err != nil {
		return err
	}
	l := d.N.lang
	demands := bundle.Sheet{Name: l.T("scenario.demands"), Header: strings.Split(l.T("scenario.export.demands"), "|")}
	for _, dc := range d.Demands {
		demands.Rows = append(demands.Rows, []any{dc.Meeting, dc.C.Demand, dc.Demand.Title, dc.Unit, dc.Change, dc.C.MetBefore, dc.C.MetAfter, dc.Demand.Measure, planText(dc.Before), planText(dc.After)})
	}
	units := bundle.Sheet{Name: l.T("scenario.unitchanges"), Header: strings.Split(l.T("scenario.export.units"), "|")}
	for _, u := range d.Units {
		for _, cl := range u.Gained {
			units.Rows = append(units.Rows, []any{u.Unit, l.T("scenario.gained"), cl.Resource.Title, cl.Demand.Title, cl.Quantity})
		}
		for _, cl := range u.Lost {
			units.Rows = append(units.Rows, []any{u.Unit, l.T("scenario.lost"), cl.Resource.Title, cl.Demand.Title, cl.Quantity})
		}
	}
	// The quantities met are compared measure by measure (of the scope,
	// then of each meeting whose plan changes), never added across
	// measures; the totals sheet has what does add up.
	t := d.Diff.Totals
	totals := bundle.Sheet{Name: l.T("scenario.totals"), Header: strings.Split(l.T("scenario.export.totals"), "|")}
	totals.Rows = append(totals.Rows, []any{d.Meeting, len(d.Demands), t.Live.Welfare, t.Scenario.Welfare, t.Welfare, t.Live.UnitsInvolved, t.Scenario.UnitsInvolved})
	for _, m := range d.Meetings {
		totals.Rows = append(totals.Rows, []any{m.Name, m.C.Demands, m.C.Live.Welfare, m.C.After.Welfare, m.C.Welfare, m.C.Live.UnitsInvolved, m.C.After.UnitsInvolved})
	}
	measures := bundle.Sheet{Name: l.T("scenario.measures"), Header: strings.Split(l.T("scenario.export.measures"), "|")}
	addMeasures := func(name string, lines []measureLine) {
		for _, m := range lines {
			measures.Rows = append(measures.Rows, []any{name, m.Measure, m.Demands, m.Live, m.After, m.After - m.Live, m.LiveFull, m.Full})
		}
	}
	addMeasures(d.Meeting, d.Measures)
	plans := d.Diff.PerMeeting()
	for _, m := range d.Meetings {
		for _, mp := range plans {
			if mp.Meeting == m.C.Meeting {
				addMeasures(m.Name, measureLines(measureOf(d.N, d.S), []scenario.MeetingPlan{mp}))
			}
		}
	}
	if d.Partial {
		totals.Rows = append(totals.Rows, []any{l.T("scenario.partial")})
	}
	var buf bytes.Buffer
	if err := bundle.WriteXLSX(&buf, []bundle.Sheet{totals, measures, demands, units}); err != nil {
		return err
	}
	return sendFile(c, d.S.ID+"-diff.xlsx", buf.Bytes())
}

// scenarioPage shows a scenario's diff against the live plan, with the
// apply button.
func (s *site) scenarioPage(c echo.Context) error {
	d, err := s.scenarioState(c)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "scenario", d)
}

// applyScenario commits a scenario's edits; when the live state moved on
// since its fork, the scenario page shows what changed (409).
func (s *site) applyScenario(c echo.Context) error {
	_, x := s.scenarios(c)
	sid := c.Param("sid")
	if err := x.Use(); err != nil {
		return err
	}
	sc, err := x.Get(sid)
	if err != nil {
		return errNotFound
	}
	_, err = x.Apply(c.Request().Context(), sid)
	var ce *scenario.ConflictError
	if errors.As(err, &ce) {
		d, derr := s.scenarioState(c)
		if derr != nil {
			return derr
		}
		v := s.Service().View(actorOf(c))
		cv := &conflictView{Fork: ce.Fork, Live: ce.Live}
		for i := range ce.Events {
			ev := &ce.Events[i]
			if !v.CanSeeEvent(ev) {
				cv.Hidden++
				continue
			}
			cv.Events = append(cv.Events, eventViewOf(d.N, ev))
		}
		d.Conflict = cv
		return s.render(c, http.StatusConflict, "scenario", d)
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, withMsg(Prefix+"/meetings/"+home(sc), "applied"))
}

// whyNotData is a demand's why-not as the page shows it.
type whyNotData struct {
	W          *match.WhyNotResult
	Demand     *matcher.Item
	Unit       string
	Cat        string
	Meeting    string
	Status     string
	Reason     string
	Candidates []candidateView
	Fixes      []string
	Hidden     int
	N          names
}

type candidateView struct {
	C        match.WhyNotCandidate
	Resource *matcher.Item
	Unit     string
	Cat      string
	Distance string
	Rules    []string
}

// whyNotPage explains a demand: its nearest resources with every rule that
// blocks each, in words, and the verified single changes that would get it
// met. Resources the caller may not see are left out.
func (s *site) whyNotPage(c echo.Context) error {
	v := s.Service().View(actorOf(c))
	it, err := v.Item(c.Param("id"))
	if err != nil || it.Kind != matcher.Demand {
		return errNotFound
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), 30*time.Second)
	defer cancel()
	w, hidden, err := v.WhyNot(ctx, it, match.DefaultSettings())
	if err != nil {
		return err
	}
	n := namesOf(c, v)
	l := n.lang
	d := &whyNotData{W: w, Demand: it, Unit: n.Unit(it.Unit), Cat: n.Category(it.Category), Meeting: n.Alliance(w.Meeting), N: n,
		Status: l.T("wn.status." + w.Status), Hidden: hidden}
	if w.Reason != "" {
		d.Reason = l.T("wn.reason." + w.Reason)
	}
	for _, cd := range w.Candidates {
		cv := candidateView{C: cd, Resource: n.Item(cd.Resource), Unit: n.Unit(cd.Unit), Cat: n.Category(cd.Category)}
		if cd.DistanceKM != nil {
			cv.Distance = strconv.FormatFloat(*cd.DistanceKM, 'f', 1, 64)
		}
		for _, r := range cd.Rules {
			cv.Rules = append(cv.Rules, l.T("wn.rule."+r))
		}
		d.Candidates = append(d.Candidates, cv)
	}
	for _, f := range w.Fixes {
		d.Fixes = append(d.Fixes, fixWords(n, it, f))
	}
	return s.render(c, http.StatusOK, "whynot", d)
}

// fixWords says a verified fix in words.
func fixWords(n names, demand *matcher.Item, f match.Fix) string {
	l := n.lang
	item := n.Item(f.Item)
	name := item.ID + " " + item.Title
	by := strconv.FormatFloat(f.By, 'f', -1, 64)
	var what string
	switch f.Kind {
	case match.FixWidenRadius:
		what = l.T("fix.widen_radius", name, f.From, f.To, by)
	case match.FixAddQuantity:
		what = l.T("fix.add_quantity", name, by, f.From, f.To)
	case match.FixExtendWindow:
		what = l.T("fix.extend_window", name, by)
	case match.FixEscalate:
		what = l.T("fix.escalate", n.Alliance(f.Meeting), l.T("level."+f.To))
	default:
		what = f.Kind
	}
	if f.Via != "" {
		what += l.T("fix.via", f.Via)
	}
	return what + l.T("fix.verified", n.Alliance(f.Meeting), f.Met, demand.Measure, f.Gain)
}

// assigns are a plan's assignments in words.
func (n names) assigns(list []scenario.Assignment) []assignView {
	var out []assignView
	for _, a := range list {
		out = append(out, assignView{Resource: n.Item(a.Resource), Unit: n.Unit(a.Unit), Quantity: a.Quantity, Score: a.Score})
	}
	return out
}

// planText is a plan's assignments in a spreadsheet cell, one a line.
func planText(as []assignView) string {
	var out []string
	for _, a := range as {
		out = append(out, fmt.Sprintf("%s：%s ×%d", a.Unit, a.Resource.Title, a.Quantity))
	}
	return strings.Join(out, "\n")
}
