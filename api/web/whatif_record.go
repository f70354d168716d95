package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"html/template"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/scenario"
)

// The fields of "one more edit" are form inputs, not JSON: one set of
// inputs (op_*) serves every operation, each input saying which
// operations read it (data-ops, so that a script may show only the chosen
// operation's; without it every input shows, grouped, and only those the
// operation reads are read). The record operations (add_unit, set_unit,
// add_item, set_item, add_project, set_project) read a record's fields;
// a set_* changes only the fields filled in (an empty input leaves its
// field as it is, "-" clears an optional one), as the JSON API's partial
// updates do, and the form makes the very edit the API would be sent.

// opInput is one input of "one more edit"; its label is the message
// whatif.field.NAME (the name the form's errors give it too).
type opInput struct {
	Name     string
	Type     string // pick, list, text, decimal, number, select, area, windows, check
	Hint     string // a message key: the placeholder or the words beside
	Label    string // in the form's language, as are HintText and the options
	HintText string
	Ops      []string
	Options  []option
	Min      string
	Max      string
	Step     string
	List     string // a datalist's id
}

// OpsAttr is the operations that read the input, for data-ops.
func (in opInput) OpsAttr() string { return strings.Join(in.Ops, " ") }

// opGroup is a fieldset of inputs: those naming the records an edit
// touches, a unit's, an item's or a project's fields, and the values.
type opGroup struct {
	Name   string
	Legend string // with the operations that read it
	Inputs []opInput
}

// The record operations: those that add a record, those that change some
// of its fields.
var (
	addOps = []string{scenario.OpAddUnit, scenario.OpAddItem, scenario.OpAddProject}
	setOps = []string{scenario.OpSetUnit, scenario.OpSetItem, scenario.OpSetProject}
)

// recordInputs are the inputs of a record's fields, by record and by
// whether the operation adds the record (true) or changes it.
var recordInputs = map[string]map[bool][]string{
	"unit": {
		true:  {"op_new_unit", "op_unit_name", "op_unit_kind", "op_unit_party", "op_unit_grid", "op_unit_lat", "op_unit_lon"},
		false: {"op_unit_name", "op_unit_kind", "op_unit_party", "op_unit_grid", "op_unit_lat", "op_unit_lon"},
	},
	"item": {
		true: {"op_new_item", "op_item_kind", "op_item_title", "op_item_category", "op_item_description", "op_item_tags", "op_quantity", "op_item_measure",
			"op_radius", "op_windows", "op_item_priority", "op_item_level", "op_item_lat", "op_item_lon", "op_item_project", "op_item_optional"},
		false: {"op_item_title", "op_item_category", "op_item_description", "op_item_tags", "op_item_measure", "op_item_priority", "op_item_status",
			"op_item_lat", "op_item_lon", "op_item_project", "op_item_optional"},
	},
	"project": {
		true:  {"op_new_project", "op_project_name", "op_project_description", "op_status"},
		false: {"op_project", "op_project_name", "op_project_description", "op_status"},
	},
}

// clearable are the inputs "-" clears (optional fields of a record).
var clearable = []string{"op_unit_grid", "op_unit_lat", "op_unit_lon", "op_item_description", "op_item_tags", "op_item_measure",
	"op_item_lat", "op_item_lon", "op_item_project", "op_project_description"}

// clearMark clears an optional field in a set_* edit.
const clearMark = "-"

// inputsOf returns the inputs operation name reads, in form order.
func inputsOf(name string) []string {
	op, ok := scenario.Lookup(name)
	if !ok {
		return nil
	}
	var out []string
	add := func(ins ...string) {
		for _, in := range ins {
			if !slices.Contains(out, in) {
				out = append(out, in)
			}
		}
	}
	for _, f := range op.Spec().Fields {
		switch {
		case f.Kind == scenario.ArgUnit:
			add("op_unit")
		case f.Kind == scenario.ArgItem:
			add("op_item")
		case f.Kind == scenario.ArgProject:
			add("op_project")
		case f.Kind == scenario.ArgAlliance:
			add("op_alliance")
		case f.Kind == scenario.ArgList:
			add("op_alliances")
		case f.Kind == scenario.ArgStatus:
			add("op_status")
		case f.Kind == scenario.ArgWindows:
			add("op_windows", "op_windows_any")
		case f.Name == "quantity":
			add("op_quantity")
		case f.Name == "radius_km":
			add("op_radius")
		case f.Kind == scenario.ArgRecord:
			add(recordInputs[f.Name][slices.Contains(addOps, name)]...)
		}
	}
	return out
}

