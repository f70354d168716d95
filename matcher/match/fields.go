package match

import (
	"reflect"

	"github.com/allymatch/allymatch/matcher"
)

// fieldSet is a set of fields of matcher.Item: bit i is its field i.
//
// Candidate rows record the fields they read (of the demand, of the
// resources they judge): party construction records what newParty reads,
// the rules and terms read through pairCheck.dItem and rItem, which record
// the field as they hand out the item. A Session keeps a row while its
// demand is unchanged in the fields the row read, and a resource counts as
// changed only when a field some row read changed (see sameFields): in the
// spirit of go-memdb's WatchSet, a change touches a row exactly when it
// touches something the row read. A new rule or term that reads a new
// field through dItem or rItem needs nothing else for incremental runs to
// follow an edit of that field.
type fieldSet uint64

// itemFields are the fields of matcher.Item, in order.
var itemFields = reflect.VisibleFields(reflect.TypeFor[matcher.Item]())

// fieldOf returns the set of the one field of matcher.Item named name.
func fieldOf(name string) fieldSet {
	for i, f := range itemFields {
		if f.Name == name && len(f.Index) == 1 {
			return 1 << i
		}
	}
	panic("match: matcher.Item has no field " + name)
}

// The fields match reads.
var (
	fID          = fieldOf("ID")
	fKind        = fieldOf("Kind")
	fCategory    = fieldOf("Category")
	fTitle       = fieldOf("Title")
	fDescription = fieldOf("Description")
	fTags        = fieldOf("Tags")
	fMeasure     = fieldOf("Measure")
	fWindows     = fieldOf("Windows")
	fLocation    = fieldOf("Location")
	fRadiusKM    = fieldOf("RadiusKM")
	fPriority    = fieldOf("Priority")
)

// sameFields reports whether a and b hold equal values (reflect.DeepEqual)
// in every field of set.
func sameFields(a, b *matcher.Item, set fieldSet) bool {
	if a == b {
		return true
	}
	va, vb := reflect.ValueOf(a).Elem(), reflect.ValueOf(b).Elem()
	for i := range itemFields {
		if set&(1<<i) != 0 && !reflect.DeepEqual(va.Field(i).Interface(), vb.Field(i).Interface()) {
			return false
		}
	}
	return true
}

// dItem returns the demand's item, recording that the pair read fields f
// of it.
func (p *pairCheck) dItem(f fieldSet) *matcher.Item {
	p.reads |= f
	return p.d.item
}

// rItem returns the resource's item, recording that the pair read fields f
// of it.
func (p *pairCheck) rItem(f fieldSet) *matcher.Item {
	p.reads |= f
	return p.r.item
}

// rowReads is what one candidate row read of its instance besides the
// fields of items (its fieldSet): the area nearby searched (searchArea:
// the spatial cells of each category that can meet its demand, and the
// red grids near), and the keys it looked up in
// the rejected pairs (those of its demand) and in the fulfilled history
// (those of its demand's unit). Every resource the row judged was found in
// those buckets, so what it read of resources (their items, units, what is
// left of them, their gram weights; and through them the relative
// relevance bar, which every resource passing the rules with the demand
// sets) is what it read of the resources under those bucket keys. A
// Session rebuilds a row exactly when a resource under one of its keys,
// in its old or its new version, changed, or a rejected pair or a
// fulfilled count under one of its keys did (see sessionState.dirtyRows).
//
// The instance-wide reads of every row (the vocabulary, the grids, the
// alliances of the units, the relevance settings) are not recorded: a
// change of one rebuilds every row.
type rowReads struct {
	searchArea        // the buckets nearby searched
	rejected   string // demand item id: the key of rowPrep.rejectedBy read
	history    string // demand unit id: the key of rowPrep.history read
}

// searched records the area a row searched for d's resources, and the
// keys of d's view (see instance.view).
func (rr *rowReads) searched(area searchArea, d *party) {
	rr.searchArea = area
	rr.rejected, rr.history = d.item.ID, d.unit.ID
}

// holdsAny reports whether the row read a bucket key of one of rs.
func (rr *rowReads) holdsAny(rs []*party) bool {
	for _, r := range rs {
		if rr.holds(r) {
			return true
		}
	}
	return false
}
