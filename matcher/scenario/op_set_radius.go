package scenario

import (
	"math"
	"strconv"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/index"
)

// OpSetRadius: {"op":"set_radius","item":ID,"radius_km":R}.
const OpSetRadius = "set_radius"

func init() { register(setRadius{}) }

type setRadius struct{}

func (setRadius) Spec() Spec {
	return Spec{Name: OpSetRadius, Rank: 41,
		Label:  [2]string{"修改服务半径", "Change the radius"},
		Words:  [2]string{"将 %s 的服务半径改为 %s 公里", "set the radius of %s to %s km"},
		Fields: []Field{fieldItem, {Name: "radius_km", Kind: ArgText, Label: [2]string{"服务半径（公里）", "Radius (km)"}}}}
}

func (setRadius) Apply(c *Ctx) error {
	it, err := c.Item()
	if err != nil {
		return err
	}
	if err := checkRadius(c, "radius_km", c.Edit.RadiusKM); err != nil {
		return err
	}
	n := *it
	n.RadiusKM = *c.Edit.RadiusKM
	return c.PutItem("item", n)
}

// checkRadius checks a new radius of field.
func checkRadius(c *Ctx, field string, km *float64) error {
	if km == nil {
		return matcher.FieldError(c.At(field), "is required")
	}
	if v := *km; math.IsNaN(v) || v < 0 || v > matcher.MaxRadiusKM {
		return matcher.FieldError(c.At(field), "must be between 0 and %d, got %v", matcher.MaxRadiusKM, v)
	}
	return nil
}

func (setRadius) Units(r index.Reader, e *Edit) []string { return []string{itemUnit(r, e.Item.ID)} }

func (setRadius) Args(e *Edit) []Arg {
	v := ""
	if e.RadiusKM != nil {
		v = strconv.FormatFloat(*e.RadiusKM, 'f', -1, 64)
	}
	return []Arg{itemArg(e), {Kind: ArgText, Value: v}}
}
