package web

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/allymatch/allymatch/fixtures"
	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/i18n"
	"github.com/allymatch/allymatch/matcher/service"
	"github.com/allymatch/allymatch/matcher/store"
)

var han = regexp.MustCompile(`\p{Han}`)

// known reports whether the catalogue says e in Chinese.
func known(e *matcher.Error) bool {
	format, _ := e.Key()
	return i18n.Has(format)
}

// Every problem the forms can meet, from the domain's Validate and from
// the service itself, reads as a Chinese sentence of its rule (no English
// fallback, no missing argument), and as the domain's English under en.
func TestDomainMessagesInChinese(t *testing.T) {
	var errs []error
	long := strings.Repeat("长", matcher.MaxNameLen+1)
	tags := make([]string, matcher.MaxTags+1)
	for i := range tags {
		tags[i] = "t"
	}
	t0 := time.Date(2026, 12, 1, 18, 0, 0, 0, time.UTC)
	for _, it := range []matcher.Item{
		{},
		{ID: "中文", Unit: "u", Kind: "x", Category: "c", Title: long, Quantity: -1, Priority: 9, Status: "x", Level: "x", RadiusKM: -1, Tags: tags,
			Windows: []matcher.Window{{From: t0, To: t0.Add(-time.Hour)}, {To: t0}}, Location: &matcher.GeoPoint{Lat: 100, Lon: 200}},
		{ID: "a", Unit: "u", Kind: matcher.Resource, Category: "c", Title: "x\xff", Quantity: 1, Priority: 1, Status: matcher.ItemOpen, Level: matcher.Community, Project: "p", Tags: []string{""}},
		{ID: "a", Unit: "u", Kind: matcher.Demand, Category: "c", Title: "x", Quantity: 1, Priority: 1, Status: matcher.ItemOpen, Level: matcher.Community, Optional: true,
			Windows: make([]matcher.Window, 367)},
	} {
		errs = append(errs, it.Validate())
	}
	for _, pr := range []matcher.Project{{}, {ID: "p", Unit: "u", Name: "x", Status: "x"}} {
		errs = append(errs, pr.Validate())
	}

	// The service's own problems.
	ctx := context.Background()
	st, _, err := store.Open(ctx, store.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Import(ctx, fixtures.MustBanan(t), "system"); err != nil {
		t.Fatal(err)
	}
	svc := service.New(st)
	school := matcher.UnitActor("lh-school")
	item := func(id, cat, project string) matcher.Item {
		return matcher.Item{ID: id, Kind: matcher.Demand, Category: cat, Title: "x", Quantity: 1, Project: project}
	}
	_, err = svc.CreateItem(ctx, school, "lh-school", item("LH-D01", "escort", ""))
	errs = append(errs, err)
	_, err = svc.CreateItem(ctx, school, "lh-school", item("LH-NEW", "nope", ""))
	errs = append(errs, err)
	_, err = svc.CreateItem(ctx, school, "lh-school", item("LH-NEW", "escort", "LH-P01"))
	errs = append(errs, err)
	one := int64(1)
	_, err = svc.PatchItem(ctx, school, "LH-D01", service.ItemPatch{Quantity: &one}) // C-0001 holds 4
	errs = append(errs, err)
	hand := func(a matcher.Actor, h service.HandClaim) {
		_, err := svc.ClaimByHand(ctx, a, h)
		if err == nil {
			t.Errorf("%+v: no problem", h)
		}
		errs = append(errs, err)
	}
	hand(school, service.HandClaim{Resource: "LH-R03", Demand: "LH-D01", Quantity: 1})                                  // its own items
	hand(matcher.Admin, service.HandClaim{Resource: "LH-R14", Demand: "LH-D01", Quantity: 1})                           // legal aid for an escort
	hand(matcher.Admin, service.HandClaim{Resource: "LH-R12", Demand: "LH-D01", Quantity: 1_000_000, Side: "resource"}) // more than left
	hand(matcher.Admin, service.HandClaim{Resource: "BN-R09", Demand: "YDBJ-D01", Quantity: 1, Side: "resource"})       // rejected before
	hand(school, service.HandClaim{Resource: "NOPE", Demand: "LH-D01", Quantity: 1})
	hand(matcher.Admin, service.HandClaim{Resource: "LH-R12", Demand: "LZWC-D01", Quantity: 1})
	hand(matcher.Admin, service.HandClaim{Resource: "LH-D02", Demand: "LH-D01", Quantity: 0, Side: "resource"})
	hand(school, service.HandClaim{Resource: "LH-R03", Demand: "LH-D02", Quantity: 1, Meeting: "nope"})
	hand(matcher.Admin, service.HandClaim{Resource: "LH-R12", Demand: "LH-D01", Quantity: 1, Meeting: "tw", Side: "resource"})
	paused := matcher.ItemPaused
	if _, err := svc.PatchItem(ctx, matcher.Admin, "LH-R01", service.ItemPatch{Status: &paused}); err != nil {
		t.Fatal(err)
	}
	hand(matcher.Admin, service.HandClaim{Resource: "LH-R01", Demand: "LH-D05", Quantity: 1, Side: "resource"})
	c, err := svc.ClaimByHand(ctx, matcher.Admin, service.HandClaim{Resource: "LH-R12", Demand: "LZWC-D01", Quantity: 1, Side: "resource"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = svc.AnswerClaim(ctx, matcher.Coordinator("lh"), c.ID, service.Accept, matcher.DemandSide, "")
	errs = append(errs, err)

	n := 0
	for _, err := range errs {
		list := matcher.FieldErrors(err)
		if len(list) == 0 {
			t.Errorf("no field errors in %v", err)
		}
		for _, e := range list {
			n++
			if !known(e) {
				t.Errorf("the catalogue does not know %q (field %s)", e.Message, e.Field)
				continue
			}
			zh, _ := domainMessage(langZH, e)
			if strings.Contains(zh, "%!") || strings.HasPrefix(zh, "输入有误：") || !han.MatchString(zh) {
				t.Errorf("%q reads %q", e.Message, zh)
			}
			if en, _ := domainMessage(langEN, e); en != e.Message {
				t.Errorf("en: %q, want the domain's %q", en, e.Message)
			}
		}
	}
	t.Logf("%d messages", n)
}

// A problem goes beside the field the domain names; one that names none
// goes beside the field its rule gives, and a refusal is not a form
// problem at all.
func TestFormFailErr(t *testing.T) {
	f := newForm()
	same := func(s string) string { return s }
	err := (&matcher.Problems{List: []*matcher.Error{
		matcher.FieldError("quantity", "must be between 1 and %d, got %d", matcher.MaxQuantity, 0),
		matcher.FieldError("items[LH-X].category", "unknown category %q", "x"),
	}}).Err()
	if !f.failErr(langZH, err, same) {
		t.Fatal("a validation problem is not a form problem")
	}
	if got := f.E("quantity"); got != "须在 1 到 1000000000 之间（现为 0）" {
		t.Errorf("quantity: %q", got)
	}
	if got := f.E("category"); got != "没有“x”这个类别" {
		t.Errorf("category: %q", got)
	}
	f = newForm()
	if !f.failErr(langZH, matcher.Errorf(matcher.ECONFLICT, "item %q exists already", "LH-D01"), same) || f.E("id") == "" {
		t.Errorf("an id taken is not shown beside the id: %+v", f)
	}
	if f.failErr(langZH, matcher.Errorf(matcher.EFORBIDDEN, "unit:x may not change the lists of unit y"), same) {
		t.Error("a refusal became a form problem")
	}
	f = newForm()
	f.failErr(langZH, matcher.FieldError("level", "must be community, street or district, got %q", "x"), func(string) string { return "" })
	if len(f.Top) != 1 || f.Top[0] != "层级：层级须为社区、街道或区（现为“x”）" {
		t.Errorf("a problem of no form field: %q", f.Top)
	}
}
