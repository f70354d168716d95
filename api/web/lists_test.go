package web_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/bundle"
	"github.com/allymatch/allymatch/matcher/store"
)

// unitBrowser logs a unit in.
func unitBrowser(t testing.TB, base, unit string) *browser {
	t.Helper()
	b := newBrowser(t, base)
	b.login(makeToken(t, base, `{"role":"unit","unit":"`+unit+`"}`))
	return b
}

// fieldError returns the problem shown beside a form field.
func fieldError(body, field string) string {
	m := regexp.MustCompile(`id="error-` + regexp.QuoteMeta(field) + `">([^<]*)<`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

func mustItem(t *testing.T, st *store.Store, id string) *matcher.Item {
	t.Helper()
	it, err := st.Snapshot().Item(id)
	if err != nil {
		t.Fatalf("item %s: %v", id, err)
	}
	return it
}

// itemForm is a filled item form.
func itemForm(csrf string, kv ...string) url.Values {
	v := url.Values{"csrf": {csrf}}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}

// A unit adds a demand with two time windows, edits it, meets a problem
// shown beside its field in Chinese with what it typed kept, pauses and
// closes it; an item without claims may be deleted, one with claims not.
func TestUnitKeepsItsLists(t *testing.T) {
	ts, st := newServer(t)
	b := unitBrowser(t, ts.URL, "lh-school")
	code, body := b.get("/ui/units/lh-school")
	if code != 200 || !strings.Contains(body, `id="add-demand"`) || !strings.Contains(body, `id="item-LH-D09"`) {
		t.Fatalf("unit page: %d %.500s", code, body)
	}
	// LH-D01 has a confirmed claim: it may be closed, not deleted.
	if strings.Contains(body, `id="delete-LH-D01"`) || !strings.Contains(body, `id="to-closed-LH-D01"`) {
		t.Error("LH-D01 (with a claim) offers delete, or no close")
	}
	if !strings.Contains(body, `id="tally-LH-D01">共 6人/晚：已确认 4，已提议 0，尚余 2<`) {
		t.Errorf("LH-D01's tally: %s", regexp.MustCompile(`id="tally-LH-D01">[^<]*`).FindString(body))
	}

	// The new demand's form suggests the next free id after the unit's own
	// (LH-D10 is the restaurant's).
	code, body = b.get("/ui/units/lh-school/items/new?kind=demand")
	if code != 200 || !strings.Contains(body, `name="id" value="LH-D11"`) || !strings.Contains(body, `type="datetime-local"`) {
		t.Fatalf("new demand form: %d %.2000s", code, body)
	}
	csrf := b.csrf()
	fill := func(kv ...string) url.Values {
		base := []string{"kind", "demand", "id", "LH-D11", "category", "escort", "title", "周末护送", "description", "周末补课后护送",
			"tags", "护学；周末、安全", "quantity", "4", "measure", "人次", "radius_km", "2", "priority", "5",
			"from", "2026-12-05T08:00", "to", "2026-12-05T12:00"}
		v := itemForm(csrf, base...)
		for i := 0; i+1 < len(kv); i += 2 {
			if k := kv[i]; k == "from" || k == "to" {
				v.Add(k, kv[i+1])
			} else {
				v.Set(k, kv[i+1])
			}
		}
		return v
	}
	// "Add a row" is a round trip that keeps what was typed.
	seq := st.Seq()
	code, body = b.post("/ui/units/lh-school/items", fill("op", "addrow"))
	if code != 200 || !strings.Contains(body, `id="from-1"`) || !strings.Contains(body, `value="周末补课后护送"`) && !strings.Contains(body, "周末补课后护送</textarea>") {
		t.Fatalf("add a row: %d %.2000s", code, body)
	}
	if seq != st.Seq() {
		t.Fatal("add a row stored something")
	}
	code, body = b.post("/ui/units/lh-school/items", fill("from", "2026-12-12T08:00", "to", "", "op", "save"))
	if code != 200 || !strings.Contains(body, `id="flash"`) || !strings.Contains(body, "已添加") {
		t.Fatalf("create: %d %.2000s", code, body)
	}
	it := mustItem(t, st, "LH-D11")
	cst := bundle.CST
	wantWins := []matcher.Window{{From: time.Date(2026, 12, 5, 8, 0, 0, 0, cst), To: time.Date(2026, 12, 5, 12, 0, 0, 0, cst)}, {From: time.Date(2026, 12, 12, 8, 0, 0, 0, cst)}}
	if it.Kind != matcher.Demand || it.Category != "escort" || len(it.Tags) != 3 || it.Quantity != 4 || it.Priority != 5 || it.RadiusKM != 2 ||
		it.Location != nil || len(it.Windows) != 2 || !it.Windows[0].From.Equal(wantWins[0].From) || !it.Windows[0].To.Equal(wantWins[0].To) ||
		!it.Windows[1].From.Equal(wantWins[1].From) || !it.Windows[1].To.IsZero() {
		t.Errorf("stored %+v", it)
	}
	if !strings.Contains(body, "2026-12-05 08:00 至 2026-12-05 12:00、2026-12-12 08:00 起") || !strings.Contains(body, `id="item-level">社区<`) {
		t.Errorf("the item page does not show its windows or level: %.3000s", body)
	}

	// Edit it.
	b.get("/ui/items/LH-D11")
	csrf = b.csrf()
	code, body = b.post("/ui/items/LH-D11", fill("title", "周末及假日护送", "quantity", "6", "op", "save"))
	if code != 200 || !strings.Contains(body, "已保存") {
		t.Fatalf("edit: %d %.1500s", code, body)
	}
	if it := mustItem(t, st, "LH-D11"); it.Title != "周末及假日护送" || it.Quantity != 6 {
		t.Errorf("edit not stored: %+v", it)
	}

	// Problems beside their fields, in Chinese; what was typed is kept and
	// nothing is stored.
	seq = st.Seq()
	v := itemForm(csrf, "category", "escort", "title", "", "description", "写了一半的说明", "quantity", "0", "measure", "人次",
		"from", "2026-12-05T12:00", "to", "2026-12-05T08:00", "priority", "3", "op", "save")
	code, body = b.post("/ui/items/LH-D11", v)
	if code != http.StatusBadRequest {
		t.Fatalf("bad edit = %d, want 400", code)
	}
	for field, want := range map[string]string{"quantity": "须在 1 到 1000000000 之间（现为 0）", "title": "必填", "to-0": "结束须晚于开始"} {
		if got := fieldError(body, field); got != want {
			t.Errorf("beside %s: %q, want %q", field, got, want)
		}
	}
	if !strings.Contains(body, `name="quantity" value="0"`) || !strings.Contains(body, "写了一半的说明</textarea>") || !strings.Contains(body, `value="2026-12-05T08:00"`) {
		t.Error("the form did not keep what was typed")
	}
	// Below what its claims hold: the store's refusal, beside the quantity.
	b.get("/ui/items/LH-D01")
	code, body = b.post("/ui/items/LH-D01", itemForm(b.csrf(), "category", "escort", "title", "晚自习放学护送学生回家（爱心护学队）", "quantity", "1", "priority", "5",
		"from", "2026-12-01T21:00", "to", "2027-01-20T22:30", "op", "save"))
	if code != http.StatusConflict || fieldError(body, "quantity") != "“LH-D01”已确认的认领占用了 4，数量不能少于它（现为 1）" {
		t.Errorf("quantity below the claims: %d %q", code, fieldError(body, "quantity"))
	}
	// Not a number: the page says so before the service is asked.
	code, body = b.post("/ui/items/LH-D11", itemForm(csrf, "category", "escort", "title", "x", "quantity", "很多", "priority", "3", "op", "save"))
	if code != http.StatusBadRequest || fieldError(body, "quantity") != "请填写整数" || !strings.Contains(body, `value="很多"`) {
		t.Errorf("quantity 很多: %d %q", code, fieldError(body, "quantity"))
	}
	// An id taken, on a new item.
	code, body = b.post("/ui/units/lh-school/items", fill("id", "LH-D01", "op", "save"))
	if code != http.StatusConflict || !strings.Contains(fieldError(body, "id"), "已被使用") {
		t.Errorf("an id taken: %d %q", code, fieldError(body, "id"))
	}
	if st.Seq() != seq {
		t.Error("a refused form stored something")
	}

	// Pause, reopen, close.
	for _, step := range []struct{ status, msg string }{{"paused", "已暂停"}, {"open", "已重新开放"}, {"closed", "已关闭"}} {
		b.get("/ui/units/lh-school")
		code, body = b.post("/ui/items/LH-D11/status", url.Values{"csrf": {b.csrf()}, "status": {step.status}, "back": {"/ui/units/lh-school"}})
		if code != 200 || !strings.Contains(body, step.msg) {
			t.Fatalf("status %s: %d %.500s", step.status, code, body)
		}
		if got := mustItem(t, st, "LH-D11").Status; string(got) != step.status {
			t.Errorf("status %s, want %s", got, step.status)
		}
	}
	if !strings.Contains(body, `id="to-open-LH-D11"`) || strings.Contains(body, `id="to-closed-LH-D11"`) {
		t.Error("a closed item offers close, or no reopen")
	}
	// Without claims it may be deleted.
	code, body = b.post("/ui/items/LH-D11/delete", url.Values{"csrf": {b.csrf()}})
	if code != 200 || !strings.Contains(body, "已删除") {
		t.Fatalf("delete: %d %.500s", code, body)
	}
	if _, err := st.Snapshot().Item("LH-D11"); err == nil {
		t.Error("LH-D11 not deleted")
	}

	// A coordinator over the unit keeps its lists too.
	coord := newBrowser(t, ts.URL)
	coord.login(makeToken(t, ts.URL, `{"role":"coordinator","alliance":"lh"}`))
	coord.get("/ui/units/lh-school/items/new?kind=resource")
	code, _ = coord.post("/ui/units/lh-school/items", itemForm(coord.csrf(), "kind", "resource", "id", "LH-R40", "category", "venue",
		"title", "报告厅", "quantity", "2", "measure", "场", "priority", "3", "lat", "29.35", "lon", "106.53", "op", "save"))
	if it := mustItem(t, st, "LH-R40"); code != 200 || it.Kind != matcher.Resource || it.Location == nil || it.Location.Lat != 29.35 {
		t.Errorf("coordinator's resource: %d %+v", code, it)
	}
}

// A unit adds a project and two slots, one optional; the project's page
// lists them, required and optional.
func TestProjectWithSlots(t *testing.T) {
	ts, st := newServer(t)
	b := unitBrowser(t, ts.URL, "lh-school")
	code, body := b.get("/ui/units/lh-school/projects/new")
	if code != 200 || !strings.Contains(body, `name="id" value="LH-SCHOOL-P01"`) {
		t.Fatalf("new project form: %d %.1500s", code, body)
	}
	code, body = b.post("/ui/units/lh-school/projects", url.Values{"csrf": {b.csrf()}, "id": {"LH-SCHOOL-P01"}, "name": {""}, "status": {"planned"}})
	if code != http.StatusBadRequest || fieldError(body, "name") != "必填" {
		t.Fatalf("a project without a name: %d %q", code, fieldError(body, "name"))
	}
	code, body = b.post("/ui/units/lh-school/projects", url.Values{"csrf": {b.csrf()}, "id": {"LH-SCHOOL-P01"}, "name": {"寒假托管"}, "status": {"planned"}})
	if code != 200 || !strings.Contains(body, `id="add-slot"`) || !strings.Contains(body, `id="delete"`) {
		t.Fatalf("project page: %d %.1500s", code, body)
	}
	for i, optional := range []string{"", "1"} {
		code, body = b.get("/ui/units/lh-school/items/new?kind=demand&project=LH-SCHOOL-P01")
		if code != 200 || !strings.Contains(body, `<option value="LH-SCHOOL-P01" selected>`) {
			t.Fatalf("slot form: %d %.2000s", code, body)
		}
		id := regexp.MustCompile(`name="id" value="([^"]+)"`).FindStringSubmatch(body)[1]
		if want := []string{"LH-SCHOOL-P01-S01", "LH-SCHOOL-P01-S02"}[i]; id != want {
			t.Errorf("slot id %s, want %s", id, want)
		}
		cat := []string{"venue", "tutoring"}[i]
		code, body = b.post("/ui/units/lh-school/items", itemForm(b.csrf(), "kind", "demand", "id", id, "category", cat, "title", "环节"+id,
			"quantity", "3", "priority", "3", "project", "LH-SCHOOL-P01", "optional", optional, "op", "save"))
		if code != 200 || !strings.Contains(body, "环节已添加") {
			t.Fatalf("slot %s: %d %.1500s", id, code, body)
		}
	}
	if !strings.Contains(body, `id="slot-LH-SCHOOL-P01-S01"`) || !regexp.MustCompile(`(?s)id="slot-LH-SCHOOL-P01-S01".*?class="required">必需<`).MatchString(body) ||
		!regexp.MustCompile(`(?s)id="slot-LH-SCHOOL-P01-S02".*?class="optional">可选<`).MatchString(body) || strings.Contains(body, `id="delete"`) {
		t.Errorf("project page: %.3000s", body)
	}
	var slots, optional int
	for it := range st.Snapshot().Slots("LH-SCHOOL-P01") {
		slots++
		if it.Optional {
			optional++
		}
	}
	if slots != 2 || optional != 1 {
		t.Errorf("%d slots, %d optional; want 2, 1", slots, optional)
	}
	// A resource cannot be a slot: the domain says so beside the field.
	code, body = b.post("/ui/units/lh-school/items", itemForm(b.csrf(), "kind", "resource", "id", "LH-R41", "category", "venue", "title", "x",
		"quantity", "1", "priority", "3", "project", "LH-SCHOOL-P01", "op", "save"))
	if code != http.StatusBadRequest || !strings.Contains(body, `<p class="error">所属项目：只有需求才能作为项目的环节</p>`) {
		t.Errorf("a resource slot: %d %.2000s", code, body)
	}
	// The unit page lists the project with its slots.
	_, body = b.get("/ui/units/lh-school")
	if !strings.Contains(body, `id="project-LH-SCHOOL-P01"`) || !strings.Contains(body, `id="item-LH-SCHOOL-P01-S02"`) {
		t.Error("the unit page does not list the project's slots")
	}
}

// Claims both ways by hand: a unit browses what it may claim, claims
// another unit's demand with one of its resources, the other side
// accepts; a unit asks for a resource and a coordinator records the
// other side's answer given at the meeting.
func TestHandClaims(t *testing.T) {
	ts, st := newServer(t)
	comm := unitBrowser(t, ts.URL, "lh-committee")
	code, body := comm.get("/ui/units/lh-committee/browse?kind=demand&q=" + url.QueryEscape("护送"))
	if code != 200 || !strings.Contains(body, `id="open-LH-D01"`) || strings.Contains(body, `id="open-LH-D02"`) {
		t.Fatalf("browse: %d %.3000s", code, body)
	}
	_, body = comm.get("/ui/units/lh-committee/browse")
	if strings.Contains(body, `id="open-LH-R12"`) || strings.Contains(body, `id="open-TW-`) || !strings.Contains(body, `id="open-LH-R03"`) {
		t.Error("browse lists the unit's own items or another alliance's, or not its neighbours'")
	}
	// For its resource LH-R12 (volunteers): only what it can meet.
	_, body = comm.get("/ui/units/lh-committee/browse?for=LH-R12")
	if !strings.Contains(body, `id="open-LH-D01"`) || strings.Contains(body, `id="open-LH-D09"`) || strings.Contains(body, `id="open-LH-R03"`) {
		t.Errorf("browse for LH-R12: %.3000s", body)
	}
	code, body = comm.get("/ui/units/lh-committee/claim?item=LH-D01")
	if code != 200 || !strings.Contains(body, `<option value="LH-R12" selected>`) || !strings.Contains(body, `name="quantity" value="2"`) ||
		!strings.Contains(body, `<option value="lh" selected>`) {
		t.Fatalf("claim form: %d %.3000s", code, body)
	}
	seq := st.Seq()
	code, body = comm.post("/ui/units/lh-committee/claim", url.Values{"csrf": {comm.csrf()}, "item": {"LH-D01"}, "mine": {"LH-R12"}, "quantity": {"3"}, "meeting": {"lh"}})
	if code != http.StatusBadRequest || fieldError(body, "quantity") != "LH-D01 只剩 2，不够认领 3" || !strings.Contains(body, `name="quantity" value="3"`) {
		t.Fatalf("too much: %d %q", code, fieldError(body, "quantity"))
	}
	if st.Seq() != seq {
		t.Fatal("a refused claim stored something")
	}
	code, body = comm.post("/ui/units/lh-committee/claim", url.Values{"csrf": {comm.csrf()}, "item": {"LH-D01"}, "mine": {"LH-R12"}, "quantity": {"2"}, "meeting": {"lh"}})
	if code != 200 || !strings.Contains(body, "认领已提交") || !strings.Contains(body, `id="claim-accepted">资源方<`) {
		t.Fatalf("claim: %d %.2000s", code, body)
	}
	var claim *matcher.Claim
	for c := range st.Snapshot().ClaimsOnPair("LH-R12", "LH-D01") {
		if c.Status == matcher.ClaimProposed {
			claim = c
		}
	}
	if claim == nil || claim.Quantity != 2 || claim.Origin != matcher.OriginResource || claim.Meeting != "lh" {
		t.Fatalf("stored claim %+v", claim)
	}
	// The demand side answers on its page.
	school := unitBrowser(t, ts.URL, "lh-school")
	_, body = school.get("/ui/units/lh-school")
	if !strings.Contains(body, `id="claim-`+claim.ID+`"`) {
		t.Fatal("the claim does not wait on the demand side's page")
	}
	code, body = school.post("/ui/claims/"+claim.ID+"/answer", url.Values{"csrf": {school.csrf()}, "answer": {"accept"}, "back": {"/ui/units/lh-school"}})
	if code != 200 || !strings.Contains(body, `id="confirmed-`+claim.ID+`"`) {
		t.Fatalf("accept: %d %.1000s", code, body)
	}
	if !strings.Contains(body, `id="tally-LH-D01">共 6人/晚：已确认 6，已提议 0，尚余 0<`) {
		t.Errorf("LH-D01's tally after the claim: %s", regexp.MustCompile(`id="tally-LH-D01">[^<]*`).FindString(body))
	}

	// The other way: the school asks for LH-R15 (counselling) for LH-D09.
	code, body = school.get("/ui/units/lh-school/browse?for=LH-D09")
	if code != 200 || !strings.Contains(body, `id="open-LH-R15"`) {
		t.Fatalf("browse for LH-D09: %d %.2000s", code, body)
	}
	code, body = school.get("/ui/units/lh-school/claim?item=LH-R15&mine=LH-D09")
	if code != 200 || !strings.Contains(body, `<option value="LH-D09" selected>`) {
		t.Fatalf("ask form: %d %.2000s", code, body)
	}
	code, body = school.post("/ui/units/lh-school/claim", url.Values{"csrf": {school.csrf()}, "item": {"LH-R15"}, "mine": {"LH-D09"}, "quantity": {"4"}, "meeting": {"lh"}})
	if code != 200 || !strings.Contains(body, `id="claim-accepted">需求方<`) {
		t.Fatalf("ask: %d %.2000s", code, body)
	}
	var asked *matcher.Claim
	for c := range st.Snapshot().ClaimsOnPair("LH-R15", "LH-D09") {
		asked = c
	}
	if asked == nil || asked.Origin != matcher.OriginDemand {
		t.Fatalf("asked claim %+v", asked)
	}
	// The school may not answer for the other side: its page offers none.
	if strings.Contains(body, `id="answer-resource"`) {
		t.Error("the demand side is offered the resource side's answer")
	}
	// At the meeting, the coordinator records the social work station's answer.
	coord := newBrowser(t, ts.URL)
	coord.login(makeToken(t, ts.URL, `{"role":"coordinator","alliance":"lh"}`))
	code, body = coord.get("/ui/claims/" + asked.ID)
	if code != 200 || !strings.Contains(body, `id="answer-resource"`) || !strings.Contains(body, "记录资源方（龙华社会工作服务站）在会上的答复") || strings.Contains(body, `id="answer-demand"`) {
		t.Fatalf("claim page for the coordinator: %d %.3000s", code, body)
	}
	code, body = coord.post("/ui/claims/"+asked.ID+"/answer", url.Values{"csrf": {coord.csrf()}, "answer": {"accept"}, "side": {"resource"}, "back": {"/ui/claims/" + asked.ID}})
	if code != 200 || !strings.Contains(body, "已确认") {
		t.Fatalf("recorded answer: %d %.1500s", code, body)
	}
	if c, _ := st.Snapshot().Claim(asked.ID); c.Status != matcher.ClaimConfirmed {
		t.Errorf("claim %s is %s, want confirmed", asked.ID, c.Status)
	}
	if _, body = coord.get("/ui/meetings/lh"); !strings.Contains(body, `id="confirmed-`+asked.ID+`"`) {
		t.Error("the meeting does not show the hand claim confirmed")
	}
	// A coordinator claims for a unit of its alliance: the unit's side.
	coord.get("/ui/units/lh-bank/claim?item=LH-D03")
	code, body = coord.post("/ui/units/lh-bank/claim", url.Values{"csrf": {coord.csrf()}, "item": {"LH-D03"}, "mine": {"LH-R05"}, "quantity": {"5"}, "meeting": {"lh"}})
	if code != 200 || !strings.Contains(body, `id="claim-accepted">资源方<`) {
		t.Fatalf("coordinator's claim for lh-bank: %d %.1500s", code, body)
	}
	for c := range st.Snapshot().ClaimsOnPair("LH-R05", "LH-D03") {
		if c.Origin != matcher.OriginResource || c.Quantity != 5 || !c.Accepted(matcher.ResourceSide) || c.Accepted(matcher.DemandSide) {
			t.Errorf("coordinator's claim %+v", c)
		}
	}
}

// Browsing is paginated on the server, 50 a page.
func TestBrowsePages(t *testing.T) {
	ts, st := newServer(t)
	var b strings.Builder
	b.WriteString("编号,单位,类别,名称,数量\n")
	for i := range 70 {
		b.WriteString("LH-BULK-" + string(rune('A'+i/26)) + string(rune('A'+i%26)) + ",lh-bank,物资,批量物资,5\n")
	}
	coord := newBrowser(t, ts.URL)
	coord.login(makeToken(t, ts.URL, `{"role":"coordinator","alliance":"lh"}`))
	coord.get("/ui/meetings/lh/import")
	code, body := upload(t, coord, "/ui/meetings/lh/import", "bulk-资源清单.csv", []byte(b.String()))
	pending := regexp.MustCompile(`name="pending" value="([0-9a-f]+)"`).FindStringSubmatch(body)
	if code != 200 || pending == nil {
		t.Fatalf("import: %d %.1000s", code, body)
	}
	coord.post("/ui/meetings/lh/import/commit", url.Values{"csrf": {coord.csrf()}, "pending": {pending[1]}})
	if _, err := st.Snapshot().Item("LH-BULK-CR"); err != nil {
		t.Fatal(err)
	}
	u := unitBrowser(t, ts.URL, "lh-school")
	_, body = u.get("/ui/units/lh-school/browse?q=" + url.QueryEscape("批量"))
	if n := strings.Count(body, `id="open-LH-BULK-`); n != 50 || !strings.Contains(body, "共 70 项 · 第 1/2 页") || !strings.Contains(body, `rel="next"`) {
		t.Fatalf("page 1: %d rows %.300s", n, regexp.MustCompile(`id="search-count">[^<]*`).FindString(body))
	}
	next := html.UnescapeString(regexp.MustCompile(`href="([^"]+)" rel="next"`).FindStringSubmatch(body)[1])
	_, body = u.get(next)
	if n := strings.Count(body, `id="open-LH-BULK-`); n != 20 || !strings.Contains(body, `rel="prev"`) || strings.Contains(body, `rel="next"`) {
		t.Errorf("page 2: %d rows", n)
	}
	_, body = u.get("/ui/units/lh-school/browse?cat=goods&kind=resource")
	if strings.Contains(body, `id="open-LH-R03"`) || !strings.Contains(body, `id="open-LH-BULK-AA"`) {
		t.Error("the category filter")
	}
}

// A unit of another alliance, or of the same one, cannot open or post to
// another unit's forms (404), nor see its claims; nothing changes.
func TestListsScope(t *testing.T) {
	ts, st := newServer(t)
	// A hand claim between two Longhua units to hide.
	comm := unitBrowser(t, ts.URL, "lh-committee")
	comm.get("/ui/units/lh-committee/claim?item=LH-D01")
	comm.post("/ui/units/lh-committee/claim", url.Values{"csrf": {comm.csrf()}, "item": {"LH-D01"}, "mine": {"LH-R12"}, "quantity": {"1"}})
	var claim string
	for c := range st.Snapshot().ClaimsOnPair("LH-R12", "LH-D01") {
		if c.Status == matcher.ClaimProposed {
			claim = c.ID
		}
	}
	if claim == "" {
		t.Fatal("no hand claim")
	}
	twCoord := newBrowser(t, ts.URL)
	twCoord.login(makeToken(t, ts.URL, `{"role":"coordinator","alliance":"tw"}`))
	for name, b := range map[string]*browser{"tw-shop": unitBrowser(t, ts.URL, "tw-shop"), "lh-bank": unitBrowser(t, ts.URL, "lh-bank"), "coordinator tw": twCoord} {
		b.get("/ui/")
		csrf := b.csrf()
		seq := st.Seq()
		gets := []string{"/ui/items/LH-D01", "/ui/units/lh-school/items/new?kind=demand", "/ui/units/lh-school/projects/new",
			"/ui/projects/LH-P01", "/ui/units/lh-school/browse", "/ui/units/lh-school/claim?item=LH-R12"}
		if name != "lh-bank" {
			gets = append(gets, "/ui/claims/"+claim, "/ui/units/tw-shop/claim?item=LH-D01")
		}
		for _, p := range gets {
			if code, _ := b.get(p); code != http.StatusNotFound {
				t.Errorf("%s: GET %s = %d, want 404", name, p, code)
			}
		}
		form := itemForm(csrf, "kind", "demand", "id", "LH-X9", "category", "escort", "title", "x", "quantity", "1", "priority", "3", "status", "closed",
			"name", "x", "item", "LH-D01", "mine", "LH-R12", "quantity", "1", "op", "save")
		posts := []string{"/ui/items/LH-D01", "/ui/items/LH-D01/status", "/ui/items/LH-D09/delete", "/ui/units/lh-school/items",
			"/ui/units/lh-school/projects", "/ui/projects/LH-P01", "/ui/projects/LH-P01/delete", "/ui/units/lh-committee/claim"}
		if name != "lh-bank" {
			posts = append(posts, "/ui/units/tw-shop/claim")
		}
		for _, p := range posts {
			if code, _ := b.post(p, form); code != http.StatusNotFound {
				t.Errorf("%s: POST %s = %d, want 404", name, p, code)
			}
		}
		if st.Seq() != seq {
			t.Errorf("%s changed the store", name)
		}
	}
}

var han = regexp.MustCompile(`\p{Han}+`)

// The pages read in English under ?lang=en: every run of Chinese on them
// is data (names, titles, tags, measures), never the pages' own words;
// and in Chinese no message key shows raw.
func TestListsPagesInEnglish(t *testing.T) {
	ts, st := newServer(t)
	comm := unitBrowser(t, ts.URL, "lh-committee")
	comm.get("/ui/units/lh-committee/claim?item=LH-D01")
	comm.post("/ui/units/lh-committee/claim", url.Values{"csrf": {comm.csrf()}, "item": {"LH-D01"}, "mine": {"LH-R12"}, "quantity": {"1"}, "meeting": {"lh"}})
	var claim string
	for c := range st.Snapshot().ClaimsOnPair("LH-R12", "LH-D01") {
		if c.Status == matcher.ClaimProposed {
			claim = c.ID
		}
	}
	sn := st.Snapshot()
	var data strings.Builder
	data.WriteString("中文\n")
	for u := range sn.Units() {
		data.WriteString(u.Name + "\n")
	}
	for a := range sn.Alliances() {
		data.WriteString(a.Name + "\n")
	}
	for g := range sn.Grids() {
		data.WriteString(g.Name + "\n")
	}
	for it := range sn.Items() {
		data.WriteString(it.Title + "\n" + it.Description + "\n" + it.Measure + "\n" + strings.Join(it.Tags, "、") + "\n")
	}
	for p := range sn.Projects() {
		data.WriteString(p.Name + "\n" + p.Description + "\n")
	}
	for c := range sn.Claims() {
		data.WriteString(c.Reason + "\n")
	}
	blob := data.String()
	pages := []string{"/ui/units/lh-committee", "/ui/units/lh-committee/items/new?kind=demand", "/ui/units/lh-committee/items/new?kind=resource",
		"/ui/items/LH-D02", "/ui/items/LH-R12", "/ui/projects/LH-P01", "/ui/units/lh-committee/projects/new", "/ui/units/lh-committee/browse",
		"/ui/units/lh-committee/browse?for=LH-R12", "/ui/units/lh-committee/claim?item=LH-D01", "/ui/units/lh-committee/claim?item=LH-D09", "/ui/claims/" + claim}
	rawKey := regexp.MustCompile(`\b(?:lists|fe|f|hc|browse|cl|origin|prio|msg|level|item|project|status|kind)\.[a-z][a-z._]*`)
	text := regexp.MustCompile(`(?s)<[^>]*>`)
	for _, lang := range []string{"en", "zh"} {
		for _, p := range pages {
			sep := "?"
			if strings.Contains(p, "?") {
				sep = "&"
			}
			code, body := comm.get(p + sep + "lang=" + lang)
			if code != 200 {
				t.Errorf("%s in %s = %d", p, lang, code)
				continue
			}
			if k := rawKey.FindString(html.UnescapeString(text.ReplaceAllString(body, " "))); k != "" {
				t.Errorf("%s in %s shows the key %s", p, lang, k)
			}
			if lang != "en" {
				continue
			}
			for _, run := range han.FindAllString(html.UnescapeString(body), -1) {
				if !strings.Contains(blob, run) {
					t.Errorf("%s in English shows %q, which is no data", p, run)
				}
			}
		}
	}
	// A field problem in English is the domain's own.
	comm.get("/ui/items/LH-D02?lang=en")
	_, body := comm.post("/ui/items/LH-D02", itemForm(comm.csrf(), "category", "epidemic", "title", "x", "quantity", "0", "priority", "3", "op", "save"))
	if got := fieldError(body, "quantity"); got != "must be between 1 and 1000000000, got 0" {
		t.Errorf("English problem: %q", got)
	}
}
