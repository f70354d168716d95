package scenario

import (
	"slices"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/index"
)

// OpDropFromAlliance: {"op":"drop_from_alliance","unit":ID,"alliance":ID}.
const OpDropFromAlliance = "drop_from_alliance"

func init() { register(dropFromAlliance{}) }

type dropFromAlliance struct{}

func (dropFromAlliance) Spec() Spec {
	return Spec{Name: OpDropFromAlliance, Rank: 21,
		Label:  [2]string{"退出联盟", "Leave an alliance"},
		Words:  [2]string{"%s 退出 %s", "%s leaves %s"},
		Fields: []Field{fieldUnit, fieldAlliance}}
}

func (dropFromAlliance) Apply(c *Ctx) error {
	id, err := c.UnitID()
	if err != nil {
		return err
	}
	a, err := c.Alliance()
	if err != nil {
		return err
	}
	if a.Lead == id {
		return matcher.FieldError(c.At("unit"), "unit %q leads alliance %q; it cannot leave it", id, a.ID)
	}
	if !slices.Contains(a.Members, id) {
		return matcher.FieldError(c.At("alliance"), "unit %q is not a member of %q", id, a.ID)
	}
	n := *a
	n.Members = slices.DeleteFunc(slices.Clone(a.Members), func(m string) bool { return m == id })
	return c.PutAlliance("alliance", n)
}

func (dropFromAlliance) Units(_ index.Reader, e *Edit) []string { return []string{e.Unit.ID} }

func (dropFromAlliance) Args(e *Edit) []Arg {
	return []Arg{unitArg(e), {Kind: ArgAlliance, Value: e.Alliance}}
}

func (dropFromAlliance) Memberships(e *Edit) []string { return []string{e.Alliance} }

func (dropFromAlliance) ChangesMembership(index.Reader, *Edit) bool { return true }
