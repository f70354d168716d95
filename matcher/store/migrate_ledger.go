package store

import (
	"strings"

	"github.com/allymatch/allymatch/matcher/index"
)

// ledgerShape checks the points ledger's tables of a store of layout
// version v: a store of version 3 or later has every one of them (like
// every other required table); a store before version 3 was made without
// them and has none, which its migration (migrateLedger) creates. A store
// before version 3 that has some of them anyway was not made by allymatch.
func ledgerShape(tx kvTx, path, v string) error {
	var missing []string
	for _, name := range index.LedgerTables {
		b, err := tx.bucket(name)
		if err != nil {
			return err
		}
		switch {
		case b == nil:
			missing = append(missing, name)
		case v == "1" || v == "2":
			k, err := first(b)
			if err != nil {
				return err
			}
			if k != nil {
				return damaged(path, "layout version %s has no table %s, yet the file holds one with values", v, name)
			}
		}
	}
	switch {
	case v == "1" || v == "2":
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
func migrateLedger(tx kvTx) error {
	for _, name := range index.LedgerTables {
		if _, err := tx.createBucket(name); err != nil {
			return err
		}
	}
	return nil
}