// formOps are the operations of "one more edit": the registry's, less
// those of the objective (their own fieldset).
func formOps() []string {
	var out []string
	for _, name := range scenario.Ops() {
		if name != scenario.OpSetMode && name != scenario.OpSetWeights {
			out = append(out, name)
		}
	}
	return out
}

// groupsCache keeps the last layout of each language: it is the same for
// every dashboard while the vocabulary stays.
var groupsCache struct {
	sync.Mutex
	by map[string]cachedGroups
}

type cachedGroups struct {
	vocab  *matcher.Vocabulary
	groups []opGroup
}

// opGroupsOf lays out the inputs of "one more edit" in l, the categories
// those of vocab (shared, read only).
func opGroupsOf(l *Lang, vocab *matcher.Vocabulary) []opGroup {
	groupsCache.Lock()
	defer groupsCache.Unlock()
	if c, ok := groupsCache.by[l.Code]; ok && c.vocab == vocab {
		return c.groups
	}
	g := layoutGroups(l, vocab)
	if groupsCache.by == nil {
		groupsCache.by = map[string]cachedGroups{}
	}
	groupsCache.by[l.Code] = cachedGroups{vocab, g}
	return g
}

// layoutGroups lays out the inputs of "one more edit" in l.
func layoutGroups(l *Lang, vocab *matcher.Vocabulary) []opGroup {
	readers := map[string][]string{}
	for _, name := range formOps() {
		for _, in := range inputsOf(name) {
			readers[in] = append(readers[in], name)
		}
	}
	opt := func(keys ...string) []option {
		var out []option
		for _, k := range keys {
			v, label := k, ""
			if i := strings.IndexByte(k, '='); i >= 0 {
				v, label = k[:i], l.T(k[i+1:])
			}
			out = append(out, option{v, label})
		}
		return out
	}
	cats := []option{{"", l.T("whatif.keep")}}
	for _, cat := range vocab.All() {
		name := cat.NameZH
		if l.Code == "en" {
			name = cat.NameEN
		}
		cats = append(cats, option{cat.ID, name})
	}
	in := func(name, typ, hint string, opts ...option) opInput {
		i := opInput{Name: name, Type: typ, Hint: hint, Ops: readers[name], Options: opts, Label: l.T("whatif.field." + name)}
		if hint != "" {
			i.HintText = l.T(hint)
		}
		return i
	}
	groups := []opGroup{
		{Name: "target", Inputs: []opInput{
			in("op_unit", "pick", "whatif.unit.hint"),
			in("op_item", "pick", "whatif.item.hint"),
			in("op_project", "pick", "whatif.project.hint"),
			in("op_alliance", "pick", "whatif.alliance.hint"),
			in("op_alliances", "pick", "whatif.alliances.hint"),
		}},
		{Name: "unit", Inputs: []opInput{
			in("op_new_unit", "text", "whatif.hint.newid"),
			in("op_unit_name", "text", ""),
			func() opInput { i := in("op_unit_kind", "text", "whatif.hint.kind"); i.List = "unit-kinds"; return i }(),
			in("op_unit_party", "select", "", opt("=whatif.keep", "1=whatif.yes", "0=whatif.no")...),
			in("op_unit_grid", "text", "whatif.hint.grid"),
			in("op_unit_lat", "decimal", "whatif.hint.clear"),
			in("op_unit_lon", "decimal", "whatif.hint.clear"),
		}},
		{Name: "item", Inputs: []opInput{
			in("op_new_item", "text", "whatif.hint.autoid"),
			in("op_item_kind", "select", "", opt("demand=kind.demand", "resource=kind.resource")...),
			in("op_item_title", "text", ""),
			in("op_item_category", "select", "", cats...),
			in("op_item_description", "area", "whatif.hint.clear"),
			in("op_item_tags", "text", "whatif.hint.tags"),
			in("op_item_measure", "text", "whatif.hint.measure"),
			in("op_item_priority", "select", "", opt("=whatif.keep", "1=prio.1", "2=prio.2", "3=prio.3", "4=prio.4", "5=prio.5")...),
			in("op_item_status", "select", "", opt("=whatif.keep", "open=item.open", "paused=item.paused", "closed=item.closed")...),
			in("op_item_level", "select", "", opt("community=level.community", "street=level.street", "district=level.district")...),
			in("op_item_lat", "decimal", "whatif.hint.clear"),
			in("op_item_lon", "decimal", "whatif.hint.clear"),
			in("op_item_project", "pick", "whatif.project.hint"),
			in("op_item_optional", "select", "", opt("=whatif.keep", "1=whatif.yes", "0=whatif.no")...),
		}},
		{Name: "project", Inputs: []opInput{
			in("op_new_project", "text", "whatif.hint.autoid"),
			in("op_project_name", "text", ""),
			in("op_project_description", "area", "whatif.hint.clear"),
		}},
		{Name: "values", Inputs: []opInput{
			func() opInput { i := in("op_quantity", "number", ""); i.Min, i.Step = "1", "1"; return i }(),
			func() opInput { i := in("op_radius", "number", ""); i.Min, i.Max, i.Step = "0", "500", "0.1"; return i }(),
			in("op_windows", "windows", "whatif.hint.windows"),
			in("op_windows_any", "check", ""),
			in("op_status", "select", "", opt("=whatif.keep", "planned=project.planned", "running=project.running", "done=project.done", "dropped=project.dropped")...),
		}},
	}
	for i := range groups {
		g := &groups[i]
		var ops []string
		for _, in := range g.Inputs {
			for _, op := range in.Ops {
				if !slices.Contains(ops, op) {
					ops = append(ops, op)
				}
			}
		}
		var labels []string
		for _, name := range formOps() {
			if slices.Contains(ops, name) {
				labels = append(labels, opLabel(l, name))
			}
		}
		g.Legend = l.T("whatif.group."+g.Name, strings.Join(labels, l.T("list.sep")))
	}
	return groups
}

