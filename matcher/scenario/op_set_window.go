package scenario

import (
	"slices"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/index"
)

// OpSetWindow: {"op":"set_window","item":ID,"windows":[{"from":..,"to":..}]}
// ([] = any time).
const OpSetWindow = "set_window"

func init() { register(setWindow{}) }

type setWindow struct{}

func (setWindow) Spec() Spec {
	return Spec{Name: OpSetWindow, Rank: 42,
		Label:  [2]string{"修改时间", "Change the times"},
		Words:  [2]string{"修改 %s 的时间", "change the times of %s"},
		Fields: []Field{fieldItem, {Name: "windows", Kind: ArgWindows, Label: [2]string{"时间段", "Time windows"}}}}
}

func (setWindow) Apply(c *Ctx) error {
	it, err := c.Item()
	if err != nil {
		return err
	}
	if c.Edit.Windows == nil {
		return matcher.FieldError(c.At("windows"), "is required ([] for any time)")
	}
	n := *it
	n.Windows = slices.Clone(*c.Edit.Windows)
	return c.PutItem("item", n)
}

func (setWindow) Units(r index.Reader, e *Edit) []string { return []string{itemUnit(r, e.Item.ID)} }

func (setWindow) Args(e *Edit) []Arg { return []Arg{itemArg(e)} }
