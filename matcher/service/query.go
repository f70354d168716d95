package service

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"
	"golang.org/x/text/width"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/index"
)

// The lists of the desk at district density: every list is searched,
// filtered, sorted and paged here, on the server, so that a page holds
// what one screen shows however large the meeting (a community alliance
// of 1,000 units has thousands of claims). The queries read a snapshot and
// check the caller's scope as the records' own operations do; a list
// never holds what the caller may not see. query_*.go hold one list each.

// Page sizes.
const (
	DefaultPageSize = 25
	MaxPageSize     = 200
)

// Page is the part of a list to return: Limit rows from Offset (Limit 0:
// DefaultPageSize; at most MaxPageSize; AllRows: every row, for exports
// and printing).
type Page struct {
	Offset int `json:"offset,omitempty"`
	Limit  int `json:"limit,omitempty"`
}

// AllRows is the Limit of a page that holds every row.
const AllRows = -1

// bounds returns the page's offset and limit, made valid.
func (p Page) bounds() (int, int) {
	limit := p.Limit
	switch {
	case limit == AllRows:
		return max(0, p.Offset), math.MaxInt
	case limit <= 0:
		limit = DefaultPageSize
	}
	return max(0, p.Offset), min(limit, MaxPageSize)
}

// pageOf returns the rows of p in all.
func pageOf[T any](all []T, p Page) []T {
	off, limit := p.bounds()
	if off >= len(all) {
		return nil
	}
	return all[off : off+min(len(all)-off, limit)]
}

// fold makes text comparable for search: lower case, full-width letters
// and digits as half-width (ＬＨ-Ｄ０１ finds LH-D01).
func fold(s string) string {
	for _, r := range s {
		if r >= utf8.RuneSelf && width.LookupRune(r).Folded() != 0 {
			return strings.ToLower(width.Fold.String(s))
		}
	}
	return strings.ToLower(s) // nothing to fold: no copy (most texts)
}

// matcherText is a search's text, folded once: it matches a record when
// every word of it (split by spaces) is in one of the record's texts.
type textQuery []string

func newTextQuery(q string) textQuery {
	return strings.Fields(fold(q))
}

// match reports whether every word of q is in one of texts.
func (q textQuery) match(texts ...string) bool {
	if len(q) == 0 {
		return true
	}
	folded := make([]string, len(texts))
	for i, t := range texts {
		folded[i] = fold(t)
	}
	for _, w := range q {
		if !slices.ContainsFunc(folded, func(t string) bool { return strings.Contains(t, w) }) {
			return false
		}
	}
	return true
}

// unitFilter is a filter by unit that a person types: a unit's id, or a
// part of its name. The empty filter keeps every unit.
type unitFilter struct {
	r   index.Reader
	id  string
	q   textQuery
	hit map[string]bool
}

func newUnitFilter(r index.Reader, s string) *unitFilter {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	return &unitFilter{r: r, id: s, q: newTextQuery(s), hit: map[string]bool{}}
}

// keep reports whether unit passes f (a nil f keeps all).
func (f *unitFilter) keep(unit string) bool {
	if f == nil || unit == f.id {
		return true
	}
	if v, ok := f.hit[unit]; ok {
		return v
	}
	v := false
	if u := f.r.UnitRaw(unit); u != nil {
		v = f.q.match(u.ID, u.Name)
	}
	f.hit[unit] = v
	return v
}

// nameOrder sorts names as a Chinese reader expects (by pinyin, which is
// how Chinese lists are ordered), keys computed once per name.
type nameOrder struct {
	c    *collate.Collator
	buf  collate.Buffer
	keys map[string][]byte
	// units are the keys of units' names by unit id, for sorting by unit
	// without a lookup per comparison.
	units map[string]string
}

func newNameOrder() *nameOrder {
	return &nameOrder{c: collate.New(language.SimplifiedChinese, collate.Numeric), keys: map[string][]byte{}, units: map[string]string{}}
}

// compareUnits orders units a and b by name (unitName), then by id.
func (o *nameOrder) compareUnits(r interface{ UnitRaw(string) *matcher.Unit }, a, b string) int {
	if a == b {
		return 0
	}
	return cmp.Or(cmp.Compare(o.unitKey(r, a), o.unitKey(r, b)), cmp.Compare(a, b))
}

func (o *nameOrder) unitKey(r interface{ UnitRaw(string) *matcher.Unit }, id string) string {
	k, ok := o.units[id]
	if !ok {
		name := id
		if u := r.UnitRaw(id); u != nil {
			name = u.Name
		}
		k = string(o.key(name))
		o.units[id] = k
	}
	return k
}

func (o *nameOrder) key(s string) []byte {
	if k, ok := o.keys[s]; ok {
		return k
	}
	k := slices.Clone(o.c.KeyFromString(&o.buf, s))
	o.buf.Reset()
	o.keys[s] = k
	return k
}

// compare orders a and b by name.
func (o *nameOrder) compare(a, b string) int {
	if a == b {
		return 0
	}
	return cmp.Compare(string(o.key(a)), string(o.key(b)))
}

// unitName is a unit's name, its id when it has none.
func unitName(r index.Reader, id string) string {
	if u := r.UnitRaw(id); u != nil {
		return u.Name
	}
	return id
}

// categoryTexts are a category's id and names, for search.
func categoryTexts(v *matcher.Vocabulary, id string) (string, string, string) {
	if c, ok := v.Get(id); ok {
		return c.ID, c.NameZH, c.NameEN
	}
	return id, "", ""
}