// opLabel is operation name's label in l.
func opLabel(l *Lang, name string) string {
	op, ok := scenario.Lookup(name)
	if !ok {
		return name
	}
	if l.Code == "en" {
		return op.Spec().Label[1]
	}
	return op.Spec().Label[0]
}

// object is a JSON object whose keys keep the order they were set in.
type object struct {
	keys []string
	vals []any
}

func (o *object) set(k string, v any) {
	o.keys = append(o.keys, k)
	o.vals = append(o.vals, v)
}

func (o *object) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range o.keys {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		vb, err := json.Marshal(o.vals[i])
		if err != nil {
			return nil, err
		}
		b.Write(kb)
		b.WriteByte(':')
		b.Write(vb)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// ref reads o as an edit's record, as the API reads the JSON it is sent
// (a partial update changes the fields o has, and only those).
func ref[T any](o *object) (scenario.Ref[T], error) {
	var r scenario.Ref[T]
	js, err := json.Marshal(o)
	if err == nil {
		err = json.Unmarshal(js, &r)
	}
	return r, err
}

// recordForm reads the inputs of one record edit.
type recordForm struct {
	c   echo.Context
	l   *Lang
	p   *picker
	set bool // a set_*: an empty input leaves its field unchanged
}

func (r *recordForm) val(name string) string { return strings.TrimSpace(r.c.FormValue(name)) }

// text puts input name in o as key: left out when empty, cleared by "-"
// where the field may be empty.
func (r *recordForm) text(o *object, key, name string) error {
	v := r.val(name)
	switch {
	case v == "":
		return nil
	case v == clearMark && slices.Contains(clearable, name):
		o.set(key, "")
		return nil
	case v == clearMark:
		return &formError{name, r.l.T("whatif.err.noclear")}
	}
	o.set(key, v)
	return nil
}

// yesNo puts a select of yes (1), no (0) or unchanged ("") in o.
func (r *recordForm) yesNo(o *object, key, name string) {
	switch r.val(name) {
	case "1":
		o.set(key, true)
	case "0":
		o.set(key, false)
	}
}

// location puts the inputs lat and lon in o as "location": both or
// neither, "-" in either clears it.
func (r *recordForm) location(o *object, lat, lon string) error {
	la, lo := r.val(lat), r.val(lon)
	switch {
	case la == clearMark || lo == clearMark:
		o.set("location", nil)
	case la == "" && lo == "":
	case la == "":
		return &formError{lat, r.l.T("lists.err.latlon")}
	case lo == "":
		return &formError{lon, r.l.T("lists.err.latlon")}
	default:
		a, err := strconv.ParseFloat(la, 64)
		if err != nil {
			return &formError{lat, r.l.T("whatif.number")}
		}
		b, err := strconv.ParseFloat(lo, 64)
		if err != nil {
			return &formError{lon, r.l.T("whatif.number")}
		}
		o.set("location", matcher.GeoPoint{Lat: a, Lon: b})
	}
	return nil
}

// windows reads the form's time windows (rows of op_from and op_to, in
// China Standard Time): nil when no row is filled and "any time" is not
// ticked, so that a set_item leaves them unchanged.
func (r *recordForm) windows() (*[]matcher.Window, error) {
	if r.val("op_windows_any") != "" {
		return &[]matcher.Window{}, nil
	}
	params, _ := r.c.FormParams()
	froms, tos := params["op_from"], params["op_to"]
	var out []matcher.Window
	for i := range max(len(froms), len(tos)) {
		var from, to string
		if i < len(froms) {
			from = strings.TrimSpace(froms[i])
		}
		if i < len(tos) {
			to = strings.TrimSpace(tos[i])
		}
		if from == "" && to == "" {
			continue
		}
		var w matcher.Window
		var ok bool
		if w.From, ok = parseWindowTime(from); !ok || from == "" {
			return nil, &formError{"op_windows", r.l.T("whatif.err.from", i+1)}
		}
		if w.To, ok = parseWindowTime(to); !ok {
			return nil, &formError{"op_windows", r.l.T("whatif.err.to", i+1)}
		}
		out = append(out, w)
	}
	if out == nil {
		return nil, nil
	}
	return &out, nil
}

// quantity reads op_quantity (nil when empty).
func (r *recordForm) quantity() (*int64, error) {
	s := r.val("op_quantity")
	if s == "" {
		return nil, nil
	}
	q, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return nil, &formError{"op_quantity", r.l.T("whatif.whole")}
	}
	return &q, nil
}

