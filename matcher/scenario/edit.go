package scenario

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"

	memdb "github.com/hashicorp/go-memdb"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/index"
	"github.com/allymatch/allymatch/matcher/match"
	"github.com/allymatch/allymatch/matcher/store"
)

// The edit operations.
const (
	OpAddUnit          = "add_unit"           // {"op":"add_unit","unit":{...unit, "alliances":[...]}}
	OpSetUnit          = "set_unit"           // {"op":"set_unit","unit":{...the whole unit, same id}}: "alliances" joins more, as add_unit; leaving is drop_from_alliance
	OpRemoveUnit       = "remove_unit"        // {"op":"remove_unit","unit":ID}: leaves every alliance it does not lead, its items closed
	OpAddItem          = "add_item"           // {"op":"add_item","unit":ID,"item":{...}}; a slot of a project: "item":{...,"project":ID}
	OpSetItem          = "set_item"           // {"op":"set_item","item":{...the whole item, same id}}: its kind, unit and level do not change
	OpRemoveItem       = "remove_item"        // {"op":"remove_item","item":ID}: closed (its claims keep their history)
	OpSetQuantity      = "set_quantity"       // {"op":"set_quantity","item":ID,"quantity":N}
	OpSetRadius        = "set_radius"         // {"op":"set_radius","item":ID,"radius_km":R}
	OpSetWindow        = "set_window"         // {"op":"set_window","item":ID,"windows":[{"from":..,"to":..}]} ([] = any time)
	OpAddProject       = "add_project"        // {"op":"add_project","project":{...project}} (or "unit":ID and a project without unit)
	OpSetProjectStatus = "set_project_status" // {"op":"set_project_status","project":ID,"status":"dropped"}: a done or dropped project's slots are not matched
	OpRemoveProject    = "remove_project"     // {"op":"remove_project","project":ID}: dropped and its slots closed (nothing is deleted)
	OpDropFromAlliance = "drop_from_alliance" // {"op":"drop_from_alliance","unit":ID,"alliance":ID}
	OpSetWeights       = "set_weights"        // {"op":"set_weights","weights":{...}}
	OpSetMode          = "set_mode"           // {"op":"set_mode","mode":"coverage"}
)

// Ops lists the edit operations.
var Ops = []string{OpAddUnit, OpSetUnit, OpRemoveUnit, OpAddItem, OpSetItem, OpRemoveItem, OpSetQuantity, OpSetRadius, OpSetWindow,
	OpAddProject, OpSetProjectStatus, OpRemoveProject, OpDropFromAlliance, OpSetWeights, OpSetMode}

// Ref is a record named by id ("unit":"lh-bank") or given whole
// ("unit":{...}); which one an op wants depends on the op.
type Ref[T any] struct {
	ID    string
	Value *T
}

// UnmarshalJSON accepts a string id or an object.
func (r *Ref[T]) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		return json.Unmarshal(b, &r.ID)
	}
	r.Value = new(T)
	return json.Unmarshal(b, r.Value)
}

// MarshalJSON writes the id or the object.
func (r Ref[T]) MarshalJSON() ([]byte, error) {
	if r.Value != nil {
		return json.Marshal(r.Value)
	}
	return json.Marshal(r.ID)
}

// IsZero lets omitzero drop an empty reference.
func (r Ref[T]) IsZero() bool { return r.ID == "" && r.Value == nil }

// Edit is one change of a scenario.
type Edit struct {
	Op       string                 `json:"op"`
	Unit     Ref[matcher.Unit]      `json:"unit,omitzero"`
	Item     Ref[matcher.Item]      `json:"item,omitzero"`
	Project  Ref[matcher.Project]   `json:"project,omitzero"`
	Alliance string                 `json:"alliance,omitempty"`
	Quantity *int64                 `json:"quantity,omitempty"`
	RadiusKM *float64               `json:"radius_km,omitempty"`
	Windows  *[]matcher.Window      `json:"windows,omitempty"`
	Status   *matcher.ProjectStatus `json:"status,omitempty"`
	Weights  *match.Weights         `json:"weights,omitempty"`
	Mode     *match.Mode            `json:"mode,omitempty"`
}

