package store

import (
	"strings"
	"testing"
)

// The scenarios table on both engines: ids never reused, values kept
// byte for byte across a reopen (all, or one by id), deleted, and a
// damaged value refused.
func TestScenariosTable(t *testing.T) {
	forEachEngine(t, func(t *testing.T, fresh func(testing.TB) Options) {
		opts := fresh(t)
		s, _, err := Open(ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		a, err := s.NewScenarioID()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := s.NewScenarioID()
		if a == b || !strings.HasPrefix(a, "sc-") {
			t.Errorf("ids %q, %q", a, b)
		}
		for id, v := range map[string]string{a: `{"name":"红十字会"}`, b: `{"name":"b"}`} {
			if err := s.PutScenario(id, []byte(v)); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.DeleteScenario(b); err != nil {
			t.Fatal(err)
		}
		s.Close()
		s = openAt(t, opts)
		got, err := s.Scenarios()
		if err != nil || len(got) != 1 || got[0].ID != a || string(got[0].Data) != `{"name":"红十字会"}` {
			t.Fatalf("after reopening: %+v, %v", got, err)
		}
		if data, ok, err := s.Scenario(a); err != nil || !ok || string(data) != `{"name":"红十字会"}` {
			t.Errorf("Scenario(%s) = %s, %v, %v", a, data, ok, err)
		}
		if data, ok, err := s.Scenario(b); err != nil || ok || data != nil {
			t.Errorf("Scenario(%s), deleted, = %s, %v, %v", b, data, ok, err)
		}
		if c, _ := s.NewScenarioID(); c == a || c == b {
			t.Errorf("an id made again after reopening: %s", c)
		}
		if err := s.DeleteScenario("sc-none"); err != nil {
			t.Errorf("deleting a missing scenario: %v", err)
		}
	})
}
