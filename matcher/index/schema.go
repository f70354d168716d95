// Package index is allymatch's in-memory index: go-memdb tables of grids,
// alliances, units, items, projects and claims (and the points ledger's:
// ledger.go), with the secondary indexes
// the matcher and the API query, and typed read functions over a
// transaction.
//
// Objects in the index are pointers to values that are never changed after
// insert: a change inserts a copy. Readers work on a read transaction or a
// snapshot and see one consistent state.
package index

import (
	"fmt"

	memdb "github.com/allymatch/allymatch/internal/third_party/memdb"
	"github.com/allymatch/allymatch/matcher"
)

// Table names.
const (
	TableGrids     = "grids"
	TableAlliances = "alliances"
	TableUnits     = "units"
	TableItems     = "items"
	TableProjects  = "projects"
	TableClaims    = "claims"
	TableMeta      = "meta" // one row: the store index and vocabulary the state is at
)

// Index names. Not every table has every index; see Schema.
const (
	IndexID           = "id"
	IndexAlliance     = "alliance"        // grids: their alliance; alliances: their lead and members
	IndexLevel        = "level"           // alliances, items
	IndexParent       = "parent"          // alliances
	IndexGrid         = "grid"            // units
	IndexUnit         = "unit"            // items, projects
	IndexKindCategory = "kind_category"   // items: (kind, category); "kind_category_prefix" with the kind alone
	IndexStatus       = "status"          // claims
	IndexProject      = "project"         // items
	IndexResource     = "resource"        // claims: resource item
	IndexDemand       = "demand"          // claims: demand item
	IndexResourceUnit = "resource_unit"   // claims
	IndexDemandUnit   = "demand_unit"     // claims
	IndexMeeting      = "meeting"         // claims
	IndexPair         = "pair"            // claims: (resource, demand)
	IndexNeighbour    = "neighbour"       // grids: each grid they list as a neighbour
	IndexResourceStat = "resource_status" // claims: (resource, status)
	IndexDemandStat   = "demand_status"   // claims: (demand, status)
	IndexMeetingStat  = "meeting_status"  // claims: (meeting, status)
	IndexWaitingFor   = "waiting_for"     // claims: each unit whose answer a proposed claim waits for
	IndexAnswerBy     = "answer_by"       // claims: proposed ones with a deadline, by deadline
	IndexMeetingRun   = "meeting_run"     // claims: (meeting, run) of the solver's claims, by run
)

// Tables lists the table names in load order: a table's references point
// only at tables before it.
var Tables = append([]string{TableGrids, TableAlliances, TableUnits, TableProjects, TableItems, TableClaims}, LedgerTables...)

// strIndexer indexes a string taken from an object by a typed function,
// without the reflection of memdb.StringFieldIndex (a bulk load spends most
// of its time computing index keys).
type strIndexer[T any] struct {
	get func(*T) string
}

func (x strIndexer[T]) FromObject(obj any) (bool, []byte, error) {
	v, ok := obj.(*T)
	if !ok {
		return false, nil, fmt.Errorf("index: got %T, want %T", obj, (*T)(nil))
	}
	s := x.get(v)
	if s == "" {
		return false, nil, nil
	}
	return true, append([]byte(s), 0), nil
}

func (x strIndexer[T]) FromArgs(args ...any) ([]byte, error) {
	if len(args) != 1 {
		return nil, fmt.Errorf("index: want one argument, got %d", len(args))
	}
	s, ok := args[0].(string)
	if !ok {
		return nil, fmt.Errorf("index: argument must be a string, got %T", args[0])
	}
	return append([]byte(s), 0), nil
}

func (x strIndexer[T]) PrefixFromArgs(args ...any) ([]byte, error) {
	b, err := x.FromArgs(args...)
	if err != nil {
		return nil, err
	}
	return b[:len(b)-1], nil
}

func idIndex[T any](get func(*T) string) *memdb.IndexSchema {
	return &memdb.IndexSchema{Name: IndexID, Unique: true, Indexer: strIndexer[T]{get}}
}

func field[T any](name string, allowMissing bool, get func(*T) string) *memdb.IndexSchema {
	return &memdb.IndexSchema{Name: name, AllowMissing: allowMissing, Indexer: strIndexer[T]{get}}
}

func compound[T any](name string, gets ...func(*T) string) *memdb.IndexSchema {
	var ix []memdb.Indexer
	for _, g := range gets {
		ix = append(ix, strIndexer[T]{g})
	}
	return &memdb.IndexSchema{Name: name, Indexer: &memdb.CompoundIndex{Indexes: ix}}
}

// allianceUnitsIndexer indexes an alliance under its lead and each member,
// so that "the alliances of unit U" is one index read.
type allianceUnitsIndexer struct{}

func (allianceUnitsIndexer) FromObject(obj any) (bool, [][]byte, error) {
	a, ok := obj.(*matcher.Alliance)
	if !ok {
		return false, nil, fmt.Errorf("index: alliance units indexer got %T", obj)
	}
	units := a.AllUnits()
	if len(units) == 0 {
		return false, nil, nil
	}
	keys := make([][]byte, len(units))
	for i, u := range units {
		keys[i] = append([]byte(u), 0)
	}
	return true, keys, nil
}

func (allianceUnitsIndexer) FromArgs(args ...any) ([]byte, error) {
	if len(args) != 1 {
		return nil, fmt.Errorf("index: alliance units index takes one unit id, got %d args", len(args))
	}
	s, ok := args[0].(string)
	if !ok {
		return nil, fmt.Errorf("index: alliance units index takes a string, got %T", args[0])
	}
	return append([]byte(s), 0), nil
}