// units returns the units an edit changes (for scope checks), as far as r
// knows them: a record an earlier edit of the scenario adds is not in r.
func (e *Edit) units(r index.Reader) []string {
	var out []string
	add := func(ids ...string) {
		for _, id := range ids {
			if id != "" && !slices.Contains(out, id) {
				out = append(out, id)
			}
		}
	}
	switch e.Op {
	case OpAddUnit, OpSetUnit:
		if e.Unit.Value != nil {
			add(e.Unit.Value.ID)
		}
	case OpRemoveUnit, OpAddItem, OpDropFromAlliance:
		add(e.Unit.ID)
	case OpRemoveItem, OpSetQuantity, OpSetRadius, OpSetWindow:
		if it, err := r.Item(e.Item.ID); err == nil {
			add(it.Unit)
		}
	case OpSetItem:
		if v := e.Item.Value; v != nil {
			if it, err := r.Item(v.ID); err == nil {
				add(it.Unit)
			}
			add(v.Unit)
		}
		add(e.Unit.ID)
	case OpAddProject:
		if e.Project.Value != nil {
			add(e.Project.Value.Unit)
		}
		add(e.Unit.ID)
	case OpSetProjectStatus, OpRemoveProject:
		if p, err := r.Project(e.Project.ID); err == nil {
			add(p.Unit)
		}
	}
	return out
}

// memberships returns the alliances whose members e changes (joined by
// add_unit or set_unit, left by drop_from_alliance), for scope checks:
// only who may run an alliance's meeting changes its members.
func (e *Edit) memberships() []string {
	switch e.Op {
	case OpAddUnit, OpSetUnit:
		if u := e.Unit.Value; u != nil {
			return u.Alliances
		}
	case OpDropFromAlliance:
		return []string{e.Alliance}
	}
	return nil
}

// changesMembership reports whether e changes who is a member of an
// alliance (coordinators' and admins' business): add_unit, remove_unit,
// drop_from_alliance, and a set_unit that joins an alliance the unit is
// not in at r.
func (e *Edit) changesMembership(r index.Reader) bool {
	switch e.Op {
	case OpAddUnit, OpRemoveUnit, OpDropFromAlliance:
		return true
	case OpSetUnit:
		if u := e.Unit.Value; u != nil {
			for _, id := range u.Alliances {
				a, err := r.Alliance(id)
				if err != nil || a.Lead != u.ID && !slices.Contains(a.Members, u.ID) {
					return true
				}
			}
		}
	}
	return false
}

// missing is the answer for an id that names nothing the caller may
// see: absent, or outside its scope (Manager.Create answers both alike).
func missing(field string, what matcher.Noun, id string) error {
	return matcher.NewError(matcher.ENOTFOUND, field, "no %s %q", what, id)
}

// slotMissing is missing for a slot's project: absent, foreign, or of
// another unit.
func slotMissing(field, unit, project string) error {
	return matcher.NewError(matcher.ENOTFOUND, field, "unit %q has no project %q", unit, project)
}

// ref is an id an edit names, by the field applyEdit reports it under.
type ref struct{ field, table, id string }

// refs returns the ids of existing records e names (a record e creates is
// not among them), for scope checks.
func (e *Edit) refs() []ref {
	var out []ref
	add := func(field, table, id string) {
		if id != "" {
			out = append(out, ref{field, table, id})
		}
	}
	if e.Unit.Value == nil {
		add("unit", index.TableUnits, e.Unit.ID)
	} else {
		if e.Op == OpSetUnit {
			add("unit.id", index.TableUnits, e.Unit.Value.ID)
		}
		for i, a := range e.Unit.Value.Alliances {
			add(fmt.Sprintf("unit.alliances[%d]", i), index.TableAlliances, a)
		}
	}
	if v := e.Item.Value; v == nil {
		add("item", index.TableItems, e.Item.ID)
	} else {
		if e.Op == OpSetItem {
			add("item.id", index.TableItems, v.ID)
		}
		add("item.unit", index.TableUnits, v.Unit)
		add("item.project", index.TableProjects, v.Project)
	}
	if v := e.Project.Value; v == nil {
		add("project", index.TableProjects, e.Project.ID)
	} else {
		add("project.unit", index.TableUnits, v.Unit)
	}
	add("alliance", index.TableAlliances, e.Alliance)
	return out
}

