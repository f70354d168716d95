package web

import (
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/bundle"
	"github.com/allymatch/allymatch/matcher/service"
)

// Onboarding an alliance in the desk. A meeting's members page shows its
// lead and members (searched, paged) and changes them
// (service.PatchAlliance): another lead, a unit of the caller's scope
// added (found by search), a member removed. A coordinator makes an
// alliance below its own: a name, a level, a lead and members picked by
// search from the units of its scope, and, in the same all-or-nothing
// import, the new units of an uploaded 成员单位 sheet with their lists
// (the preview shows every problem first; service.PreviewImport).

// maxFound bounds the units a search of the members' forms offers.
const maxFound = 20

type membersData struct {
	meetingHead
	Lead     *matcher.Unit
	Rows     []service.UnitRow
	Bar      listBar
	Found    []service.UnitRow // units found to add
	Find     string
	Below    bool // the meeting may have alliances below it
	Back     string
	LeadForm *form
}

// alliancePage is the meeting's alliance as its members page shows it.
func (s *site) membersPage(c echo.Context, status int, lf *form) error {
	al, n, err := s.meetingOf(c)
	if err != nil {
		return err
	}
	l := n.lang
	a := actorOf(c)
	d := &membersData{meetingHead: headOf(al, n), Lead: n.v.Reader().UnitRaw(al.Lead), Below: al.Level != matcher.Community, Back: c.Request().URL.RequestURI(), LeadForm: lf}
	if d.LeadForm == nil {
		d.LeadForm = newForm()
	}
	ls := newList(c, "", "", rowPageSize)
	pg, err := s.Service().MeetingUnits(a, al.ID, service.UnitQuery{Text: ls.Get("q"), Alliance: al.ID, Page: ls.Query()})
	if err != nil {
		return err
	}
	ls.Total = pg.Total
	d.Rows = pg.Units
	d.Bar = ls.listBar(l, "members-search", l.T("list.unit.hint"), nil, nil)
	if d.Find = strings.TrimSpace(c.QueryParam("find")); d.Find != "" {
		// Units of the caller's scope, not members of this alliance yet.
		scope := a.ID
		if a.Role != matcher.RoleCoordinator {
			scope = al.Parent
			if scope == "" {
				scope = al.ID
			}
		}
		found, err := s.Service().MeetingUnits(a, scope, service.UnitQuery{Text: d.Find, Page: service.Page{Limit: maxFound + 1 + len(al.AllUnits())}})
		if err != nil {
			return err
		}
		for _, r := range found.Units {
			if r.Unit.ID != al.Lead && !slices.Contains(al.Members, r.Unit.ID) && len(d.Found) < maxFound {
				d.Found = append(d.Found, r)
			}
		}
	}
	return s.render(c, status, "members", d)
}

func (s *site) members(c echo.Context) error { return s.membersPage(c, http.StatusOK, nil) }

// changeMembers changes the meeting's alliance: op=lead (the unit typed:
// an id or a name), add or remove (a unit id).
func (s *site) changeMembers(c echo.Context) error {
	al, n, err := s.meetingOf(c)
	if err != nil {
		return err
	}
	l := n.lang
	var p service.AlliancePatch
	unit := strings.TrimSpace(c.FormValue("unit"))
	msg := ""
	switch c.FormValue("op") {
	case "lead":
		f := newForm()
		f.set("lead", unit)
		id, ok := s.unitOfScope(c, al, unit)
		if !ok {
			f.fail("lead", l.T("whatif.nomatch", unit))
			return s.membersPage(c, http.StatusBadRequest, f)
		}
		p.Lead, msg = &id, "leadchanged"
	case "add":
		p.Add, msg = []string{unit}, "memberadded"
	case "remove":
		p.Remove, msg = []string{unit}, "memberremoved"
	default:
		return matcher.FieldError("op", "must be lead, add or remove, got %q", c.FormValue("op"))
	}
	if _, err := s.Service().PatchAlliance(c.Request().Context(), actorOf(c), al.ID, p); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, withMsg(back(c, Prefix+"/meetings/"+al.ID+"/members"), msg))
}

