package store

import (
	"fmt"
	"reflect"
	"runtime"
	"slices"

	memdb "github.com/allymatch/allymatch/internal/third_party/memdb"
	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/index"
)

// key names one record.
type key struct {
	table string
	id    string
}

// Tx is one mutation in progress: typed reads of the state as the mutation
// has changed it so far, and puts and deletes that Update checks, writes to
// disk and commits together, or not at all.
type Tx struct {
	index.Reader
	txn     *memdb.Txn
	seq     uint64
	vocab   *matcher.Vocabulary
	cats    []matcher.Category // categories put in this tx
	changed map[key]bool       // true: put, false: deleted
	order   []key
	sideOf  matcher.Side // the audit event's Side (SetSide)
	side    []sideWrite  // writes of the cached side tables (side.go)
	store   *Store
	posted  int // transfers posted in this tx (PostTransfer)
	// prepared: the records put are an import's, which bundle.Prepare has
	// validated as they are (the puts validate no more; they still stamp
	// Rev and Born, which Validate does not read).
	prepared bool
	// bulk holds the records put into tables that were empty when an
	// import began, inserted in bulk at flush (each index built once from
	// its sorted keys; internal/third_party/memdb): the tables not yet flushed are
	// not read in the meantime.
	bulk map[string][]any
	// whole are the tables that held no record when an import began:
	// Update asks the engine to fill their pages (kvBucket.fillPages).
	whole map[string]bool
}

// SetSide records in the mutation's audit event the claim side its answer
// is for.
func (tx *Tx) SetSide(side matcher.Side) { tx.sideOf = side }

// Changes returns every record this mutation puts or deletes, in the
// order of their first change (the audit event lists the first
// matcher.MaxEventChanges of them; the outbox hook reads them all).
func (tx *Tx) Changes() []matcher.Change {
	out := make([]matcher.Change, 0, len(tx.order))
	for _, k := range tx.order {
		out = append(out, matcher.Change{Table: k.table, ID: k.id, Delete: !tx.changed[k]})
	}
	return out
}

// Seq returns the store index this mutation will have.
func (tx *Tx) Seq() uint64 { return tx.seq }

// Vocabulary returns the categories in force in this mutation.
func (tx *Tx) Vocabulary() *matcher.Vocabulary { return tx.vocab }

// reserve makes room for n changes before a mutation makes them (an
// import knows how many records it puts): the change set is not rehashed
// as it grows.
func (tx *Tx) reserve(n int) {
	if len(tx.order) == 0 {
		tx.changed = make(map[key]bool, n)
		tx.order = make([]key, 0, n)
	}
}

func (tx *Tx) mark(table, id string, put bool) {
	k := key{table, id}
	if _, seen := tx.changed[k]; !seen {
		tx.order = append(tx.order, k)
	}
	tx.changed[k] = put
}

// ErrNoChange is Update's answer when its mutation changed nothing: no
// put changed a record (a put equal to the stored record is no change)
// and nothing was deleted. Nothing is written, not even an audit event.
var ErrNoChange = matcher.Errorf(matcher.EINVALID, "nothing to change")

func (tx *Tx) insert(table, id string, obj any) error {
	if pending, ok := tx.bulk[table]; ok {
		tx.bulk[table] = append(pending, obj)
		tx.mark(table, id, true)
		return nil
	}
	if cur, err := tx.txn.First(table, index.IndexID, id); err == nil && cur != nil && sameRecord(cur, obj) {
		return nil // the record stays as it is: nothing to write
	}
	if err := tx.txn.Insert(table, obj); err != nil {
		return err
	}
	tx.mark(table, id, true)
	return nil
}

// put validates rec (valid) and inserts it as record id of table.
func (tx *Tx) put(table, id string, rec interface{ Validate() error }) error {
	if err := tx.valid(rec); err != nil {
		return invalid(table, id, err)
	}
	return tx.insert(table, id, rec)
}

// valid runs v's Validate, unless the import's Prepare has validated the
// record already (tx.prepared).
func (tx *Tx) valid(v interface{ Validate() error }) error {
	if tx.prepared {
		return nil
	}
	return v.Validate()
}

// startBulk makes the puts into each of tables that holds no record yet
// wait for a bulk insert at flush.
func (tx *Tx) startBulk(tables ...string) {
	tx.bulk = map[string][]any{}
	tx.whole = map[string]bool{}
	for _, t := range tables {
		if raw, err := tx.txn.First(t, index.IndexID); err == nil && raw == nil {
			tx.bulk[t] = nil
			tx.whole[t] = true
		}
	}
}

// flushAll inserts the records that the puts into tables kept for the
// bulk insert.
func (tx *Tx) flushAll(tables ...string) error {
	for _, table := range tables {
		objs, ok := tx.bulk[table]
		if !ok {
			continue
		}
		delete(tx.bulk, table)
		if err := tx.txn.InsertBulk(table, objs, runtime.GOMAXPROCS(0)); err != nil {
			return fmt.Errorf("store: indexing %s: %w", table, err)
		}
	}
	return nil
}

func invalid(table, id string, err error) error {
	if err == nil {
		return nil
	}
	var p matcher.Problems
	p.AddErr(table+"["+id+"]", err)
	return p.Err()
}