// writer is where edits go: a scenario's private fork, or the store's
// transaction when a scenario is applied.
type writer interface {
	reader() index.Reader
	vocabulary() *matcher.Vocabulary
	putUnit(u matcher.Unit) error // u.Alliances: join those
	putItem(it matcher.Item) error
	putProject(p matcher.Project) error
	putAlliance(a matcher.Alliance) error
}

type txWriter struct{ tx *store.Tx }

func (w txWriter) reader() index.Reader                 { return w.tx.Reader }
func (w txWriter) vocabulary() *matcher.Vocabulary      { return w.tx.Vocabulary() }
func (w txWriter) putUnit(u matcher.Unit) error         { return w.tx.PutUnit(u) }
func (w txWriter) putItem(it matcher.Item) error        { return w.tx.PutItem(it) }
func (w txWriter) putProject(p matcher.Project) error   { return w.tx.PutProject(p) }
func (w txWriter) putAlliance(a matcher.Alliance) error { return w.tx.PutAlliance(a) }

// forkWriter writes into a fork's memdb transaction: objects are inserted
// as fresh copies (the index never changes an object in place).
type forkWriter struct {
	txn   *memdb.Txn
	vocab *matcher.Vocabulary
	keys  *[]index.Key // every record written, for the change log
}

func (w forkWriter) insert(table, id string, obj any) error {
	if err := w.txn.Insert(table, obj); err != nil {
		return err
	}
	*w.keys = append(*w.keys, index.Key{Table: table, ID: id})
	return nil
}

func (w forkWriter) reader() index.Reader            { return index.NewReader(w.txn) }
func (w forkWriter) vocabulary() *matcher.Vocabulary { return w.vocab }

func (w forkWriter) putUnit(u matcher.Unit) error {
	if err := u.Validate(); err != nil {
		return err
	}
	join := u.Alliances
	u.Alliances = nil
	if u.Location != nil {
		loc := *u.Location
		u.Location = &loc
	}
	if err := w.insert(index.TableUnits, u.ID, &u); err != nil {
		return err
	}
	r := w.reader()
	for i, id := range join {
		a, err := r.Alliance(id)
		if err != nil {
			return missing(fmt.Sprintf("alliances[%d]", i), "alliance", id)
		}
		if a.Lead == u.ID || slices.Contains(a.Members, u.ID) {
			continue
		}
		c := *a
		c.Members = append(slices.Clone(a.Members), u.ID)
		if err := w.putAlliance(c); err != nil {
			return err
		}
	}
	return nil
}

func (w forkWriter) putItem(it matcher.Item) error {
	if err := it.Validate(); err != nil {
		return err
	}
	it.Tags, it.Windows = slices.Clone(it.Tags), slices.Clone(it.Windows)
	if it.Location != nil {
		loc := *it.Location
		it.Location = &loc
	}
	return w.insert(index.TableItems, it.ID, &it)
}

func (w forkWriter) putProject(p matcher.Project) error {
	if err := p.Validate(); err != nil {
		return err
	}
	return w.insert(index.TableProjects, p.ID, &p)
}

func (w forkWriter) putAlliance(a matcher.Alliance) error {
	if err := a.Validate(); err != nil {
		return err
	}
	return w.insert(index.TableAlliances, a.ID, &a)
}

