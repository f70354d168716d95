package scenario

import (
	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/index"
)

// OpAddUnit: {"op":"add_unit","unit":{...unit, "alliances":[...]}}.
const OpAddUnit = "add_unit"

func init() { register(addUnit{}) }

type addUnit struct{}

func (addUnit) Spec() Spec {
	return Spec{Name: OpAddUnit, Rank: 10,
		Label:  [2]string{"新增成员单位", "Add a member unit"},
		Words:  [2]string{"新增成员单位 %s", "add member unit %s"},
		Fields: []Field{{Name: "unit", Kind: ArgRecord, Label: [2]string{"成员单位", "Member unit"}}, fieldAlliances}}
}

func (addUnit) Apply(c *Ctx) error {
	e := c.Edit
	if e.Unit.Value == nil {
		return matcher.FieldError(c.At("unit"), "must be a unit object")
	}
	u := *e.Unit.Value
	if c.Tx.UnitRaw(u.ID) != nil {
		return matcher.FieldError(c.At("unit.id"), "unit %q exists already", u.ID)
	}
	if err := c.Grid("unit.grid", u.Grid); err != nil {
		return err
	}
	if u.Location != nil {
		loc := *u.Location
		u.Location = &loc
	}
	if err := c.Alliances("unit.alliances", u.Alliances); err != nil {
		return err
	}
	if err := c.Alliances("alliances", e.Alliances); err != nil {
		return err
	}
	u.Rev, u.Born = 0, 0
	u.Alliances = joined(u.Alliances, e.Alliances)
	return c.PutUnit("unit", u)
}

func (addUnit) Units(_ index.Reader, e *Edit) []string {
	if v := e.Unit.Value; v != nil {
		return []string{v.ID}
	}
	return nil
}

func (addUnit) Args(e *Edit) []Arg { return []Arg{unitArg(e)} }

func (addUnit) Memberships(e *Edit) []string {
	if v := e.Unit.Value; v != nil {
		return joined(v.Alliances, e.Alliances)
	}
	return e.Alliances
}

func (addUnit) ChangesMembership(index.Reader, *Edit) bool { return true }
