package scenario

import (
	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/index"
)

// OpSetWeights: {"op":"set_weights","weights":{...}}: the weights of the
// scenario's solve (not state: applying the scenario leaves them).
const OpSetWeights = "set_weights"

func init() { register(setWeights{}) }

type setWeights struct{}

func (setWeights) Spec() Spec {
	return Spec{Name: OpSetWeights, Rank: 91,
		Label:  [2]string{"修改权重", "Change the weights"},
		Words:  [2]string{"权重改为 %s", "weights: %s"},
		Fields: []Field{{Name: "weights", Kind: ArgWeights, Label: [2]string{"权重", "Weights"}}}}
}

func (setWeights) Apply(c *Ctx) error {
	w := c.Edit.Weights
	if w == nil {
		return matcher.FieldError(c.At("weights"), "is required")
	}
	if err := w.Validate(); err != nil {
		var p matcher.Problems
		p.AddErr(c.At(""), err)
		return p.Err()
	}
	c.Settings.Weights = *w
	return nil
}

func (setWeights) Units(index.Reader, *Edit) []string { return nil }

func (setWeights) Args(*Edit) []Arg { return []Arg{{Kind: ArgWeights}} }
