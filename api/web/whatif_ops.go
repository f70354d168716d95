package web

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/scenario"
	"github.com/allymatch/allymatch/matcher/service"
)

// The what-if form's "one more edit": any operation of the scenario
// registry, its fields read from one set of inputs (search pickers for the
// unit and the item, ids for a project and alliances, numbers, a status,
// and the fields of a record as JSON). The operations of the objective
// (set_mode, set_weights) have their own fieldset.

// opChoice is one operation the form offers.
type opChoice struct {
	Name, Label string
	Fields      string // the form inputs it reads, for the hint
}

// opChoices lists the registry's operations in l's words.
func opChoices(l *Lang) []opChoice {
	var out []opChoice
	for _, name := range scenario.Ops() {
		if name == scenario.OpSetMode || name == scenario.OpSetWeights {
			continue
		}
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

// editOfOp reads the form's one more edit ("op" and the op_* inputs), or
// nil when none is chosen. Errors name the form input.
func editOfOp(c echo.Context, l *Lang, p *picker) (*scenario.Edit, error) {
	name := strings.TrimSpace(c.FormValue("op"))
	if name == "" {
		return nil, nil
	}
	op, ok := scenario.Lookup(name)
	if !ok || name == scenario.OpSetMode || name == scenario.OpSetWeights {
		return nil, &formError{"op", l.T("whatif.op.unknown", name)}
	}
	val := func(k string) string { return strings.TrimSpace(c.FormValue(k)) }
	e := &scenario.Edit{Op: name}
	record := val("op_record")
	for _, f := range op.Spec().Fields {
		switch {
		case f.Kind == scenario.ArgRecord || f.Kind == scenario.ArgWindows:
			if record == "" {
				continue
			}
			if err := setRecord(e, f.Name, record); err != nil {
				return nil, &formError{"op_record", l.T("whatif.op.json", err.Error())}
			}
		case f.Kind == scenario.ArgUnit && val("op_unit") != "":
			id, err := p.unitWide("op_unit", val("op_unit"))
			if err != nil {
				return nil, err
			}
			if e.Unit.Value == nil {
				e.Unit.ID = id
			}
		case f.Kind == scenario.ArgItem && val("op_item") != "":
			id, err := p.item("op_item", val("op_item"))
			if err != nil {
				return nil, err
			}
			if e.Item.Value == nil {
				e.Item.ID = id
			}
		case f.Kind == scenario.ArgProject && val("op_project") != "":
			if e.Project.Value == nil {
				e.Project.ID = val("op_project")
			}
		case f.Name == "alliance" && val("op_alliance") != "":
			e.Alliance = val("op_alliance")
		case f.Name == "alliances" && val("op_alliances") != "":
			e.Alliances = strings.FieldsFunc(val("op_alliances"), func(r rune) bool { return r == ',' || r == '，' || r == ' ' || r == '、' })
		case f.Name == "quantity" && val("op_quantity") != "":
			q, err := strconv.ParseInt(val("op_quantity"), 10, 64)
			if err != nil {
				return nil, &formError{"op_quantity", l.T("whatif.whole")}
			}
			e.Quantity = &q
		case f.Name == "radius_km" && val("op_radius") != "":
			v, err := strconv.ParseFloat(val("op_radius"), 64)
			if err != nil {
				return nil, &formError{"op_radius", l.T("whatif.number")}
			}
			e.RadiusKM = &v
		case f.Kind == scenario.ArgStatus && val("op_status") != "":
			st := matcher.ProjectStatus(val("op_status"))
			e.Status = &st
		}
	}
	return e, nil
}

// setRecord decodes the JSON of a record's fields into the edit's field
// name (a unit, item or project object; windows).
func setRecord(e *scenario.Edit, name, js string) error {
	var err error
	switch name {
	case "unit":
		err = json.Unmarshal([]byte(js), &e.Unit)
	case "item":
		err = json.Unmarshal([]byte(js), &e.Item)
	case "project":
		err = json.Unmarshal([]byte(js), &e.Project)
	case "windows":
		var w []matcher.Window
		if err = json.Unmarshal([]byte(js), &w); err == nil {
			e.Windows = &w
		}
	}
	return err
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
