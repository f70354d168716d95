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
	c := lister{&ps, rec, dup}
	checkList(c, "grids", b.Grids, func(g *matcher.Grid) string { g.Rev = 0; return g.ID }, nil)
	checkList(c, "alliances", b.Alliances, func(a *matcher.Alliance) string { a.Rev = 0; return a.ID }, nil)
	checkList(c, "units", b.Units, func(u *matcher.Unit) string { u.Rev = 0; return u.ID }, nil)
	checkList(c, "projects", b.Projects, func(p *matcher.Project) string {
		p.Rev = 0
		p.SetDefaults()
		return p.ID
	}, nil)
	checkList(c, "items", b.Items, func(it *matcher.Item) string {
		it.Rev = 0
		it.SetDefaults()
		if id, ok := vocab.Lookup(it.Category); ok {
			it.Category = id
		}
		return it.ID
	}, func(it *matcher.Item, at func() (Loc, string)) {
		if it.Category != "" && !vocab.Has(it.Category) {
			l, r := at()
			ps.add(l, r, "category", "unknown category %q; add it to the bundle's categories or use one of the vocabulary", it.Category)
		}
	})
	checkList(c, "claims", b.Claims, func(cl *matcher.Claim) string { cl.Rev = 0; return cl.ID }, nil)
	prepareLedger(b, vocab, c) // ledger.go
	if err := ps.err(); err != nil {
		return nil, err
	}
	return vocab, nil
}

// lister is what Prepare checks the bundle's lists with: the problems
// found, where a record is (rec) and, for a list, the finder of ids used
// twice in it (dup).
type lister struct {
	ps  *problems
	rec func(table string, i int, id string) (Loc, string)
	dup func(table string) func(i int, id string)
}

// checkList checks every record of the list table, in order: prepare
// resets what the store keeps of it, sets its defaults and returns its
// id; then the id is found if an earlier record has it, the record's own
// fields are validated, and more (nil: nothing more) checks the rest, at
// the record's place (at: its location and name, made only for a
// problem). A long list is prepared and validated by several goroutines,
// each record by one (prepare and Validate touch only their record), and
// its problems reported in order.
func checkList[T any, P interface {
	*T
	Validate() error
}](c lister, table string, list []T, prepare func(P) string, more func(x P, at func() (Loc, string))) {
	ids := make([]string, len(list))
	errs := make([]error, len(list))
	inChunks(len(list), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			x := P(&list[i])
			ids[i] = prepare(x)
			errs[i] = x.Validate()
		}
	})
	d := c.dup(table)
	for i := range list {
		d(i, ids[i])
		at := func() (Loc, string) { return c.rec(table, i, ids[i]) }
		if errs[i] != nil {
			l, r := at()
			c.ps.addErr(l, r, errs[i])
		}
		if more != nil {
			more(P(&list[i]), at)
		}
	}
}