// radius reads op_radius (nil when empty).
func (r *recordForm) radius() (*float64, error) {
	s := r.val("op_radius")
	if s == "" {
		return nil, nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return nil, &formError{"op_radius", r.l.T("whatif.number")}
	}
	return &v, nil
}

// unitKind reads op_unit_kind: a kind's id, or its name in the desk's
// words (学校 is school); other words are kinds of their own.
func (r *recordForm) unitKind(o *object) {
	v := r.val("op_unit_kind")
	if v == "" {
		return
	}
	for _, k := range unitKinds {
		if v == r.l.T("unitkind."+k) || v == langZH.T("unitkind."+k) {
			v = k
			break
		}
	}
	o.set("kind", v)
}

// unitKinds are the kinds the desk has words for, offered as a list.
var unitKinds = []string{"agency", "school", "enterprise", "bank", "shop", "ngo", "military", "community", "village", "hospital", "mass"}

// grid reads op_unit_grid: a grid's id or its name; "-" clears it.
func (r *recordForm) grid(o *object) error {
	v := r.val("op_unit_grid")
	switch {
	case v == "":
		return nil
	case v == clearMark:
		o.set("grid", "")
		return nil
	}
	sn := r.p.n.v.Reader()
	if _, err := sn.Grid(v); err == nil {
		o.set("grid", v)
		return nil
	}
	var found []string
	for g := range sn.Grids() {
		if g.Name == v {
			found = append(found, g.ID)
		}
	}
	if len(found) != 1 {
		return &formError{"op_unit_grid", r.l.T("whatif.nomatch", v)}
	}
	o.set("grid", found[0])
	return nil
}

