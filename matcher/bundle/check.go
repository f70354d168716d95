package bundle

import (
	"fmt"

	"github.com/allymatch/allymatch/matcher"
)

// Prepare readies b for the store: it fills defaults, maps category names
// (Chinese or English) to ids, validates every record's own fields and finds
// ids used twice in the bundle. It returns the vocabulary (the built-in one
// extended by b.Categories) and every problem found, each with its file,
// line, record and field. References between records are checked by the
// store, against the bundle and what is stored together. A nil base means
// the built-in vocabulary.
func Prepare(b *Bundle, base *matcher.Vocabulary) (*matcher.Vocabulary, error) {
	if base == nil {
		base = matcher.MustDefaultVocabulary()
	}
	var ps problems
	rec := func(table string, i int, id string) (Loc, string) {
		l, _ := b.Source(table, i)
		if id != "" {
			return l, fmt.Sprintf("%s[%d] (id %s)", table, i, id)
		}
		return l, fmt.Sprintf("%s[%d]", table, i)
	}
	dup := func(table string) func(i int, id string) {
		seen := map[string]int{}
		return func(i int, id string) {
			if id == "" {
				return
			}
			if j, ok := seen[id]; ok {
				l, r := rec(table, i, id)
				first := fmt.Sprintf("%s[%d]", table, j)
				if lj, ok := b.Source(table, j); ok && lj.File != "" {
					first = lj.String()
				}
				ps.add(l, r, "id", "id %q is used twice (first at %s)", id, first)
				return
			}
			seen[id] = i
		}
	}
	ps.addErr(Loc{}, "", matcher.BundleName.Check("name", b.Name))
	cats := base.All()
	d := dup("categories")
	for i := range b.Categories {
		d(i, b.Categories[i].ID)
		l, r := rec("categories", i, b.Categories[i].ID)
		if err := b.Categories[i].Validate(); err != nil {
			ps.addErr(l, r, err)
			continue
		}
		cats = append(cats, b.Categories[i])
	}
	vocab, err := matcher.NewVocabulary(cats)
	if err != nil {
		ps.addErr(Loc{}, "categories", err)
		return nil, ps.err()
	}
	d = dup("grids")
	for i := range b.Grids {
		g := &b.Grids[i]
		g.Rev = 0
		d(i, g.ID)
		l, r := rec("grids", i, g.ID)
		ps.addErr(l, r, g.Validate())
	}
	d = dup("alliances")
	for i := range b.Alliances {
		a := &b.Alliances[i]
		a.Rev = 0
		d(i, a.ID)
		l, r := rec("alliances", i, a.ID)
		ps.addErr(l, r, a.Validate())
	}
	d = dup("units")
	for i := range b.Units {
		u := &b.Units[i]
		u.Rev = 0
		d(i, u.ID)
		l, r := rec("units", i, u.ID)
		ps.addErr(l, r, u.Validate())
	}
	d = dup("projects")
	for i := range b.Projects {
		p := &b.Projects[i]
		p.Rev = 0
		p.SetDefaults()
		d(i, p.ID)
		l, r := rec("projects", i, p.ID)
		ps.addErr(l, r, p.Validate())
	}
	d = dup("items")
	for i := range b.Items {
		it := &b.Items[i]
		it.Rev = 0
		it.SetDefaults()
		if id, ok := vocab.Lookup(it.Category); ok {
			it.Category = id
		}
		d(i, it.ID)
		l, r := rec("items", i, it.ID)
		ps.addErr(l, r, it.Validate())
		if it.Category != "" && !vocab.Has(it.Category) {
			ps.add(l, r, "category", "unknown category %q; add it to the bundle's categories or use one of the vocabulary", it.Category)
		}
	}
	d = dup("claims")
	for i := range b.Claims {
		c := &b.Claims[i]
		c.Rev = 0
		d(i, c.ID)
		l, r := rec("claims", i, c.ID)
		ps.addErr(l, r, c.Validate())
	}
	prepareLedger(b, vocab, &ps, rec, dup) // ledger.go
	if err := ps.err(); err != nil {
		return nil, err
	}
	return vocab, nil
}
