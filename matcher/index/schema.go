// Package index is allymatch's in-memory index: go-memdb tables of grids,
// alliances, units, items, projects and claims, with the secondary indexes
// the matcher and the API query, and typed read functions over a
// transaction.
//
// Objects in the index are pointers to values that are never changed after
// insert: a change inserts a copy. Readers work on a read transaction or a
// snapshot and see one consistent state.
package index

import (
	"fmt"

	memdb "github.com/hashicorp/go-memdb"

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
	IndexAlliance     = "alliance"      // grids: their alliance; alliances: their lead and members
	IndexLevel        = "level"         // alliances, items
	IndexParent       = "parent"        // alliances
	IndexGrid         = "grid"          // units
	IndexKind         = "kind"          // units, items
	IndexUnit         = "unit"          // items, projects
	IndexCategory     = "category"      // items
	IndexKindCategory = "kind_category" // items: (kind, category)
	IndexStatus       = "status"        // items, projects, claims
	IndexProject      = "project"       // items
	IndexResource     = "resource"      // claims: resource item
	IndexDemand       = "demand"        // claims: demand item
	IndexResourceUnit = "resource_unit" // claims
	IndexDemandUnit   = "demand_unit"   // claims
	IndexMeeting      = "meeting"       // claims
	IndexPair         = "pair"          // claims: (resource, demand)
)

// Tables lists the table names in load order: a table's references point
// only at tables before it.
var Tables = []string{TableGrids, TableAlliances, TableUnits, TableProjects, TableItems, TableClaims}

func idIndex() *memdb.IndexSchema {
	return &memdb.IndexSchema{Name: IndexID, Unique: true, Indexer: &memdb.StringFieldIndex{Field: "ID"}}
}

func field(name, f string, allowMissing bool) *memdb.IndexSchema {
	return &memdb.IndexSchema{Name: name, AllowMissing: allowMissing, Indexer: &memdb.StringFieldIndex{Field: f}}
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

func compound(name string, fields ...string) *memdb.IndexSchema {
	var ix []memdb.Indexer
	for _, f := range fields {
		ix = append(ix, &memdb.StringFieldIndex{Field: f})
	}
	return &memdb.IndexSchema{Name: name, Indexer: &memdb.CompoundIndex{Indexes: ix}}
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
	return &memdb.DBSchema{Tables: map[string]*memdb.TableSchema{
		TableGrids: table(TableGrids, idIndex(),
			field(IndexAlliance, "Alliance", true)),
		TableAlliances: table(TableAlliances, idIndex(),
			field(IndexLevel, "Level", false),
			field(IndexParent, "Parent", true),
			&memdb.IndexSchema{Name: IndexAlliance, AllowMissing: true, Indexer: allianceUnitsIndexer{}}),
		TableUnits: table(TableUnits, idIndex(),
			field(IndexGrid, "Grid", true),
			field(IndexKind, "Kind", false)),
		TableItems: table(TableItems, idIndex(),
			field(IndexUnit, "Unit", false),
			field(IndexKind, "Kind", false),
			field(IndexCategory, "Category", false),
			compound(IndexKindCategory, "Kind", "Category"),
			field(IndexStatus, "Status", false),
			field(IndexLevel, "Level", false),
			field(IndexProject, "Project", true)),
		TableProjects: table(TableProjects, idIndex(),
			field(IndexUnit, "Unit", false),
			field(IndexStatus, "Status", false)),
		TableClaims: table(TableClaims, idIndex(),
			field(IndexResource, "Resource", false),
			field(IndexDemand, "Demand", false),
			field(IndexResourceUnit, "ResourceUnit", false),
			field(IndexDemandUnit, "DemandUnit", false),
			field(IndexStatus, "Status", false),
			field(IndexMeeting, "Meeting", true),
			compound(IndexPair, "Resource", "Demand")),
		TableMeta: table(TableMeta, idIndex()),
	}}
}

// Meta is the one row of TableMeta: the store index the state is at and the
// categories in force. It is written in every write transaction, so a read
// transaction sees the index and vocabulary of exactly the state it reads.
type Meta struct {
	ID    string // always MetaID
	Seq   uint64
	Vocab *matcher.Vocabulary
}

// MetaID is the id of the one Meta row.
const MetaID = "meta"

// Meta returns the state's meta row (zero Seq and nil Vocab if none).
func (r Reader) Meta() Meta {
	m, _ := first[Meta](r, TableMeta, IndexID, MetaID)
	if m == nil {
		return Meta{ID: MetaID}
	}
	return *m
}

// New returns an empty index.
func New() (*memdb.MemDB, error) { return memdb.NewMemDB(Schema()) }
