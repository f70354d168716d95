package scenario

import (
	"slices"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/index"
)

// OpRemoveUnit: {"op":"remove_unit","unit":ID}: leaves every alliance it
// does not lead, its items closed.
const OpRemoveUnit = "remove_unit"

func init() { register(removeUnit{}) }

type removeUnit struct{}

func (removeUnit) Spec() Spec {
	return Spec{Name: OpRemoveUnit, Rank: 12,
		Label:  [2]string{"移除成员单位", "Remove a member unit"},
		Words:  [2]string{"移除成员单位 %s", "remove member unit %s"},
		Fields: []Field{fieldUnit}}
}

func (removeUnit) Apply(c *Ctx) error {
	id, err := c.UnitID()
	if err != nil {
		return err
	}
	var leave []matcher.Alliance
	for a := range c.Tx.AlliancesOf(id) {
		if a.Lead == id {
			return matcher.FieldError(c.At("unit"), "unit %q leads alliance %q; it cannot leave it", id, a.ID)
		}
		n := *a
		n.Members = slices.DeleteFunc(slices.Clone(a.Members), func(m string) bool { return m == id })
		leave = append(leave, n)
	}
	var open []matcher.Item
	for it := range c.Tx.ItemsOf(id) {
		if it.Status == matcher.ItemOpen {
			n := *it
			n.Status = matcher.ItemClosed
			open = append(open, n)
		}
	}
	for _, a := range leave {
		if err := c.PutAlliance("unit", a); err != nil {
			return err
		}
	}
	for _, it := range open {
		if err := c.PutItem("unit", it); err != nil {
			return err
		}
	}
	return nil
}

func (removeUnit) Units(_ index.Reader, e *Edit) []string { return []string{e.Unit.ID} }

func (removeUnit) Args(e *Edit) []Arg { return []Arg{unitArg(e)} }

func (removeUnit) Memberships(*Edit) []string { return nil }

func (removeUnit) ChangesMembership(index.Reader, *Edit) bool { return true }
