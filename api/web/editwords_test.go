package web

import (
	"context"
	"strings"
	"testing"

	"github.com/allymatch/allymatch/fixtures"
	"github.com/allymatch/allymatch/matcher/store"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/match"
	"github.com/allymatch/allymatch/matcher/scenario"
	"github.com/allymatch/allymatch/matcher/service"
)

// Every edit operation reads as words in both languages, never as its bare
// op name (what the what-if page shows when it has no wording).
func TestEditWordsForEveryOp(t *testing.T) {
	q, km, st := int64(3), 2.5, matcher.ProjectDropped
	mode, w := match.Coverage, map[string]int{match.TermProximity: 40}
	wins := []matcher.Window{}
	edit := scenario.Edit{Unit: scenario.Ref[matcher.Unit]{Value: &matcher.Unit{ID: "lh-bank", Name: "农商行龙洲湾支行"}},
		Item:     scenario.Ref[matcher.Item]{Value: &matcher.Item{ID: "LH-R12", Title: "晚间护学"}},
		Project:  scenario.Ref[matcher.Project]{Value: &matcher.Project{ID: "LH-P02", Name: "爱心早餐"}},
		Alliance: "lh", Quantity: &q, RadiusKM: &km, Windows: &wins, Status: &st, Mode: &mode, Weights: w}
	v := bananView(t)
	for _, l := range []*Lang{langZH, langEN} {
		n := names{lang: l, v: v}
		for _, op := range scenario.Ops() {
			e := edit
			e.Op = op
			got := editWords(n, e)
			if got == op || strings.Contains(got, "%!") {
				t.Errorf("%s: %q", op, got)
			}
		}
	}
}

// bananView is the Banan sample's state as an admin reads it.
func bananView(t *testing.T) *service.View {
	t.Helper()
	st, _, err := store.Open(context.Background(), store.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Import(context.Background(), fixtures.MustBanan(t), "system"); err != nil {
		t.Fatal(err)
	}
	return service.New(st).View(matcher.Admin)
}
