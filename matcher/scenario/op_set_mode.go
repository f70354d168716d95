package scenario

import (
	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/index"
)

// OpSetMode: {"op":"set_mode","mode":"coverage"}: the objective of the
// scenario's solve (not state).
const OpSetMode = "set_mode"

func init() { register(setMode{}) }

type setMode struct{}

func (setMode) Spec() Spec {
	return Spec{Name: OpSetMode, Rank: 90,
		Label:  [2]string{"修改匹配目标", "Change the objective"},
		Words:  [2]string{"匹配目标改为“%s”", "objective: %s"},
		Fields: []Field{{Name: "mode", Kind: ArgMode, Label: [2]string{"匹配目标", "Objective"}}}}
}

func (setMode) Apply(c *Ctx) error {
	m := c.Edit.Mode
	if m == nil {
		return matcher.FieldError(c.At("mode"), "is required")
	}
	s := *c.Settings
	s.Mode = *m
	if s.Validate() != nil {
		return matcher.FieldError(c.At("mode"), "must be welfare, coverage or stable, got %q", *m)
	}
	c.Settings.Mode = *m
	return nil
}

func (setMode) Units(index.Reader, *Edit) []string { return nil }

func (setMode) Args(e *Edit) []Arg {
	m := ""
	if e.Mode != nil {
		m = string(*e.Mode)
	}
	return []Arg{{Kind: ArgMode, Value: m}}
}
