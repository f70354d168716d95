package scenario

import (
	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/index"
)

// OpRemoveItem: {"op":"remove_item","item":ID}: closed (its claims keep
// their history).
const OpRemoveItem = "remove_item"

func init() { register(removeItem{}) }

type removeItem struct{}

func (removeItem) Spec() Spec {
	return Spec{Name: OpRemoveItem, Rank: 32,
		Label:  [2]string{"关闭条目", "Close an item"},
		Words:  [2]string{"关闭条目 %s", "close item %s"},
		Fields: []Field{fieldItem}}
}

func (removeItem) Apply(c *Ctx) error {
	it, err := c.Item()
	if err != nil {
		return err
	}
	n := *it
	n.Status = matcher.ItemClosed
	return c.PutItem("item", n)
}

func (removeItem) Units(r index.Reader, e *Edit) []string { return []string{itemUnit(r, e.Item.ID)} }

func (removeItem) Args(e *Edit) []Arg { return []Arg{itemArg(e)} }
