package service

import (
	"slices"
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
		{"an alliance above the meeting", `{"format":"allymatch.bundle/v1","alliances":[{"id":"x","name":"新联盟","level":"community","parent":"st-lzw","lead":"lh-school"}]}`, `no alliance "st-lzw" in lh or below it`},
		{"an alliance that exists", `{"format":"allymatch.bundle/v1","alliances":[{"id":"lh","name":"改名","level":"community","parent":"st-lzw","lead":"lh-school"}]}`, `alliance "lh" exists already`},
		{"a foreign alliance's id", `{"format":"allymatch.bundle/v1","alliances":[{"id":"tw","name":"冒名","level":"community","parent":"lh","lead":"lh-school"}]}`, `id "tw" is taken by another alliance`},
		{"a grid", `{"format":"allymatch.bundle/v1","grids":[{"id":"g-x","name":"新网格"}]}`, `only an admin imports grids`},
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

// A street's coordinator imports a new community alliance with its new
// units and their lists in one import; units are named by name where the
// name is unambiguous.
func TestImportNewAlliance(t *testing.T) {
	s := newService(t)
	street := matcher.Coordinator("st-lzw")
	b, err := bundle.DecodeJSON("upload.json", []byte(`{"format":"allymatch.bundle/v1",
"alliances":[{"id":"lzw-new","name":"龙洲湾新社区联盟","level":"community","parent":"st-lzw","lead":"new-lead","members":["lh-bank"]}],
"units":[{"id":"new-lead","name":"新社区党委","kind":"community","grid":"lh-g1"},{"id":"new-food","name":"新社区餐馆","kind":"餐饮","grid":"lh-g1","alliances":["lzw-new"]}],
"items":[{"id":"NEW-D1","unit":"新社区餐馆","kind":"demand","category":"goods","title":"物资","quantity":3}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.PreviewImport(ctx, street, "st-lzw", b); err != nil {
		t.Fatalf("preview: %v", err)
	}
	if _, err := s.ImportTo(ctx, street, "st-lzw", b); err != nil {
		t.Fatalf("import: %v", err)
	}
	sn := s.Store.Snapshot()
	al, err := sn.Alliance("lzw-new")
	if err != nil || al.Lead != "new-lead" || !slices.Contains(al.Members, "new-food") || !slices.Contains(al.Members, "lh-bank") {
		t.Fatalf("the new alliance: %+v %v", al, err)
	}
	if it, err := sn.Item("NEW-D1"); err != nil || it.Unit != "new-food" {
		t.Errorf("the item named by its unit's name: %+v %v", it, err)
	}
	// A name two units share is refused, naming them.
	b, _ = bundle.DecodeJSON("upload.json", []byte(`{"format":"allymatch.bundle/v1",
"units":[{"id":"twin-1","name":"同名商店","kind":"shop","grid":"lh-g1","alliances":["lh"]},{"id":"twin-2","name":"同名商店","kind":"shop","grid":"lh-g1","alliances":["lh"]}],
"items":[{"id":"TWIN-D1","unit":"同名商店","kind":"demand","category":"goods","title":"物资","quantity":3}]}`))
	seq := s.Store.Seq()
	if err := s.PreviewImport(ctx, street, "st-lzw", b); err == nil || !strings.Contains(err.Error(), "twin-1, twin-2") {
		t.Errorf("an ambiguous name: %v", err)
	}
	if _, err := s.ImportTo(ctx, street, "st-lzw", b); err == nil || s.Store.Seq() != seq {
		t.Errorf("an ambiguous name imported: %v", err)
	}
}
