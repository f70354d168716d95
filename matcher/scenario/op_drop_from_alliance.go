package scenario

import (
	"slices"

	"github.com/allymatch/allymatch/matcher"
)

// OpDropFromAlliance: {"op":"drop_from_alliance","unit":ID,"alliance":ID}.
const OpDropFromAlliance = "drop_from_alliance"

func init() { register(dropFromAlliance{}) }

// dropFromAlliance touches, says and changes what membership (op.go) says.
type dropFromAlliance struct{ membership }

func (dropFromAlliance) Spec() Spec {
	return Spec{Name: OpDropFromAlliance, Rank: 21,
		Label:  [2]string{"退出联盟", "Leave an alliance"},
		Words:  [2]string{"%s 退出 %s", "%s leaves %s"},
		Fields: []Field{fieldUnit, fieldAlliance}}
}

func (dropFromAlliance) Apply(c *Ctx) error {
	id, a, err := c.UnitInAlliance()
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