// unitOfScope resolves what was typed to one unit of the caller's scope:
// its id, or words of its name that match exactly one.
func (s *site) unitOfScope(c echo.Context, al *matcher.Alliance, typed string) (string, bool) {
	a := actorOf(c)
	if u, _, err := s.Service().WritableUnit(a, typed); err == nil {
		return u.ID, true
	}
	scope := al.ID
	if a.Role == matcher.RoleCoordinator {
		scope = a.ID
	}
	pg, err := s.Service().MeetingUnits(a, scope, service.UnitQuery{Text: typed, Page: service.Page{Limit: 2}})
	if err != nil || pg.Total != 1 {
		return "", false
	}
	return pg.Units[0].Unit.ID, true
}

type newAllianceData struct {
	meetingHead
	F       *form
	Levels  []choice
	Members []service.UnitRow // chosen
	Found   []service.UnitRow // found by the last search
}

// levelsBelow are the levels an alliance below one at l may have.
func levelsBelow(l matcher.Level) []matcher.Level {
	var out []matcher.Level
	for _, x := range matcher.Levels {
		if x.Rank() < l.Rank() {
			out = append(out, x)
		}
	}
	return out
}

// newAlliance shows the form of an alliance below the meeting's, and on
// POST either searches units to pick as members (op=find, the form kept)
// or checks the alliance with the uploaded sheets as one import and shows
// its preview (op=create).
func (s *site) newAlliance(c echo.Context) error {
	al, n, err := s.meetingOf(c)
	if err != nil {
		return err
	}
	l := n.lang
	a := actorOf(c)
	below := levelsBelow(al.Level)
	if len(below) == 0 {
		return errNotFound
	}
	f := newForm()
	for _, k := range []string{"id", "name", "level", "lead", "find"} {
		f.set(k, strings.TrimSpace(c.FormValue(k)))
	}
	if f.V("level") == "" {
		f.set("level", string(below[len(below)-1]))
	}
	d := &newAllianceData{meetingHead: headOf(al, n), F: f}
	for _, lv := range below {
		d.Levels = append(d.Levels, choice{Value: string(lv), Label: l.T("level." + string(lv)), Selected: string(lv) == f.V("level")})
	}
	// The members chosen so far (carried by the form), and those found.
	if c.Request().Method == http.MethodPost {
		c.Request().Body = http.MaxBytesReader(c.Response(), c.Request().Body, MaxUpload+1<<20)
		if _, err := c.MultipartForm(); err != nil && err != http.ErrNotMultipart {
			id := importPage(al, n)
			id.Problems = []bundle.Problem{{Msg: l.T("import.toolarge", MaxUpload>>20)}}
			return s.render(c, http.StatusRequestEntityTooLarge, "import", id)
		}
	}
	form, _ := c.FormParams()
	var chosen []string
	for _, m := range form["member"] {
		if m = strings.TrimSpace(m); m != "" && !slices.Contains(chosen, m) {
			chosen = append(chosen, m)
		}
	}
	for _, m := range chosen {
		if u := n.v.Reader().UnitRaw(m); u != nil && n.v.CanWriteUnit(m) {
			d.Members = append(d.Members, service.UnitRow{Unit: u})
		}
	}
	if q := f.V("find"); q != "" {
		pg, err := s.Service().MeetingUnits(a, al.ID, service.UnitQuery{Text: q, Page: service.Page{Limit: maxFound + len(chosen)}})
		if err != nil {
			return err
		}
		for _, r := range pg.Units {
			if !slices.Contains(chosen, r.Unit.ID) && len(d.Found) < maxFound {
				d.Found = append(d.Found, r)
			}
		}
	}
	if c.Request().Method != http.MethodPost || c.FormValue("op") != "create" {
		return s.render(c, http.StatusOK, "newalliance", d)
	}
	newAl := &matcher.Alliance{ID: f.V("id"), Name: f.V("name"), Level: matcher.Level(f.V("level")), Parent: al.ID, Lead: f.V("lead")}
	for _, m := range d.Members {
		if m.Unit.ID != newAl.Lead {
			newAl.Members = append(newAl.Members, m.Unit.ID)
		}
	}
	var files []upload
	if mf, err := c.MultipartForm(); err == nil && len(mf.File["file"]) > 0 {
		var status int
		var ps []bundle.Problem
		files, status, ps = readUploads(c, l)
		if ps != nil {
			id := importPage(al, n)
			id.Problems = ps
			return s.render(c, status, "import", id)
		}
	}
	id := importPage(al, n)
	return s.preview(c, &id, al, files, newAl)
}
