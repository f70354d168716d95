package scenario

import (
	"slices"

	"github.com/allymatch/allymatch/matcher"
)

// OpJoinAlliance: {"op":"join_alliance","unit":ID,"alliance":ID}: the unit
// becomes a member of one more alliance (and stays in its others).
const OpJoinAlliance = "join_alliance"

func init() { register(joinAlliance{}) }

// joinAlliance touches, says and changes what membership (op.go) says.
type joinAlliance struct{ membership }

func (joinAlliance) Spec() Spec {
	return Spec{Name: OpJoinAlliance, Rank: 20,
		Label:  [2]string{"加入联盟", "Join an alliance"},
		Words:  [2]string{"%s 加入 %s", "%s joins %s"},
		Fields: []Field{fieldUnit, fieldAlliance}}
}

func (joinAlliance) Apply(c *Ctx) error {
	id, a, err := c.UnitInAlliance()
	if err != nil {
		return err
	}
	if a.Lead == id || slices.Contains(a.Members, id) {
		return matcher.FieldError(c.At("alliance"), "unit %q is in %q already", id, a.ID)
	}
	n := *a
	n.Members = append(slices.Clone(a.Members), id)
	return c.PutAlliance("alliance", n)
}
