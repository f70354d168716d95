package store

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"runtime/metrics"
	"strings"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/bundle"
	"github.com/allymatch/allymatch/matcher/index"
)

// bulkImports enables the bulk insert of an import into empty tables and
// its validation once (a variable for the tests, which compare it with
// the puts one by one).
var bulkImports = true

// bulkImport is the size of an import (records) from which the GC waits
// for importMemoryLimit.
const bulkImport = 50_000

// importMemoryLimit is the soft heap limit during a large import. The
// district (312k records) holds about 1.2 GiB live at its peak (the bundle,
// the index, the encoded values); the process's resident memory adds the
// pages of the file written.
const importMemoryLimit = 1536 << 20

// importLimit is the soft heap limit of a large import: importMemoryLimit,
// or 1 GiB above the heap live before it where more is held already (a
// server's index and caches: a limit below the live heap would run the GC
// without pause), never above the limit in force.
func importLimit() int64 {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(sample)
	limit := int64(importMemoryLimit)
	if sample[0].Value.Kind() == metrics.KindUint64 {
		limit = max(limit, int64(sample[0].Value.Uint64())+1<<30)
	}
	return min(limit, debug.SetMemoryLimit(-1))
}

// Import stores every record of b in one mutation: records with a stored id
// are replaced, others added. Everything is validated first; on any problem
// nothing is stored and the error lists every problem (the first
// matcher.MaxProblems, and the count of the rest) with its file, line,
// record and field. An item or project stored under another unit is not
// moved: that is an ECONFLICT naming the record's unit field, checked in
// the same mutation (so against the state the import replaces).
func (s *Store) Import(ctx context.Context, b *bundle.Bundle, actor string) (matcher.Event, error) {
	return s.ImportChecked(ctx, b, actor, nil, nil)
}

// ImportChecked is Import with the alliances its audit event names and a
// check run first in the same mutation, on the state before the import
// (nil: none): the check's error refuses the whole import.
func (s *Store) ImportChecked(ctx context.Context, b *bundle.Bundle, actor string, alliances []string, check func(tx *Tx) error) (matcher.Event, error) {
	if b.Len() == 0 {
		return matcher.Event{}, matcher.Errorf(matcher.EINVALID, "the bundle holds no records")
	}
	if _, err := bundle.Prepare(b, s.Vocabulary()); err != nil {
		return matcher.Event{}, err
	}
	if b.Len() >= bulkImport {
		// A large import makes much short-lived garbage (copies of the
		// records, keys, encoded values): the GC runs only when the heap
		// nears importMemoryLimit, then the usual pacing comes back.
		defer debug.SetMemoryLimit(debug.SetMemoryLimit(importLimit()))
		defer debug.SetGCPercent(debug.SetGCPercent(-1))
	}
	ev, err := s.Update(ctx, actor, "import", alliances, importing(b, check, true))
	if errors.Is(err, ErrNoChange) {
		// Every record is stored as the bundle has it already.
		return matcher.Event{Seq: s.Seq(), Actor: actor, Action: "import", Alliances: alliances}, nil
	}
	if err != nil {
		return ev, locate(b, err)
	}
	return ev, nil
}

// ImportDry is ImportChecked without the write: the same preparation,
// check and mutation, with every check of the store, run on a private
// copy of the live state and thrown away. Where ImportChecked stops at
// the first stage that fails (the bundle's own rules, then the check,
// then the store's), ImportDry goes on through every stage and answers
// every problem they find, once each (bundle.Join): an import's preview
// lists in one pass everything the import would refuse (nil when it would
// store the bundle). It changes nothing and takes no lock: writes go on
// meanwhile.
func (s *Store) ImportDry(ctx context.Context, b *bundle.Bundle, check func(tx *Tx) error) error {
	if b.Len() == 0 {
		return matcher.Errorf(matcher.EINVALID, "the bundle holds no records")
	}
	var stages [][]bundle.Problem
	more := 0
	stage := func(err error) error {
		if err == nil || errors.Is(err, ErrNoChange) {
			return nil
		}
		var be *bundle.Error
		if !errors.As(locate(b, err), &be) {
			return err // not about the input
		}
		stages = append(stages, be.Problems)
		more += be.More
		return nil
	}
	if _, err := bundle.Prepare(b, s.Vocabulary()); stage(err) != nil {
		return err
	}
	err := s.dryRun(ctx, func(tx *Tx) error {
		if check != nil {
			if err := stage(check(tx)); err != nil {
				return err
			}
		}
		return stage(importing(b, nil, false)(tx))
	}, stage)
	if err != nil {
		return err
	}
	if ps := bundle.Join(stages...); len(ps) > 0 {
		return &bundle.Error{Problems: ps, More: more}
	}
	return nil
}