// unitRecord reads a unit's fields; id is the unit's (set_unit) or the
// new id typed (add_unit). It reports whether any field was given.
func (r *recordForm) unitRecord(id string) (*object, bool, error) {
	o := &object{}
	o.set("id", id)
	if err := r.text(o, "name", "op_unit_name"); err != nil {
		return nil, false, err
	}
	r.unitKind(o)
	r.yesNo(o, "party_org", "op_unit_party")
	if err := r.grid(o); err != nil {
		return nil, false, err
	}
	if err := r.location(o, "op_unit_lat", "op_unit_lon"); err != nil {
		return nil, false, err
	}
	return o, len(o.keys) > 1, nil
}

// itemRecord reads an item's fields (add_item: with its kind, level,
// quantity, radius and times).
func (r *recordForm) itemRecord(id string) (*object, bool, error) {
	o := &object{}
	o.set("id", id)
	if !r.set {
		o.set("kind", r.val("op_item_kind"))
	}
	for _, f := range [][2]string{{"title", "op_item_title"}, {"category", "op_item_category"}, {"description", "op_item_description"}} {
		if err := r.text(o, f[0], f[1]); err != nil {
			return nil, false, err
		}
	}
	switch v := r.val("op_item_tags"); {
	case v == clearMark:
		o.set("tags", []string{})
	case v != "":
		o.set("tags", splitTags(v))
	}
	if !r.set {
		q, err := r.quantity()
		if err != nil {
			return nil, false, err
		}
		if q != nil {
			o.set("quantity", *q)
		}
	}
	if err := r.text(o, "measure", "op_item_measure"); err != nil {
		return nil, false, err
	}
	if !r.set {
		rad, err := r.radius()
		if err != nil {
			return nil, false, err
		}
		if rad != nil {
			o.set("radius_km", *rad)
		}
		w, err := r.windows()
		if err != nil {
			return nil, false, err
		}
		if w != nil {
			o.set("windows", *w)
		}
	}
	if v := r.val("op_item_priority"); v != "" {
		p, err := strconv.Atoi(v)
		if err != nil {
			return nil, false, &formError{"op_item_priority", r.l.T("whatif.whole")}
		}
		o.set("priority", p)
	}
	if r.set {
		if v := r.val("op_item_status"); v != "" {
			o.set("status", v)
		}
	} else if v := r.val("op_item_level"); v != "" {
		o.set("level", v)
	}
	if err := r.location(o, "op_item_lat", "op_item_lon"); err != nil {
		return nil, false, err
	}
	switch v := r.val("op_item_project"); {
	case v == clearMark:
		o.set("project", "")
	case v != "":
		pr, err := r.p.project("op_item_project", v)
		if err != nil {
			return nil, false, err
		}
		o.set("project", pr)
	}
	r.yesNo(o, "optional", "op_item_optional")
	return o, len(o.keys) > 1, nil
}

// projectRecord reads a project's fields.
func (r *recordForm) projectRecord(id string) (*object, bool, error) {
	o := &object{}
	o.set("id", id)
	if err := r.text(o, "name", "op_project_name"); err != nil {
		return nil, false, err
	}
	if err := r.text(o, "description", "op_project_description"); err != nil {
		return nil, false, err
	}
	if v := r.val("op_status"); v != "" {
		o.set("status", v)
	}
	return o, len(o.keys) > 1, nil
}

