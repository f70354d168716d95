package scenario

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/index"
	"github.com/allymatch/allymatch/matcher/match"
)

// Ref is a record named by id ("unit":"lh-bank") or given as an object
// ("unit":{...}); which one an op wants depends on the op. An object keeps
// the JSON it was read from: a partial update (set_unit, set_item,
// set_project) changes the fields that JSON has, and only those.
type Ref[T any] struct {
	ID    string
	Value *T
	raw   json.RawMessage
}

// UnmarshalJSON accepts a string id or an object.
func (r *Ref[T]) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		return json.Unmarshal(b, &r.ID)
	}
	r.Value = new(T)
	if err := json.Unmarshal(b, r.Value); err != nil {
		return err
	}
	var c bytes.Buffer
	if err := json.Compact(&c, b); err != nil {
		return err
	}
	r.raw = c.Bytes()
	return nil
}

// MarshalJSON writes the id, or the object as it was read (as given, when
// made in code).
func (r Ref[T]) MarshalJSON() ([]byte, error) {
	if r.raw != nil {
		return r.raw, nil
	}
	if r.Value != nil {
		return json.Marshal(r.Value)
	}
	return json.Marshal(r.ID)
}

// IsZero lets omitzero drop an empty reference.
func (r Ref[T]) IsZero() bool { return r.ID == "" && r.Value == nil }

// patch sets the fields of *cur that r gives: those of the JSON object r
// was read from, or, for a Ref made in code, the fields of r.Value that are
// not zero. cur's slices and pointers must be its own (copies).
func patch[T any](cur *T, r Ref[T]) error {
	if r.raw != nil {
		return json.Unmarshal(r.raw, cur)
	}
	if r.Value == nil {
		return nil
	}
	src, dst := reflect.ValueOf(r.Value).Elem(), reflect.ValueOf(cur).Elem()
	for i := range src.NumField() {
		if f := src.Field(i); !f.IsZero() {
			dst.Field(i).Set(f)
		}
	}
	return nil
}

// Edit is one change of a scenario; Op names its operation (op_*.go), which
// reads the fields it needs.
type Edit struct {
	Op       string               `json:"op"`
	Unit     Ref[matcher.Unit]    `json:"unit,omitzero"`
	Item     Ref[matcher.Item]    `json:"item,omitzero"`
	Project  Ref[matcher.Project] `json:"project,omitzero"`
	Alliance string               `json:"alliance,omitempty"`
	// Alliances a unit joins (add_unit, set_unit).
	Alliances []string               `json:"alliances,omitempty"`
	Quantity  *int64                 `json:"quantity,omitempty"`
	RadiusKM  *float64               `json:"radius_km,omitempty"`
	Windows   *[]matcher.Window      `json:"windows,omitempty"`
	Status    *matcher.ProjectStatus `json:"status,omitempty"`
	// Weights a set_weights edit sets, by term (match.Terms): the terms it
	// does not name keep their current value (the scenario's base, or an
	// earlier set_weights), so that a planner who fills half a row of
	// weights changes only those.
	Weights map[string]int `json:"weights,omitempty"`
	Mode    *match.Mode    `json:"mode,omitempty"`
}

// joined returns the alliance ids of a and b, each once, in order.
func joined(a, b []string) []string {
	out := slices.Clone(a)
	for _, id := range b {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

func intText(q *int64) string {
	if q == nil {
		return ""
	}
	return strconv.FormatInt(*q, 10)
}

var fieldAlliances = Field{Name: "alliances", Kind: ArgList, Label: [2]string{"加入联盟", "Alliances joined"}, Optional: true}

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

// given returns the id of the record r names and the field that names
// it: the id given alone (name), or the id of the record given whole
// (name.id).
func given[T any](r Ref[T], name string, id func(*T) string) (string, string) {
	if r.Value != nil {
		return id(r.Value), name + ".id"
	}
	return r.ID, name
}

// The ids of the records an edit gives whole (given).
var (
	unitID    = func(u *matcher.Unit) string { return u.ID }
	itemID    = func(it *matcher.Item) string { return it.ID }
	projectID = func(p *matcher.Project) string { return p.ID }
)

// ref is an id an edit names, by the field its operation reports it under.
type ref struct{ field, table, id string }

// refs returns the ids of existing records e names (a record e creates is
// not among them: the id of a record given whole counts only when its
// operation changes an existing one, Spec.Changes), for scope checks.
func (e *Edit) refs() []ref {
	var changes bool
	if op, ok := registry[e.Op]; ok {
		changes = op.Spec().Changes
	}
	var out []ref
	add := func(field, table, id string) {
		if id != "" {
			out = append(out, ref{field, table, id})
		}
	}
	// The record a field names: an id given alone, or the id of a record
	// given whole that the operation changes.
	named := func(table string, whole bool, id, field string) {
		if !whole || changes {
			add(field, table, id)
		}
	}
	id, field := given(e.Unit, "unit", unitID)
	named(index.TableUnits, e.Unit.Value != nil, id, field)
	if v := e.Unit.Value; v != nil {
		for i, a := range v.Alliances {
			add(fmt.Sprintf("unit.alliances[%d]", i), index.TableAlliances, a)
		}
	}
	for i, a := range e.Alliances {
		add(fmt.Sprintf("alliances[%d]", i), index.TableAlliances, a)
	}
	id, field = given(e.Item, "item", itemID)
	named(index.TableItems, e.Item.Value != nil, id, field)
	if v := e.Item.Value; v != nil {
		add("item.unit", index.TableUnits, v.Unit)
		add("item.project", index.TableProjects, v.Project)
	}
	id, field = given(e.Project, "project", projectID)
	named(index.TableProjects, e.Project.Value != nil, id, field)
	if v := e.Project.Value; v != nil {
		add("project.unit", index.TableUnits, v.Unit)
	}
	add("alliance", index.TableAlliances, e.Alliance)
	return out
}