func table(name string, indexes ...*memdb.IndexSchema) *memdb.TableSchema {
	t := &memdb.TableSchema{Name: name, Indexes: map[string]*memdb.IndexSchema{}}
	for _, ix := range indexes {
		t.Indexes[ix.Name] = ix
	}
	return t
}

// Schema returns the go-memdb schema of the index.
func Schema() *memdb.DBSchema {
	type (
		G = matcher.Grid
		A = matcher.Alliance
		U = matcher.Unit
		I = matcher.Item
		P = matcher.Project
		C = matcher.Claim
	)
	s := &memdb.DBSchema{Tables: map[string]*memdb.TableSchema{
		TableGrids: table(TableGrids, idIndex(func(g *G) string { return g.ID }),
			field(IndexAlliance, true, func(g *G) string { return g.Alliance }),
			&memdb.IndexSchema{Name: IndexNeighbour, AllowMissing: true, Indexer: &memdb.StringSliceFieldIndex{Field: "Neighbours"}}),
		TableAlliances: table(TableAlliances, idIndex(func(a *A) string { return a.ID }),
			field(IndexLevel, false, func(a *A) string { return string(a.Level) }),
			field(IndexParent, true, func(a *A) string { return a.Parent }),
			&memdb.IndexSchema{Name: IndexAlliance, AllowMissing: true, Indexer: allianceUnitsIndexer{}}),
		TableUnits: table(TableUnits, idIndex(func(u *U) string { return u.ID }),
			field(IndexGrid, true, func(u *U) string { return u.Grid })),
		TableItems: table(TableItems, idIndex(func(i *I) string { return i.ID }),
			field(IndexUnit, false, func(i *I) string { return i.Unit }),
			compound(IndexKindCategory, func(i *I) string { return string(i.Kind) }, func(i *I) string { return i.Category }),
			field(IndexLevel, false, func(i *I) string { return string(i.Level) }),
			field(IndexProject, true, func(i *I) string { return i.Project })),
		TableProjects: table(TableProjects, idIndex(func(p *P) string { return p.ID }),
			field(IndexUnit, false, func(p *P) string { return p.Unit })),
		TableClaims: table(TableClaims, idIndex(func(c *C) string { return c.ID }),
			field(IndexResource, false, func(c *C) string { return c.Resource }),
			field(IndexDemand, false, func(c *C) string { return c.Demand }),
			field(IndexResourceUnit, false, func(c *C) string { return c.ResourceUnit }),
			field(IndexDemandUnit, false, func(c *C) string { return c.DemandUnit }),
			field(IndexStatus, false, func(c *C) string { return string(c.Status) }),
			field(IndexMeeting, true, func(c *C) string { return c.Meeting }),
			compound(IndexPair, func(c *C) string { return c.Resource }, func(c *C) string { return c.Demand }),
			// Claims pile up (every new solve expires the meeting's unanswered
			// proposals): lookups by status keep reads of the live ones
			// independent of that history.
			compound(IndexResourceStat, func(c *C) string { return c.Resource }, func(c *C) string { return string(c.Status) }),
			compound(IndexDemandStat, func(c *C) string { return c.Demand }, func(c *C) string { return string(c.Status) }),
			&memdb.IndexSchema{Name: IndexMeetingStat, AllowMissing: true, Indexer: &memdb.CompoundIndex{AllowMissing: false, Indexes: []memdb.Indexer{
				strIndexer[C]{func(c *C) string { return c.Meeting }}, strIndexer[C]{func(c *C) string { return string(c.Status) }}}}},
			// Who has not answered, and what is overdue (see waiting.go).
			&memdb.IndexSchema{Name: IndexWaitingFor, AllowMissing: true, Indexer: waitingForIndexer{}},
			&memdb.IndexSchema{Name: IndexAnswerBy, AllowMissing: true, Indexer: answerByIndexer{}},
			&memdb.IndexSchema{Name: IndexMeetingRun, AllowMissing: true, Indexer: meetingRunIndexer{}}),
		TableMeta:    table(TableMeta, idIndex(func(m *Meta) string { return m.ID })),
		TableChanges: changesTable(),
	}}
	ledgerTables(s.Tables) // the points ledger (ledger.go)
	return s
}

// Meta is the one row of TableMeta: the store index the state is at and the
// categories in force. It is written in every write transaction, so a read
// transaction sees the index and vocabulary of exactly the state it reads.
type Meta struct {
	ID    string // always MetaID
	Seq   uint64
	Vocab *matcher.Vocabulary
	// State names the content of the index: every write makes a new one
	// (NewState), recorded in the change log (RecordChanges) when the
	// write lists its keys. 0 is no state (an index never written).
	State uint64
}

// MetaID is the id of the one Meta row.
const MetaID = "meta"

// Meta returns the state's meta row (zero Seq and nil Vocab if none).
//
// It is never recorded (see Track): every write changes the row, and no
// write lists it among its keys.
func (r Reader) Meta() Meta {
	m, _ := first[Meta](Reader{txn: r.txn}, TableMeta, IndexID, MetaID)
	if m == nil {
		return Meta{ID: MetaID}
	}
	return *m
}

// New returns an empty index. Nothing watches it (readers take snapshots,
// and writers' changes are told by the change log, changes.go), so it is
// watchless: its trees carry no channel per node and leaf
// (memdb.NewMemDBWatchless).
func New() (*memdb.MemDB, error) { return memdb.NewMemDBWatchless(Schema()) }