// recordEdit fills e, a record operation's edit, from the form; the
// inputs naming records (op_unit, op_item, op_project, op_alliances) are
// resolved already into e.
func recordEdit(c echo.Context, l *Lang, p *picker, e *scenario.Edit) error {
	r := &recordForm{c: c, l: l, p: p, set: slices.Contains(setOps, e.Op)}
	var err error
	switch e.Op {
	case scenario.OpAddUnit:
		var o *object
		if o, _, err = r.unitRecord(r.val("op_new_unit")); err == nil {
			e.Unit, err = ref[matcher.Unit](o)
		}
	case scenario.OpSetUnit:
		id := e.Unit.ID
		o, any, rerr := r.unitRecord(id)
		switch err = rerr; {
		case err == nil && any:
			e.Unit, err = ref[matcher.Unit](o)
		case err == nil && id != "" && len(e.Alliances) == 0:
			err = &formError{"op", l.T("whatif.err.nochange")}
		}
	case scenario.OpAddItem:
		id := r.val("op_new_item")
		if id == "" && e.Unit.ID != "" {
			kind := matcher.ItemKind(r.val("op_item_kind"))
			proj := ""
			if v := r.val("op_item_project"); v != "" && v != clearMark {
				proj, _ = p.project("op_item_project", v)
				delete(p.picks, "op_item_project")
			}
			id = newItemID(p.n.v.Reader(), e.Unit.ID, kind, proj)
		}
		var o *object
		if o, _, err = r.itemRecord(id); err == nil {
			e.Item, err = ref[matcher.Item](o)
		}
	case scenario.OpSetItem:
		id := e.Item.ID
		o, any, rerr := r.itemRecord(id)
		switch err = rerr; {
		case err == nil && any:
			e.Item, err = ref[matcher.Item](o)
		case err == nil && id != "" && e.Quantity == nil && e.RadiusKM == nil && e.Windows == nil:
			err = &formError{"op", l.T("whatif.err.nochange")}
		}
	case scenario.OpAddProject:
		id := r.val("op_new_project")
		if id == "" && e.Unit.ID != "" {
			id = newProjectID(p.n.v.Reader(), e.Unit.ID)
		}
		var o *object
		if o, _, err = r.projectRecord(id); err == nil {
			e.Project, err = ref[matcher.Project](o)
		}
	case scenario.OpSetProject:
		o, any, rerr := r.projectRecord(e.Project.ID)
		switch err = rerr; {
		case err == nil && e.Project.ID != "" && !any:
			err = &formError{"op", l.T("whatif.err.nochange")}
		case err == nil:
			e.Project, err = ref[matcher.Project](o)
		}
	}
	return err
}

// indexRe drops the indices of a field's path (windows[2].from).
var indexRe = regexp.MustCompile(`\[\d+\]`)

// opFieldInputs map a field of an edit (edits[i] left out, indices
// dropped) to the form input it came from; an id's input depends on
// whether the edit adds the record.
var opFieldInputs = map[string]string{
	"unit": "op_unit", "unit.name": "op_unit_name", "unit.kind": "op_unit_kind", "unit.party_org": "op_unit_party",
	"unit.grid": "op_unit_grid", "unit.location": "op_unit_lat", "unit.location.lat": "op_unit_lat", "unit.location.lon": "op_unit_lon",
	"unit.alliances": "op_alliances", "alliances": "op_alliances", "alliance": "op_alliance",
	"item": "op_item", "item.unit": "op_unit", "item.kind": "op_item_kind", "item.title": "op_item_title", "item.category": "op_item_category",
	"item.description": "op_item_description", "item.tags": "op_item_tags", "item.quantity": "op_quantity", "quantity": "op_quantity",
	"item.measure": "op_item_measure", "item.radius_km": "op_radius", "radius_km": "op_radius", "item.windows": "op_windows",
	"item.windows.from": "op_windows", "item.windows.to": "op_windows", "windows": "op_windows", "windows.from": "op_windows", "windows.to": "op_windows",
	"item.priority": "op_item_priority", "item.status": "op_item_status", "item.level": "op_item_level", "item.location": "op_item_lat",
	"item.location.lat": "op_item_lat", "item.location.lon": "op_item_lon", "item.project": "op_item_project", "item.optional": "op_item_optional",
	"project": "op_project", "project.unit": "op_unit", "project.name": "op_project_name", "project.description": "op_project_description",
	"project.status": "op_status", "status": "op_status",
}

