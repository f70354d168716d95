package scenario

import (
	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/index"
)

// OpAddItem: {"op":"add_item","unit":ID,"item":{...}}; a slot of a
// project: "item":{...,"project":ID}.
const OpAddItem = "add_item"

func init() { register(addItem{}) }

type addItem struct{}

func (addItem) Spec() Spec {
	return Spec{Name: OpAddItem, Rank: 30,
		Label:  [2]string{"新增条目", "Add an item"},
		Words:  [2]string{"新增条目 %s", "add item %s"},
		Fields: []Field{fieldUnit, {Name: "item", Kind: ArgRecord, Label: [2]string{"条目", "Item"}}}}
}

func (addItem) Apply(c *Ctx) error {
	id, err := c.UnitID()
	if err != nil {
		return err
	}
	e := c.Edit
	if e.Item.Value == nil {
		return matcher.FieldError(c.At("item"), "must be an item object")
	}
	it := *e.Item.Value
	if it.Unit != "" && it.Unit != id {
		return matcher.FieldError(c.At("item.unit"), "is %q, the edit's unit is %q", it.Unit, id)
	}
	it.Unit, it.Rev = id, 0
	it.SetDefaults()
	if err := c.Category(&it); err != nil {
		return err
	}
	if _, err := c.Tx.Item(it.ID); err == nil {
		return matcher.FieldError(c.At("item.id"), "item %q exists already", it.ID)
	}
	if err := c.SlotOf(&it); err != nil {
		return err
	}
	return c.PutItem("item", it)
}

func (addItem) Units(_ index.Reader, e *Edit) []string { return []string{e.Unit.ID} }

func (addItem) Args(e *Edit) []Arg { return []Arg{itemArg(e)} }
