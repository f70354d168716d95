package scenario

import (
	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/index"
)

// OpSetQuantity: {"op":"set_quantity","item":ID,"quantity":N}.
const OpSetQuantity = "set_quantity"

func init() { register(setQuantity{}) }

type setQuantity struct{}

func (setQuantity) Spec() Spec {
	return Spec{Name: OpSetQuantity, Rank: 40,
		Label:  [2]string{"修改数量", "Change the quantity"},
		Words:  [2]string{"将 %s 的数量改为 %s", "set the quantity of %s to %s"},
		Fields: []Field{fieldItem, {Name: "quantity", Kind: ArgText, Label: [2]string{"数量", "Quantity"}}}}
}

func (setQuantity) Apply(c *Ctx) error {
	it, err := c.Item()
	if err != nil {
		return err
	}
	q := c.Edit.Quantity
	if err := checkQuantity(c, "quantity", q, c.Tx.Held(it)); err != nil {
		return err
	}
	n := *it
	n.Quantity = *q
	return c.PutItem("item", n)
}

// checkQuantity checks a new quantity of field: given, from 1 to the
// bound, and no less than what confirmed claims hold.
func checkQuantity(c *Ctx, field string, q *int64, held int64) error {
	switch {
	case q == nil:
		return matcher.FieldError(c.At(field), "is required")
	case *q < 1:
		return matcher.FieldError(c.At(field), "must be ≥ 1, got %d", *q)
	case *q > matcher.MaxQuantity:
		return matcher.FieldError(c.At(field), "must be ≤ %d, got %d", matcher.MaxQuantity, *q)
	case *q < held:
		return matcher.FieldError(c.At(field), "must be ≥ %d, the quantity confirmed claims hold", held)
	}
	return nil
}

func (setQuantity) Units(r index.Reader, e *Edit) []string { return []string{itemUnit(r, e.Item.ID)} }

func (setQuantity) Args(e *Edit) []Arg {
	return []Arg{itemArg(e), {Kind: ArgText, Value: intText(e.Quantity)}}
}
