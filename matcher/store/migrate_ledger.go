package store

import (
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/allymatch/allymatch/matcher/index"
)

// ledgerShape checks the points ledger's tables of a file of layout
// version v: a file of version 3 or later has every one of them (like every
// other required table); a file before version 3 was made without them and
// has none, which its migration (migrateLedger) creates. A file before
// version 3 that has some of them anyway was not made by allymatch.
func ledgerShape(btx *bolt.Tx, path, v string) error {
	var missing, present []string
	for _, name := range index.LedgerTables {
		if btx.Bucket([]byte(name)) == nil {
			missing = append(missing, name)
		} else {
			present = append(present, name)
		}
	}
	switch {
	case v == "1" || v == "2":
		for _, name := range present {
			if k, _ := btx.Bucket([]byte(name)).Cursor().First(); k != nil {
				return damaged(path, "layout version %s has no table %s, yet the file holds one with values", v, name)
			}
		}
	case len(missing) == 1:
		return damaged(path, "the table %s is missing", missing[0])
	case len(missing) > 1:
		return damaged(path, "the tables %s are missing", strings.Join(missing, ", "))
	}
	return nil
}

// migrateLedger is the migration step from layout version 2 to 3: it
// creates the points ledger's tables, empty. It runs in the migration's
// one transaction (Open's migrate), before the version is set.
func migrateLedger(btx *bolt.Tx) error {
	for _, name := range index.LedgerTables {
		if _, err := btx.CreateBucketIfNotExists([]byte(name)); err != nil {
			return err
		}
	}
	return nil
}
