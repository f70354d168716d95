package scenario

import (
	"maps"
	"slices"
	"strings"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/index"
	"github.com/allymatch/allymatch/matcher/match"
)

// OpSetWeights: {"op":"set_weights","weights":{"proximity":40}}: the
// weights of the scenario's solve (not state: applying the scenario leaves
// them), by term; a term the edit does not name keeps its current value.
const OpSetWeights = "set_weights"

func init() { register(setWeights{}) }

type setWeights struct{}

func (setWeights) Spec() Spec {
	return Spec{Name: OpSetWeights, Rank: 91,
		Label:  [2]string{"修改权重", "Change the weights"},
		Words:  [2]string{"权重改为 %s", "weights: %s"},
		Fields: []Field{{Name: "weights", Kind: ArgWeights, Label: [2]string{"权重", "Weights"}}}}
}

// Apply sets the terms the edit names; the others keep their current
// value.
func (setWeights) Apply(c *Ctx) error {
	if len(c.Edit.Weights) == 0 {
		return matcher.FieldError(c.At("weights"), "is required: one weight or more, by term (%s)", strings.Join(match.Terms, ", "))
	}
	w := c.Settings.Weights
	var p matcher.Problems
	for _, t := range slices.Sorted(maps.Keys(c.Edit.Weights)) {
		ptr, ok := w.Weight(t)
		if !ok {
			p.Add(c.At("weights."+t), "is not a score term (terms: %s)", strings.Join(match.Terms, ", "))
			continue
		}
		*ptr = c.Edit.Weights[t]
	}
	if err := p.Err(); err != nil {
		return err
	}
	if err := w.Validate(); err != nil {
		p.AddErr(c.At(""), err)
		return p.Err()
	}
	c.Settings.Weights = w
	return nil
}

func (setWeights) Units(index.Reader, *Edit) []string { return nil }

func (setWeights) Args(*Edit) []Arg { return []Arg{{Kind: ArgWeights}} }
