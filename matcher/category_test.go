package matcher

import (
	"strings"
	"testing"
)

func TestCategoryStrengthAndConversions(t *testing.T) {
	v := MustDefaultVocabulary()
	for _, c := range []struct {
		res, dem string
		want     int
	}{{"venue", "venue", MaxStrength}, {"volunteer", "escort", 800}, {"publicity", "legal", DefaultServeStrength}, {"venue", "escort", 0}} {
		if got := v.Strength(c.res, c.dem); got != c.want {
			t.Errorf("Strength(%s, %s) = %d, want %d", c.res, c.dem, got, c.want)
		}
	}
	for _, c := range []struct {
		cat, res, dem string
		want          bool
	}{{"goods", "份", "个", true}, {"goods", "份", "小时", false}, {"training", "场", "人次", true}, {"training", "人次", "场", false},
		{"transport", "车次", "份", true}, {"goods", " 份", "件", true}} {
		if got := v.MeasuresMeet(c.cat, c.res, c.dem); got != c.want {
			t.Errorf("MeasuresMeet(%s, %q, %q) = %v, want %v", c.cat, c.res, c.dem, got, c.want)
		}
	}
	for _, c := range []struct {
		cat  Category
		want string
	}{
		{Category{ID: "a", NameZH: "甲", NameEN: "a", Serves: []string{"b"}, Strength: map[string]int{"c": 500}}, "strength.c"},
		{Category{ID: "a", NameZH: "甲", NameEN: "a", Serves: []string{"b"}, Strength: map[string]int{"b": 1000}}, "strength.b"},
		{Category{ID: "a", NameZH: "甲", NameEN: "a", Conversions: []Conversion{{From: "hours", To: "litres"}}}, "conversions[0].to"},
		{Category{ID: "a", NameZH: "甲", NameEN: "a", Conversions: []Conversion{{From: "hours", To: "hours"}}}, "conversions[0]"},
	} {
		if err := c.cat.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want a problem naming %s", c.cat, err, c.want)
		}
	}
}

// TestVocabularyPair: a resource and a demand pair by the resource's
// category serving the demand's, in either order of the arguments; two
// items of one kind never pair.
func TestVocabularyPair(t *testing.T) {
	v := MustDefaultVocabulary()
	item := func(k ItemKind, cat string) *Item { return &Item{Kind: k, Category: cat} }
	for _, c := range []struct {
		a, b *Item
		want bool
	}{
		{item(Resource, "goods"), item(Demand, "elderly"), true},
		{item(Demand, "elderly"), item(Resource, "goods"), true},
		{item(Resource, "elderly"), item(Demand, "goods"), false},
		{item(Demand, "goods"), item(Resource, "elderly"), false},
		{item(Resource, "goods"), item(Resource, "goods"), false},
		{item(Demand, "goods"), item(Demand, "goods"), false},
	} {
		if got := v.Pair(c.a, c.b); got != c.want {
			t.Errorf("Pair(%s %s, %s %s) = %v, want %v", c.a.Kind, c.a.Category, c.b.Kind, c.b.Category, got, c.want)
		}
	}
}