// opInputOf returns the form input of field (edits[i].item.title) of
// an edit of operation op: "op" when no input has it.
func opInputOf(op, field string) string {
	_, rest, _ := strings.Cut(field, "]")
	rest = indexRe.ReplaceAllString(strings.TrimPrefix(rest, "."), "")
	if record, ok := strings.CutSuffix(rest, ".id"); ok && recordInputs[record] != nil {
		if slices.Contains(addOps, op) {
			return "op_new_" + record
		}
		return "op_" + record
	}
	if in, ok := opFieldInputs[rest]; ok {
		return in
	}
	return "op"
}

// OpFields renders the groups of "one more edit" with what was sent, the
// input at fault marked and the matches to choose from. It is written
// here rather than in the template: the dashboard shows some forty
// inputs, and a template's escaping of each attribute cost the meeting
// page a sixth more allocations.
func (f *whatIfForm) OpFields() template.HTML {
	var b strings.Builder
	b.Grow(16 << 10)
	esc := html.EscapeString
	w := func(parts ...string) {
		for _, p := range parts {
			b.WriteString(p)
		}
	}
	for _, g := range f.Groups {
		w(`<fieldset class="opgroup" id="opgroup-`, g.Name, `"><legend>`, esc(g.Legend), "</legend>\n")
		for _, in := range g.Inputs {
			n := in.Name
			bad := ""
			if f.Field == n {
				bad = " bad"
			}
			w(`<div class="opfield`, bad, `" data-ops="`, in.OpsAttr(), `" id="field-`, n, `">`)
			v := esc(f.V(n))
			switch in.Type {
			case "pick":
				w(`<label for="`, n, `">`, esc(in.Label), `</label>`)
				if picks := f.Pick(n); len(picks) > 0 {
					w(` <span class="hint">`, esc(f.pickText), `</span> <select name="`, n, `" id="`, n, `">`)
					for _, o := range picks {
						w(`<option value="`, esc(o.Value), `">`, esc(o.Label), `</option>`)
					}
					w(`</select>`)
				} else {
					w(` <input type="search" name="`, n, `" id="`, n, `" value="`, v, `" placeholder="`, esc(in.HintText), `" autocomplete="off">`)
				}
			case "select":
				w(`<label>`, esc(in.Label), ` <select name="`, n, `" id="`, n, `">`)
				for _, o := range in.Options {
					sel := ""
					if f.V(n) == o.Value {
						sel = " selected"
					}
					w(`<option value="`, esc(o.Value), `"`, sel, `>`, esc(o.Label), `</option>`)
				}
				w(`</select></label>`)
			case "check":
				checked := ""
				if f.V(n) != "" {
					checked = " checked"
				}
				w(`<label><input type="checkbox" name="`, n, `" id="`, n, `" value="1"`, checked, `> `, esc(in.Label), `</label>`)
			case "area":
				w(`<label class="wide">`, esc(in.Label), ` <textarea name="`, n, `" id="`, n, `" rows="2" placeholder="`, esc(in.HintText), `">`, v, `</textarea></label>`)
			case "windows":
				w(`<span class="label">`, esc(in.Label), `</span> <span class="hint">`, esc(in.HintText), `</span>`)
				for k, row := range f.Windows {
					i := strconv.Itoa(k)
					w("\n", `<span class="window"><label>`, esc(fmt.Sprintf(f.fromText, k+1)), ` <input type="datetime-local" name="op_from" id="op_from_`, i, `" value="`, esc(row.From),
						`"></label> <label>`, esc(f.toText), ` <input type="datetime-local" name="op_to" id="op_to_`, i, `" value="`, esc(row.To), `"></label></span>`)
				}
			default:
				typ := `type="text"`
				switch in.Type {
				case "number":
					typ = `type="number"`
				case "decimal":
					typ = `type="text" inputmode="decimal"`
				}
				w(`<label>`, esc(in.Label), ` <input `, typ, ` name="`, n, `" id="`, n, `" value="`, v, `"`)
				for _, a := range [][2]string{{"min", in.Min}, {"max", in.Max}, {"step", in.Step}, {"list", in.List}, {"placeholder", in.HintText}} {
					if a[1] != "" {
						w(" ", a[0], `="`, esc(a[1]), `"`)
					}
				}
				w(`></label>`)
			}
			w("</div>\n")
		}
		w("</fieldset>\n")
	}
	return template.HTML(b.String())
}
