package web

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/labstack/echo/v4"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/scenario"
	"github.com/allymatch/allymatch/matcher/service"
)

// The what-if form's "one more edit": any operation of the scenario
// registry, its fields read from one set of inputs (whatif_record.go):
// search pickers for the unit, the item, the project and alliances,
// numbers, a status, time windows, and a record's fields one input each.
// The operations of the objective (set_mode, set_weights) have their own
// fieldset.

// opChoice is one operation the form offers.
type opChoice struct {
	Name, Label string
	Fields      string // the registry's fields it reads, for the hint
}

// opChoices lists the registry's operations in l's words.
func opChoices(l *Lang) []opChoice {
	var out []opChoice
	for _, name := range formOps() {
		op, _ := scenario.Lookup(name)
		spec := op.Spec()
		i := 0
		if l.Code == "en" {
			i = 1
		}
		var fields []string
		for _, f := range spec.Fields {
			fields = append(fields, f.Label[i])
		}
		out = append(out, opChoice{Name: name, Label: spec.Label[i], Fields: strings.Join(fields, l.T("list.sep"))})
	}
	return out
}

// editOfOp reads the form's one more edit ("op" and the op_* inputs it
// reads), or nil when none is chosen. Errors name the form input.
func editOfOp(c echo.Context, l *Lang, p *picker) (*scenario.Edit, error) {
	name := strings.TrimSpace(c.FormValue("op"))
	if name == "" {
		return nil, nil
	}
	if !slices.Contains(formOps(), name) { // formOps are the registry's
		return nil, &formError{"op", l.T("whatif.op.unknown", name)}
	}
	val := func(k string) string { return strings.TrimSpace(c.FormValue(k)) }
	r := &recordForm{c: c, l: l, p: p}
	e := &scenario.Edit{Op: name}
	for _, in := range inputsOf(name) {
		v := val(in)
		var err error
		switch {
		case in == "op_windows" && !slices.Contains(addOps, name):
			e.Windows, err = r.windows()
		case v == "":
		case in == "op_unit":
			e.Unit.ID, err = p.unitWide(in, v)
		case in == "op_item":
			e.Item.ID, err = p.item(in, v)
		case in == "op_project":
			e.Project.ID, err = p.project(in, v)
		case in == "op_alliance":
			e.Alliance, err = p.alliance(in, v)
		case in == "op_alliances":
			e.Alliances, err = p.alliances(in, v)
		case in == "op_quantity" && !slices.Contains(addOps, name):
			e.Quantity, err = r.quantity()
		case in == "op_radius" && !slices.Contains(addOps, name):
			e.RadiusKM, err = r.radius()
		case in == "op_status" && name == scenario.OpSetProjectStatus:
			st := matcher.ProjectStatus(v)
			e.Status = &st
		}
		if err != nil {
			return nil, err
		}
	}
	if name == scenario.OpSetWindow && e.Item.ID != "" && e.Windows == nil {
		return nil, &formError{"op_windows", l.T("whatif.err.nowindows")}
	}
	if slices.Contains(addOps, name) || slices.Contains(setOps, name) {
		if err := recordEdit(c, l, p, e); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// unitWide resolves a unit field among the units of the meeting and, when
// none there matches, of every top meeting the caller may plan (a unit
// that joins this meeting is not in it yet).
func (p *picker) unitWide(field, typed string) (string, error) {
	id, err := p.unit(field, typed)
	var fe *formError
	if err == nil || !errors.As(err, &fe) || len(p.picks[field]) > 0 {
		return id, err
	}
	a := actorOf(p.c)
	seen := map[string]bool{}
	var opts []option
	for _, root := range p.s.roots(a, p.meeting.ID) {
		pg, err := p.s.Service().MeetingUnits(a, root, service.UnitQuery{Text: typed, Page: service.Page{Limit: maxPicks + 1}})
		if err != nil {
			return "", err
		}
		for _, r := range pg.Units {
			if !seen[r.Unit.ID] {
				seen[r.Unit.ID] = true
				opts = append(opts, option{r.Unit.ID, r.Unit.ID + " " + r.Unit.Name})
			}
		}
	}
	return p.one(field, typed, len(opts), opts[:min(len(opts), maxPicks)])
}

// project resolves a project field: the id of a project of a unit the
// caller may see, or words of the name of one (a name typed in full wins
// over those it is a part of). A project the caller may not see is
// answered as an absent one.
func (p *picker) project(field, typed string) (string, error) {
	v, r := p.n.v, p.n.v.Reader()
	if pr, err := r.Project(typed); err == nil && v.CanSeeUnit(pr.Unit) {
		return pr.ID, nil
	}
	m := matches{typed: strings.ToLower(typed)}
	for pr := range r.Projects() {
		if m.match(pr.Name) && v.CanSeeUnit(pr.Unit) {
			m.add(pr.Name, option{pr.ID, fmt.Sprintf("%s %s（%s）", pr.ID, pr.Name, p.n.Unit(pr.Unit))})
		}
	}
	return m.result(p, field, typed)
}

// alliance resolves an alliance field: the id of an alliance the caller
// may see, or words of its name.
func (p *picker) alliance(field, typed string) (string, error) {
	v, r := p.n.v, p.n.v.Reader()
	if al, err := r.Alliance(typed); err == nil && v.CanSeeAlliance(al.ID) {
		return al.ID, nil
	}
	m := matches{typed: strings.ToLower(typed)}
	for al := range r.Alliances() {
		if m.match(al.Name) && v.CanSeeAlliance(al.ID) {
			m.add(al.Name, option{al.ID, al.ID + " " + al.Name})
		}
	}
	return m.result(p, field, typed)
}

// listSep splits a list field: commas, 、 and white space.
func listSep(r rune) bool {
	return r == ',' || r == '，' || r == '、' || r == ';' || r == '；' || unicode.IsSpace(r)
}

// alliances resolves a list of alliances (ids or names, separated by
// commas, 、 or spaces), each as alliance does. With one entry, several
// matches are offered to choose from; with more, the error names the
// entry and its matches.
func (p *picker) alliances(field, typed string) ([]string, error) {
	entries := strings.FieldsFunc(typed, listSep)
	var out []string
	for _, entry := range entries {
		id, err := p.alliance(field, entry)
		if err != nil {
			var fe *formError
			if opts := p.picks[field]; len(entries) > 1 && errors.As(err, &fe) && len(opts) > 0 {
				delete(p.picks, field)
				labels := make([]string, len(opts))
				for i, o := range opts {
					labels[i] = o.Label
				}
				return nil, &formError{field, p.n.lang.T("whatif.list.which", entry, strings.Join(labels, p.n.lang.T("list.sep")))}
			}
			return nil, err
		}
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out, nil
}

// matches gathers the records whose names hold what was typed (case
// folded): those named exactly so, and the first maxPicks of all.
type matches struct {
	typed        string
	exact, total int
	first        option // the one named exactly so
	opts         []option
}

func (m *matches) match(name string) bool { return strings.Contains(strings.ToLower(name), m.typed) }

func (m *matches) add(name string, o option) {
	if strings.ToLower(name) == m.typed {
		m.exact++
		m.first = o
	}
	m.total++
	if len(m.opts) < maxPicks {
		m.opts = append(m.opts, o)
	}
}

// result is the one match (the one named exactly so, when one is), or the
// picker's error offering them.
func (m *matches) result(p *picker, field, typed string) (string, error) {
	if m.exact == 1 {
		return m.first.Value, nil
	}
	return p.one(field, typed, m.total, m.opts)
}
