package scenario

import (
	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/index"
)

// OpSetUnit changes the fields of a unit it gives, and no others:
// {"op":"set_unit","unit":{"id":ID, ...the fields that change}}, or
// {"op":"set_unit","unit":ID,"alliances":[...]}. "alliances" (in the unit
// or beside it) joins more, as add_unit; leaving is drop_from_alliance.
const OpSetUnit = "set_unit"

func init() { register(setUnit{}) }

type setUnit struct{}

func (setUnit) Spec() Spec {
	return Spec{Name: OpSetUnit, Rank: 11, Changes: true,
		Label:  [2]string{"修改成员单位", "Change a member unit"},
		Words:  [2]string{"修改成员单位 %s", "change member unit %s"},
		Fields: []Field{fieldUnit, {Name: "unit", Kind: ArgRecord, Label: [2]string{"改动的字段", "Fields that change"}, Optional: true}, fieldAlliances}}
}

// id returns the id of the unit e changes.
func (setUnit) id(e *Edit) string {
	id, _ := given(e.Unit, "unit", unitID)
	return id
}

func (op setUnit) Apply(c *Ctx) error {
	e := c.Edit
	id, field := given(e.Unit, "unit", unitID)
	switch {
	case id == "":
		return matcher.FieldError(c.At(field), "is required")
	case e.Unit.Value == nil && len(e.Alliances) == 0:
		return matcher.FieldError(c.At("unit"), `names no field to change: give a unit object with the fields that change ({"id":%q,"name":…}) or "alliances" to join`, id)
	}
	cur := c.Tx.UnitRaw(id)
	if cur == nil {
		return missing(c.At(field), "unit", id)
	}
	u := *cur
	if u.Location != nil {
		loc := *u.Location
		u.Location = &loc
	}
	if e.Unit.Value != nil {
		if err := patch(&u, e.Unit); err != nil {
			return matcher.FieldError(c.At("unit"), "%v", err)
		}
		if u.ID != id {
			return matcher.FieldError(c.At("unit.id"), "is %q; a unit's id does not change", u.ID)
		}
		if err := c.Grid("unit.grid", u.Grid); err != nil {
			return err
		}
	}
	if err := c.Alliances("unit.alliances", u.Alliances); err != nil {
		return err
	}
	if err := c.Alliances("alliances", e.Alliances); err != nil {
		return err
	}
	u.Alliances = joined(u.Alliances, e.Alliances)
	return c.PutUnit("unit", u)
}

func (op setUnit) Units(_ index.Reader, e *Edit) []string { return []string{op.id(e)} }

func (setUnit) Args(e *Edit) []Arg { return []Arg{unitArg(e)} }

func (setUnit) Memberships(e *Edit) []string {
	if v := e.Unit.Value; v != nil {
		return joined(v.Alliances, e.Alliances)
	}
	return e.Alliances
}

func (op setUnit) ChangesMembership(r index.Reader, e *Edit) bool {
	return joinsNew(r, op.id(e), op.Memberships(e))
}