// importing is the mutation of an import: check first, then every record.
// prepared says that bundle.Prepare found no problem in b: the puts then
// do not validate the records again, and the tables that hold no record
// yet (a new store) are filled in bulk, each flushed before a later
// table's puts read it (units read the alliances they join).
func importing(b *bundle.Bundle, check func(tx *Tx) error, prepared bool) func(tx *Tx) error {
	return func(tx *Tx) error {
		if check != nil {
			if err := check(tx); err != nil {
				return err
			}
		}
		tx.reserve(b.Len())
		if prepared && bulkImports {
			tx.prepared = true
			defer func() { tx.prepared = false }()
			tx.startBulk(index.TableGrids, index.TableAlliances, index.TableUnits, index.TableProjects, index.TableItems, index.TableClaims)
			defer func() { tx.bulk = nil }()
		}
		var p matcher.Problems
		putAll(&p, b.Categories, tx.PutCategory)
		putAll(&p, b.Grids, tx.PutGrid)
		putAll(&p, b.Alliances, tx.PutAlliance)
		if err := tx.flushAll(index.TableGrids, index.TableAlliances); err != nil {
			return err
		}
		putAll(&p, b.Units, tx.PutUnit)
		putUnmoved(&p, tx, index.TableProjects, "project", b.Projects, tx.Project, tx.PutProject,
			func(pr *matcher.Project) (string, string) { return pr.ID, pr.Unit })
		putUnmoved(&p, tx, index.TableItems, "item", b.Items, tx.Item, tx.PutItem,
			func(it *matcher.Item) (string, string) { return it.ID, it.Unit })
		putAll(&p, b.Claims, tx.PutClaim)
		if err := tx.flushAll(index.TableUnits, index.TableProjects, index.TableItems, index.TableClaims); err != nil {
			return err
		}
		importLedger(tx, b, &p) // import_ledger.go
		return p.Err()
	}
}

// putAll puts every record of list, its problems going to p.
func putAll[T any](p *matcher.Problems, list []T, put func(T) error) {
	for _, v := range list {
		p.AddErr("", put(v))
	}
}

// putUnmoved puts the records of list unless one is stored already under
// another unit: an import does not move records between units (moved).
// A record is compared with the one stored before the import; a table that
// held none (tx.whole) is not looked up, 253k lookups of the district's
// items: nothing stored can move, and no record comes twice (Prepare
// refuses an id used twice). key gives a record's id and unit.
func putUnmoved[T any](p *matcher.Problems, tx *Tx, table, what string, list []T, stored func(id string) (*T, error), put func(T) error, key func(*T) (id, unit string)) {
	for i := range list {
		if !tx.whole[table] {
			id, unit := key(&list[i])
			if old, err := stored(id); err == nil {
				if _, was := key(old); was != unit {
					p.AddErr("", moved(table, what, id, was, unit))
					continue
				}
			}
		}
		p.AddErr("", put(list[i]))
	}
}

// moved is the conflict of an import that would move record id of table
// from unit was to unit to.
func moved(table, what, id, was, to string) error {
	return matcher.NewError(matcher.ECONFLICT, table+"["+id+"].unit",
		"%s %q belongs to unit %q, not %q; an import does not move records between units", matcher.Noun(what), id, was, to)
}

// locate turns the store's "table[id].field" problems into bundle problems
// that name the file and line of the record. Problems located already (a
// check's *bundle.Error) are returned as they are: FieldErrors would see
// one error in them.
func locate(b *bundle.Bundle, err error) error {
	var be *bundle.Error
	if errors.As(err, &be) {
		return err
	}
	list := matcher.FieldErrors(err)
	if list == nil {
		return err
	}
	pos := map[string]int{}
	ids := map[string][]string{
		index.TableGrids:     idsOf(b.Grids, func(g matcher.Grid) string { return g.ID }),
		index.TableAlliances: idsOf(b.Alliances, func(a matcher.Alliance) string { return a.ID }),
		index.TableUnits:     idsOf(b.Units, func(u matcher.Unit) string { return u.ID }),
		index.TableProjects:  idsOf(b.Projects, func(p matcher.Project) string { return p.ID }),
		index.TableItems:     idsOf(b.Items, func(i matcher.Item) string { return i.ID }),
		index.TableClaims:    idsOf(b.Claims, func(c matcher.Claim) string { return c.ID }),
		// The points bank's lists.
		index.TableAccounts:  idsOf(b.Accounts, func(a matcher.Account) string { return a.ID }),
		index.TableRules:     idsOf(b.Rules, func(r matcher.EarnRule) string { return r.ID }),
		index.TableOffers:    idsOf(b.Offers, func(o matcher.Offer) string { return o.ID }),
		index.TableEarners:   idsOf(b.Earners, func(e matcher.Earners) string { return e.ID }),
		index.TableTransfers: idsOf(b.Transfers, func(t matcher.Transfer) string { return t.ID }),
	}
	for table, list := range ids {
		for i, id := range list {
			pos[table+"["+id+"]"] = i
		}
	}
	out := &bundle.Error{More: matcher.Unlisted(err)}
	for _, e := range list {
		prob := bundle.Problem{Field: e.Field, Msg: e.Message, Code: e.Code, Format: e.Format, Args: e.Args}
		if open := strings.IndexByte(e.Field, '['); open > 0 {
			if end := strings.IndexByte(e.Field, ']'); end > open {
				rec := e.Field[:end+1]
				if i, ok := pos[rec]; ok {
					table := e.Field[:open]
					prob.Loc, _ = b.Source(table, i)
					prob.Record = fmt.Sprintf("%s[%d] (id %s)", table, i, e.Field[open+1:end])
					prob.Field = strings.TrimPrefix(e.Field[end+1:], ".")
				}
			}
		}
		out.Problems = append(out.Problems, prob)
	}
	return out
}

func idsOf[T any](list []T, id func(T) string) []string {
	out := make([]string, len(list))
	for i, v := range list {
		out[i] = id(v)
	}
	return out
}
