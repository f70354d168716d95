package web

import (
	"slices"
	"testing"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/scenario"
)

// TestWhatIfFormCoversEveryOp: the form offers every operation of the
// registry but the objective's; each reads at least one input, every
// input it reads is laid out (with a label in both languages) and says
// it reads it; an operation with a record's fields is one the form adds
// or changes records with.
func TestWhatIfFormCoversEveryOp(t *testing.T) {
	vocab, err := matcher.NewVocabulary(matcher.DefaultCategories)
	if err != nil {
		t.Fatal(err)
	}
	laid := map[string]opInput{}
	for _, l := range []*Lang{langZH, langEN} {
		for _, g := range opGroupsOf(l, vocab) {
			for _, in := range g.Inputs {
				laid[in.Name] = in
				if !l.Has("whatif.field." + in.Name) {
					t.Errorf("input %s has no label in %s", in.Name, l.Code)
				}
			}
		}
	}
	for _, name := range scenario.Ops() {
		if name == scenario.OpSetMode || name == scenario.OpSetWeights {
			continue
		}
		if !slices.Contains(formOps(), name) {
			t.Errorf("the form does not offer %s", name)
		}
		ins := inputsOf(name)
		if len(ins) == 0 {
			t.Errorf("%s reads no input", name)
		}
		for _, in := range ins {
			l, ok := laid[in]
			if !ok {
				t.Errorf("%s reads %s, which the form does not lay out", name, in)
			} else if !slices.Contains(l.Ops, name) {
				t.Errorf("input %s does not say that %s reads it", in, name)
			}
		}
		op, _ := scenario.Lookup(name)
		for _, f := range op.Spec().Fields {
			if f.Kind == scenario.ArgRecord && !slices.Contains(addOps, name) && !slices.Contains(setOps, name) {
				t.Errorf("%s has the record field %s, which the form does not fill", name, f.Name)
			}
		}
	}
}

// TestOpInputOf: the fields the domain names in a record edit's errors
// are the inputs they came from.
func TestOpInputOf(t *testing.T) {
	for _, c := range []struct{ op, field, want string }{
		{scenario.OpAddUnit, "edits[1].unit.id", "op_new_unit"},
		{scenario.OpSetUnit, "edits[0].unit.id", "op_unit"},
		{scenario.OpSetUnit, "edits[0].unit.alliances[2]", "op_alliances"},
		{scenario.OpAddItem, "edits[0].item.windows[3].to", "op_windows"},
		{scenario.OpSetItem, "edits[0].item.location.lon", "op_item_lon"},
		{scenario.OpSetItem, "edits[0].quantity", "op_quantity"},
		{scenario.OpAddItem, "edits[0].item.id", "op_new_item"},
		{scenario.OpSetProject, "edits[0].project.id", "op_project"},
		{scenario.OpAddProject, "edits[0].project.unit", "op_unit"},
		{scenario.OpAddProject, "edits[0].project.id", "op_new_project"},
		{scenario.OpJoinAlliance, "edits[0].alliance", "op_alliance"},
		{scenario.OpSetMode, "edits[0].mode", "op"},
		{scenario.OpAddUnit, "edits[0]", "op"},
	} {
		if got := opInputOf(c.op, c.field); got != c.want {
			t.Errorf("opInputOf(%s, %s) = %s, want %s", c.op, c.field, got, c.want)
		}
	}
}
