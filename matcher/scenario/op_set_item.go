package scenario

import (
	"slices"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/index"
)

// OpSetItem changes the fields of an item it gives, and no others:
// {"op":"set_item","item":{"id":ID, ...the fields that change}}, or
// {"op":"set_item","item":ID} with "quantity", "radius_km" or "windows"
// beside it. An item's kind, unit and level do not change.
const OpSetItem = "set_item"

func init() { register(setItem{}) }

type setItem struct{}

func (setItem) Spec() Spec {
	return Spec{Name: OpSetItem, Rank: 31, Changes: true,
		Label: [2]string{"修改条目", "Change an item"},
		Words: [2]string{"修改条目 %s", "change item %s"},
		Fields: []Field{fieldItem, {Name: "item", Kind: ArgRecord, Label: [2]string{"改动的字段", "Fields that change"}, Optional: true},
			{Name: "quantity", Kind: ArgText, Label: [2]string{"数量", "Quantity"}, Optional: true},
			{Name: "radius_km", Kind: ArgText, Label: [2]string{"服务半径（公里）", "Radius (km)"}, Optional: true},
			{Name: "windows", Kind: ArgWindows, Label: [2]string{"时间段", "Time windows"}, Optional: true}}}
}

func (setItem) id(e *Edit) string {
	id, _ := given(e.Item, "item", itemID)
	return id
}

func (op setItem) Apply(c *Ctx) error {
	e := c.Edit
	id, field := given(e.Item, "item", itemID)
	switch {
	case id == "":
		return matcher.FieldError(c.At(field), "is required")
	case e.Item.Value == nil && e.Quantity == nil && e.RadiusKM == nil && e.Windows == nil:
		return matcher.FieldError(c.At("item"), `names no field to change: give an item object with the fields that change ({"id":%q,"quantity":…}) or "quantity", "radius_km" or "windows"`, id)
	}
	cur, err := c.Tx.Item(id)
	if err != nil {
		return missing(c.At(field), "item", id)
	}
	if e.Unit.Value != nil {
		return matcher.FieldError(c.At("unit"), "must be the id of the item's unit, or left out")
	}
	if e.Unit.ID != "" && e.Unit.ID != cur.Unit {
		return matcher.FieldError(c.At("unit"), "is %q; item %q belongs to unit %q and an item's unit does not change (remove it and add another)", e.Unit.ID, cur.ID, cur.Unit)
	}
	it := *cur
	it.Tags, it.Windows = slices.Clone(it.Tags), slices.Clone(it.Windows)
	if it.Location != nil {
		loc := *it.Location
		it.Location = &loc
	}
	if e.Item.Value != nil {
		if err := patch(&it, e.Item); err != nil {
			return matcher.FieldError(c.At("item"), "%v", err)
		}
	}
	switch {
	case it.ID != cur.ID:
		return matcher.FieldError(c.At("item.id"), "is %q; an item's id does not change", it.ID)
	case it.Kind != cur.Kind:
		return matcher.FieldError(c.At("item.kind"), "is %q; item %q is a %s and an item's kind does not change (remove it and add another)", it.Kind, cur.ID, cur.Kind)
	case it.Unit != cur.Unit:
		return matcher.FieldError(c.At("item.unit"), "is %q; item %q belongs to unit %q and an item's unit does not change (remove it and add another)", it.Unit, cur.ID, cur.Unit)
	case it.Level != cur.Level:
		return matcher.FieldError(c.At("item.level"), "is %q; item %q sits at the %s level and levels change by escalation, not by edit", it.Level, cur.ID, cur.Level)
	}
	held := c.Tx.Held(cur)
	if e.Quantity != nil {
		if err := checkQuantity(c, "quantity", e.Quantity, held); err != nil {
			return err
		}
		it.Quantity = *e.Quantity
	}
	if e.RadiusKM != nil {
		if err := checkRadius(c, "radius_km", e.RadiusKM); err != nil {
			return err
		}
		it.RadiusKM = *e.RadiusKM
	}
	if e.Windows != nil {
		it.Windows = slices.Clone(*e.Windows)
	}
	if err := c.Category(&it); err != nil {
		return err
	}
	if err := c.SlotOf(&it); err != nil {
		return err
	}
	if it.Quantity >= 1 && it.Quantity < held {
		return matcher.FieldError(c.At("item.quantity"), "must be ≥ %d, the quantity confirmed claims hold", held)
	}
	return c.PutItem("item", it)
}

func (op setItem) Units(r index.Reader, e *Edit) []string {
	out := []string{itemUnit(r, op.id(e)), e.Unit.ID}
	if v := e.Item.Value; v != nil {
		out = append(out, v.Unit)
	}
	return out
}

func (setItem) Args(e *Edit) []Arg { return []Arg{itemArg(e)} }