// PutCategory adds or replaces a category of the vocabulary.
func (tx *Tx) PutCategory(c matcher.Category) error {
	c.Serves = slices.Clone(c.Serves)
	cats := append(tx.vocab.All(), c)
	v, err := matcher.NewVocabulary(cats)
	if err != nil {
		return invalid("categories", c.ID, err)
	}
	tx.vocab = v
	tx.cats = append(tx.cats, c)
	return nil
}

// PutGrid adds or replaces a grid.
func (tx *Tx) PutGrid(g matcher.Grid) error {
	g.Neighbours = slices.Clone(g.Neighbours)
	g.Rev = tx.seq
	return tx.put(index.TableGrids, g.ID, &g)
}

// PutAlliance adds or replaces an alliance.
func (tx *Tx) PutAlliance(a matcher.Alliance) error {
	a.Members = slices.Clone(a.Members)
	a.Rev, a.Born = tx.seq, tx.seq
	if cur, err := tx.Alliance(a.ID); err == nil {
		a.Born = cur.Born
	}
	return tx.put(index.TableAlliances, a.ID, &a)
}

// PutUnit adds or replaces a unit. Alliances the unit lists gain it as a
// member; membership itself is stored on the alliances only.
func (tx *Tx) PutUnit(u matcher.Unit) error {
	u.Rev, u.Born = tx.seq, tx.seq
	if cur := tx.UnitRaw(u.ID); cur != nil {
		u.Born = cur.Born
	}
	if u.Location != nil {
		loc := *u.Location
		u.Location = &loc
	}
	if err := tx.valid(&u); err != nil {
		return invalid(index.TableUnits, u.ID, err)
	}
	join := u.Alliances
	u.Alliances = nil
	if err := tx.insert(index.TableUnits, u.ID, &u); err != nil {
		return err
	}
	for _, id := range join {
		a, err := tx.Alliance(id)
		if err != nil {
			return invalid(index.TableUnits, u.ID, matcher.FieldError("alliances", "unknown alliance %q", id))
		}
		if a.Lead == u.ID || slices.Contains(a.Members, u.ID) {
			continue
		}
		c := *a
		c.Members = append(slices.Clone(a.Members), u.ID)
		prepared := tx.prepared // Prepare has not seen the alliance as changed
		tx.prepared = false
		err = tx.PutAlliance(c)
		tx.prepared = prepared
		if err != nil {
			return err
		}
	}
	return nil
}

// PutItem adds or replaces an item.
func (tx *Tx) PutItem(it matcher.Item) error {
	it.Tags = slices.Clone(it.Tags)
	it.Windows = slices.Clone(it.Windows)
	if it.Location != nil {
		loc := *it.Location
		it.Location = &loc
	}
	it.Rev = tx.seq
	return tx.put(index.TableItems, it.ID, &it)
}

// PutProject adds or replaces a project.
func (tx *Tx) PutProject(p matcher.Project) error {
	p.Rev = tx.seq
	return tx.put(index.TableProjects, p.ID, &p)
}

// PutClaim adds or replaces a claim.
func (tx *Tx) PutClaim(c matcher.Claim) error {
	c.Breakdown = slices.Clone(c.Breakdown)
	c.AcceptedBy = slices.Clone(c.AcceptedBy)
	c.Rev = tx.seq
	return tx.put(index.TableClaims, c.ID, &c)
}

// Delete removes the record id from table. References to it are checked
// when the mutation ends.
func (tx *Tx) Delete(table, id string) error {
	if immutable(table) {
		return matcher.Errorf(matcher.ECONFLICT, "%s %q is never deleted; correct it with a new transfer", singular(table), id)
	}
	raw, err := tx.txn.First(table, index.IndexID, id)
	if err != nil {
		return err
	}
	if raw == nil {
		return matcher.Errorf(matcher.ENOTFOUND, "%s %q not found", singular(table), id)
	}
	if err := tx.txn.Delete(table, raw); err != nil {
		return err
	}
	tx.mark(table, id, false)
	return nil
}

func singular(table string) string {
	switch table {
	case index.TableAlliances:
		return "alliance"
	case index.TableUnits:
		return "unit"
	case index.TableItems:
		return "item"
	case index.TableProjects:
		return "project"
	case index.TableClaims:
		return "claim"
	case index.TableGrids:
		return "grid"
	case index.TableTransfers:
		return "transfer"
	case index.TableRedemptions:
		return "redemption"
	case index.TableAccounts:
		return "account"
	}
	return table
}

// sameRecord reports whether the stored record cur and the new obj (both
// pointers to a record of one table) are equal but for Rev, which the
// store stamps.
func sameRecord(cur, obj any) bool {
	if e, ok := obj.(*matcher.Earners); ok {
		c, ok := cur.(*matcher.Earners)
		return ok && sameEarners(c, e)
	}
	c, o := reflect.ValueOf(cur).Elem(), reflect.ValueOf(obj).Elem()
	if c.Type() != o.Type() {
		return false
	}
	cc, oc := reflect.New(c.Type()).Elem(), reflect.New(o.Type()).Elem()
	cc.Set(c)
	oc.Set(o)
	for _, v := range []reflect.Value{cc, oc} {
		if rev := v.FieldByName("Rev"); rev.IsValid() {
			rev.SetUint(0)
		}
	}
	return reflect.DeepEqual(cc.Interface(), oc.Interface())
}
