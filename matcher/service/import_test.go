package service

import (
	"strings"
	"testing"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/bundle"
)

// A coordinator's import touches only what it may change; each record out
// of scope is a located problem, and nothing is stored.
func TestImportToChecksEveryRecord(t *testing.T) {
	s := newService(t)
	lh := matcher.Coordinator("lh")
	for _, c := range []struct{ name, json, says string }{
		{"a foreign unit", `{"format":"allymatch.bundle/v1","units":[{"id":"tw-company","name":"冒名","kind":"shop","grid":"lh-g1"}]}`, `unit "tw-company" exists already in another alliance`},
		{"a new unit in a foreign alliance", `{"format":"allymatch.bundle/v1","units":[{"id":"x-new","name":"新店","kind":"shop","grid":"lh-g1","alliances":["tw"]}]}`, `no alliance "tw" in lh`},
		{"a foreign unit's item", `{"format":"allymatch.bundle/v1","items":[{"id":"X-1","unit":"tw-company","kind":"demand","category":"goods","title":"物资","quantity":1}]}`, `no unit "tw-company" in this meeting`},
		{"an item moved from a foreign unit", `{"format":"allymatch.bundle/v1","items":[{"id":"TW-D01","unit":"lh-school","kind":"demand","category":"goods","title":"物资","quantity":1}]}`, `taken by an item of another alliance`},
		{"a project of a foreign unit", `{"format":"allymatch.bundle/v1","projects":[{"id":"TW-P01","unit":"lh-school","name":"冒名项目"}]}`, `taken by a project of another alliance`},
		{"an item moved between lh's units", `{"format":"allymatch.bundle/v1","items":[{"id":"LH-D01","unit":"lh-bank","kind":"demand","category":"escort","title":"护学","quantity":1}]}`, `belongs to unit "lh-school", not "lh-bank"`},
		{"a slot of a foreign project", `{"format":"allymatch.bundle/v1","items":[{"id":"X-1","unit":"lh-school","kind":"demand","category":"goods","title":"物资","quantity":1,"project":"TW-P01"}]}`, `unit "lh-school" has no project "TW-P01"`},
		{"an alliance", `{"format":"allymatch.bundle/v1","alliances":[{"id":"x","name":"新联盟","level":"community","parent":"st-lzw"}]}`, `only an admin imports alliances`},
	} {
		b, err := bundle.DecodeJSON("upload.json", []byte(c.json))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		seq := s.Store.Seq()
		_, err = s.ImportTo(ctx, lh, "lh", b)
		if err == nil || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%s: %v, want a problem saying %s", c.name, err, c.says)
		}
		if s.Store.Seq() != seq {
			t.Errorf("%s: the refused import stored something", c.name)
		}
	}
	b, err := bundle.DecodeJSON("upload.json", []byte(`{"format":"allymatch.bundle/v1","units":[{"id":"lh-new","name":"新成员","kind":"shop","grid":"lh-g1","alliances":["lh"]}],"items":[{"id":"LH-D98","unit":"lh-new","kind":"demand","category":"goods","title":"物资","quantity":1}]}`))
	if err != nil {
		t.Fatal(err)
	}
	ev, err := s.ImportTo(ctx, lh, "lh", b)
	if err != nil || ev.Count == 0 || len(ev.Alliances) != 1 || ev.Alliances[0] != "lh" {
		t.Errorf("an import in scope: %+v, %v; want stored, its event naming lh", ev, err)
	}
	if _, err := s.ImportTo(ctx, matcher.Coordinator("tw"), "lh", b); err == nil || !strings.Contains(err.Error(), `no meeting "lh"`) {
		t.Errorf("another community imports into lh: %v", err)
	}
}