// applyEdit validates edit e (the i-th) against the state w has so far and
// writes it; settings edits change set. Errors name edits[i] and the field.
func applyEdit(w writer, i int, e *Edit, set *match.Settings) error {
	at := func(field string) string {
		if field == "" {
			return fmt.Sprintf("edits[%d]", i)
		}
		return fmt.Sprintf("edits[%d].%s", i, field)
	}
	wrap := func(field string, err error) error {
		if err == nil {
			return nil
		}
		if matcher.ErrorCode(err) != matcher.EINVALID && matcher.ErrorCode(err) != matcher.ENOTFOUND {
			return err
		}
		var p matcher.Problems
		p.AddErr(at(field), err)
		return p.Err()
	}
	r := w.reader()
	item := func() (*matcher.Item, error) {
		if e.Item.Value != nil || e.Item.ID == "" {
			return nil, matcher.FieldError(at("item"), "must be the id of an item")
		}
		it, err := r.Item(e.Item.ID)
		if err != nil {
			return nil, missing(at("item"), "item", e.Item.ID)
		}
		return it, nil
	}
	unitID := func() (string, error) {
		if e.Unit.Value != nil || e.Unit.ID == "" {
			return "", matcher.FieldError(at("unit"), "must be the id of a unit")
		}
		if r.UnitRaw(e.Unit.ID) == nil {
			return "", missing(at("unit"), "unit", e.Unit.ID)
		}
		return e.Unit.ID, nil
	}
	project := func() (*matcher.Project, error) {
		if e.Project.Value != nil || e.Project.ID == "" {
			return nil, matcher.FieldError(at("project"), "must be the id of a project")
		}
		p, err := r.Project(e.Project.ID)
		if err != nil {
			return nil, missing(at("project"), "project", e.Project.ID)
		}
		return p, nil
	}
	// grid and slotOf check what the store checks when the edits are
	// applied, so that a fork takes no edit the store would refuse.
	grid := func(field, id string) error {
		if id == "" {
			return nil
		}
		if _, err := r.Grid(id); err != nil {
			return matcher.FieldError(at(field), "no grid %q", id)
		}
		return nil
	}
	slotOf := func(it *matcher.Item) error {
		if it.Project == "" {
			return nil
		}
		if p, err := r.Project(it.Project); err != nil || p.Unit != it.Unit {
			return slotMissing(at("item.project"), it.Unit, it.Project)
		}
		return nil
	}
	category := func(it *matcher.Item) error {
		if c, ok := w.vocabulary().Lookup(it.Category); ok {
			it.Category = c
		} else if it.Category != "" {
			return matcher.FieldError(at("item.category"), "unknown category %q", it.Category)
		}
		return nil
	}
	switch e.Op {
	case OpAddUnit:
		if e.Unit.Value == nil {
			return matcher.FieldError(at("unit"), "must be a unit object")
		}
		u := *e.Unit.Value
		if r.UnitRaw(u.ID) != nil {
			return matcher.FieldError(at("unit.id"), "unit %q exists already", u.ID)
		}
		if err := grid("unit.grid", u.Grid); err != nil {
			return err
		}
		u.Rev = 0
		return wrap("unit", w.putUnit(u))
	case OpSetUnit:
		if e.Unit.Value == nil {
			return matcher.FieldError(at("unit"), "must be a unit object (the whole unit)")
		}
		u := *e.Unit.Value
		if u.ID == "" {
			return matcher.FieldError(at("unit.id"), "is required")
		}
		cur := r.UnitRaw(u.ID)
		if cur == nil {
			return missing(at("unit.id"), "unit", u.ID)
		}
		if err := grid("unit.grid", u.Grid); err != nil {
			return err
		}
		u.Rev = cur.Rev
		return wrap("unit", w.putUnit(u))
	case OpRemoveUnit:
		id, err := unitID()
		if err != nil {
			return err
		}
		for a := range r.AlliancesOf(id) {
			if a.Lead == id {
				return matcher.FieldError(at("unit"), "unit %q leads alliance %q; it cannot leave it", id, a.ID)
			}
		}
		var leave []matcher.Alliance
		for a := range r.AlliancesOf(id) {
			c := *a
			c.Members = slices.DeleteFunc(slices.Clone(a.Members), func(m string) bool { return m == id })
			leave = append(leave, c)
		}
		for _, a := range leave {
			if err := w.putAlliance(a); err != nil {
				return wrap("unit", err)
			}
		}
		var slots []matcher.Item
		for it := range r.ItemsOf(id) {
			if it.Status == matcher.ItemOpen {
				c := *it
				c.Status = matcher.ItemClosed
				slots = append(slots, c)
			}
		}
		for _, it := range slots {
			if err := w.putItem(it); err != nil {
				return wrap("unit", err)
			}
		}
		return nil
	case OpAddItem:
		id, err := unitID()
		if err != nil {
			return err
		}
		if e.Item.Value == nil {
			return matcher.FieldError(at("item"), "must be an item object")
		}
		it := *e.Item.Value
		if it.Unit != "" && it.Unit != id {
			return matcher.FieldError(at("item.unit"), "is %q, the edit's unit is %q", it.Unit, id)
		}
		it.Unit, it.Rev = id, 0
		it.SetDefaults()
		if err := category(&it); err != nil {
			return err
		}
		if _, err := r.Item(it.ID); err == nil {
			return matcher.FieldError(at("item.id"), "item %q exists already", it.ID)
		}
		if err := slotOf(&it); err != nil {
			return err
		}
		return wrap("item", w.putItem(it))
	case OpSetItem:
		if e.Item.Value == nil {
			return matcher.FieldError(at("item"), "must be an item object (the whole item)")
		}
		it := *e.Item.Value
		if it.ID == "" {
			return matcher.FieldError(at("item.id"), "is required")
		}
		cur, err := r.Item(it.ID)
		if err != nil {
			return missing(at("item.id"), "item", it.ID)
		}
		if e.Unit.Value != nil {
			return matcher.FieldError(at("unit"), "must be the id of the item's unit, or left out")
		}
		if e.Unit.ID != "" && e.Unit.ID != cur.Unit {
			return matcher.FieldError(at("unit"), "is %q; item %q belongs to unit %q and an item's unit does not change (remove it and add another)", e.Unit.ID, cur.ID, cur.Unit)
		}
		// Fields left out that an item cannot lack keep the item's.
		keep := func(v *string, was string) {
			if *v == "" {
				*v = was
			}
		}
		keep((*string)(&it.Kind), string(cur.Kind))
		keep(&it.Unit, cur.Unit)
		keep((*string)(&it.Level), string(cur.Level))
		keep((*string)(&it.Status), string(cur.Status))
		if it.Priority == 0 {
			it.Priority = cur.Priority
		}
		switch {
		case it.Kind != cur.Kind:
			return matcher.FieldError(at("item.kind"), "is %q; item %q is a %s and an item's kind does not change (remove it and add another)", it.Kind, cur.ID, cur.Kind)
		case it.Unit != cur.Unit:
			return matcher.FieldError(at("item.unit"), "is %q; item %q belongs to unit %q and an item's unit does not change (remove it and add another)", it.Unit, cur.ID, cur.Unit)
		case it.Level != cur.Level:
			return matcher.FieldError(at("item.level"), "is %q; item %q sits at the %s level and levels change by escalation, not by edit", it.Level, cur.ID, cur.Level)
		}
		if err := category(&it); err != nil {
			return err
		}
		if err := slotOf(&it); err != nil {
			return err
		}
		if held := r.Held(cur); it.Quantity >= 1 && it.Quantity < held {
			return matcher.FieldError(at("item.quantity"), "must be ≥ %d, the quantity confirmed claims hold", held)
		}
		it.Rev = cur.Rev
		return wrap("item", w.putItem(it))
	case OpRemoveItem:
		it, err := item()
		if err != nil {
			return err
		}
		c := *it
		c.Status = matcher.ItemClosed
		return wrap("item", w.putItem(c))
	case OpSetQuantity:
		it, err := item()
		if err != nil {
			return err
		}
		switch {
		case e.Quantity == nil:
			return matcher.FieldError(at("quantity"), "is required")
		case *e.Quantity < 1:
			return matcher.FieldError(at("quantity"), "must be ≥ 1, got %d", *e.Quantity)
		case *e.Quantity > matcher.MaxQuantity:
			return matcher.FieldError(at("quantity"), "must be ≤ %d, got %d", matcher.MaxQuantity, *e.Quantity)
		}
		if held := r.Held(it); *e.Quantity < held {
			return matcher.FieldError(at("quantity"), "must be ≥ %d, the quantity confirmed claims hold", held)
		}
		c := *it
		c.Quantity = *e.Quantity
		return wrap("item", w.putItem(c))
	case OpSetRadius:
		it, err := item()
		if err != nil {
			return err
		}
		if e.RadiusKM == nil {
			return matcher.FieldError(at("radius_km"), "is required")
		}
		if v := *e.RadiusKM; math.IsNaN(v) || v < 0 || v > matcher.MaxRadiusKM {
			return matcher.FieldError(at("radius_km"), "must be between 0 and %d, got %v", matcher.MaxRadiusKM, v)
		}
		c := *it
		c.RadiusKM = *e.RadiusKM
		return wrap("item", w.putItem(c))
	case OpSetWindow:
		it, err := item()
		if err != nil {
			return err
		}
		if e.Windows == nil {
			return matcher.FieldError(at("windows"), "is required ([] for any time)")
		}
		c := *it
		c.Windows = slices.Clone(*e.Windows)
		return wrap("item", w.putItem(c))
	case OpAddProject:
		if e.Project.Value == nil {
			return matcher.FieldError(at("project"), "must be a project object")
		}
		if e.Unit.Value != nil {
			return matcher.FieldError(at("unit"), "must be the id of a unit")
		}
		p := *e.Project.Value
		switch {
		case p.Unit == "" && e.Unit.ID == "":
			return matcher.FieldError(at("project.unit"), "is required")
		case p.Unit == "":
			p.Unit = e.Unit.ID
		case e.Unit.ID != "" && e.Unit.ID != p.Unit:
			return matcher.FieldError(at("project.unit"), "is %q, the edit's unit is %q", p.Unit, e.Unit.ID)
		}
		if r.UnitRaw(p.Unit) == nil {
			return missing(at("project.unit"), "unit", p.Unit)
		}
		if _, err := r.Project(p.ID); err == nil {
			return matcher.FieldError(at("project.id"), "project %q exists already", p.ID)
		}
		p.Rev = 0
		p.SetDefaults()
		return wrap("project", w.putProject(p))
	case OpSetProjectStatus:
		p, err := project()
		if err != nil {
			return err
		}
		if e.Status == nil {
			return matcher.FieldError(at("status"), "is required")
		}
		switch *e.Status {
		case matcher.ProjectPlanned, matcher.ProjectRunning, matcher.ProjectDone, matcher.ProjectDropped:
		default:
			return matcher.FieldError(at("status"), "must be planned, running, done or dropped, got %q", *e.Status)
		}
		c := *p
		c.Status = *e.Status
		return wrap("project", w.putProject(c))
	case OpRemoveProject:
		p, err := project()
		if err != nil {
			return err
		}
		if p.Status == matcher.ProjectDone {
			return matcher.FieldError(at("project"), "project %q is done; a done project stays on the list", p.ID)
		}
		// A project with slots cannot be deleted; removing it drops it
		// and closes its slots, whose claims keep their history.
		c := *p
		c.Status = matcher.ProjectDropped
		var slots []matcher.Item
		for it := range r.Slots(p.ID) {
			if it.Status != matcher.ItemClosed {
				s := *it
				s.Status = matcher.ItemClosed
				slots = append(slots, s)
			}
		}
		if err := w.putProject(c); err != nil {
			return wrap("project", err)
		}
		for _, it := range slots {
			if err := w.putItem(it); err != nil {
				return wrap("project", err)
			}
		}
		return nil
	case OpDropFromAlliance:
		id, err := unitID()
		if err != nil {
			return err
		}
		a, err := r.Alliance(e.Alliance)
		if err != nil {
			return missing(at("alliance"), "alliance", e.Alliance)
		}
		if a.Lead == id {
			return matcher.FieldError(at("unit"), "unit %q leads alliance %q; it cannot leave it", id, a.ID)
		}
		if !slices.Contains(a.Members, id) {
			return matcher.FieldError(at("alliance"), "unit %q is not a member of %q", id, a.ID)
		}
		c := *a
		c.Members = slices.DeleteFunc(slices.Clone(a.Members), func(m string) bool { return m == id })
		return wrap("alliance", w.putAlliance(c))
	case OpSetWeights:
		if e.Weights == nil {
			return matcher.FieldError(at("weights"), "is required")
		}
		if err := e.Weights.Validate(); err != nil {
			var p matcher.Problems
			p.AddErr(at(""), err)
			return p.Err()
		}
		set.Weights = *e.Weights
		return nil
	case OpSetMode:
		if e.Mode == nil {
			return matcher.FieldError(at("mode"), "is required")
		}
		s := *set
		s.Mode = *e.Mode
		if s.Validate() != nil {
			return matcher.FieldError(at("mode"), "must be welfare, coverage or stable, got %q", *e.Mode)
		}
		set.Mode = *e.Mode
		return nil
	case "":
		return matcher.FieldError(at("op"), "is required")
	}
	return matcher.FieldError(at("op"), "unknown op %q (one of %v)", e.Op, Ops)
}
