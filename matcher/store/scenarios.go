package store

import (
	"context"
	"fmt"
	"strconv"
)

// The scenarios table keeps the what-if scenarios planners save (the
// scenario package encodes them; here they are bytes under their id), on
// either engine through the seam (kv.go): a bucket made on first write on
// both (PostgreSQL's rows of allymatch_kv need no new SQL schema, so no
// migration), its values sealed as records are and checked on every read. It is not in the index and not
// in the audit log: a scenario changes no record until it is applied,
// which is an ordinary mutation.
const bucketScenarios = "scenarios"

// Saved is one stored scenario.
type Saved struct {
	ID   string
	Data []byte
}

// NewScenarioID returns a new scenario id ("sc-" and the table's counter,
// never reused, also after a restart).
func (s *Store) NewScenarioID() (string, error) {
	var n uint64
	err := s.kv.update(context.Background(), func(tx kvTx) error {
		b, err := tx.createBucket(bucketScenarios)
		if err != nil {
			return err
		}
		n, err = b.nextSequence()
		return err
	})
	if err != nil {
		return "", fmt.Errorf("store: numbering a scenario: %w", err)
	}
	return "sc-" + strconv.FormatUint(n, 10), nil
}

// PutScenario stores (or replaces) the scenario id, durable when it
// returns.
func (s *Store) PutScenario(id string, data []byte) error {
	err := s.kv.update(context.Background(), func(tx kvTx) error {
		b, err := tx.createBucket(bucketScenarios)
		if err != nil {
			return err
		}
		return b.put([]byte(id), Seal([]byte(id), data))
	})
	if err != nil {
		return fmt.Errorf("store: writing scenario %s: %w", id, err)
	}
	return nil
}

// DeleteScenario deletes the scenario id (none: no error).
func (s *Store) DeleteScenario(id string) error {
	err := s.kv.update(context.Background(), func(tx kvTx) error {
		b, err := tx.bucket(bucketScenarios)
		if err != nil || b == nil {
			return err
		}
		return b.delete([]byte(id))
	})
	if err != nil {
		return fmt.Errorf("store: deleting scenario %s: %w", id, err)
	}
	return nil
}

// Scenarios returns every stored scenario, in key order; a value whose
// seal does not check is an error naming it.
func (s *Store) Scenarios() ([]Saved, error) {
	var out []Saved
	err := s.kv.view(context.Background(), func(tx kvTx) error {
		b, err := tx.bucket(bucketScenarios)
		if err != nil || b == nil {
			return err
		}
		return forEach(b, func(k, v []byte) error {
			data, err := Unseal(k, v)
			if err != nil {
				return fmt.Errorf("scenario %s: %w", k, err)
			}
			out = append(out, Saved{ID: string(k), Data: append([]byte(nil), data...)})
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("store: reading the scenarios: %w", err)
	}
	return out, nil
}

// Scenario returns the stored scenario id (ok false: none); a value whose
// seal does not check is an error naming it.
func (s *Store) Scenario(id string) (data []byte, ok bool, err error) {
	err = s.kv.view(context.Background(), func(tx kvTx) error {
		b, err := tx.bucket(bucketScenarios)
		if err != nil || b == nil {
			return err
		}
		v, err := b.get([]byte(id))
		if err != nil || v == nil {
			return err
		}
		raw, err := Unseal([]byte(id), v)
		if err != nil {
			return fmt.Errorf("scenario %s: %w", id, err)
		}
		data, ok = append([]byte(nil), raw...), true
		return nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("store: reading scenario %s: %w", id, err)
	}
	return data, ok, nil
}
