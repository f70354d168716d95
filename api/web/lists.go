package web

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/bundle"
	"github.com/allymatch/allymatch/matcher/index"
	"github.com/allymatch/allymatch/matcher/match"
	"github.com/allymatch/allymatch/matcher/service"
	"github.com/allymatch/allymatch/matcher/store"
)

// A unit keeps its own three lists in the desk: it (or a coordinator over
// it) adds, edits, pauses, reopens, closes and deletes its demands and
// resources here, and its projects with their slots in projects.go. The
// pages turn the form into the domain's values and call the service;
// every rule is the service's, and its problems are shown beside the
// fields (fielderr.go).

// windowLayout is the value of <input type="datetime-local">, read and
// written in China Standard Time as the CSV format is.
const windowLayout = "2006-01-02T15:04"

// choice is one <option> of a <select>, selected or not.
type choice struct {
	Value, Label string
	Selected     bool
}

// itemRow is an item as the lists show it: what of its quantity is
// confirmed, proposed and still open, its times and its level in words.
type itemRow struct {
	It                        *matcher.Item
	UnitName                  string // in lists of several units' items
	Cat, Windows, Level, Prio string
	Status                    string
	Confirmed, Proposed, Open int64
	HasClaims                 bool
}

// Tally is the item's quantity in words.
func (r itemRow) Tally(l *Lang) string {
	return l.T("lists.tally", r.It.Quantity, r.It.Measure, r.Confirmed, r.Proposed, r.Open)
}

// itemRow reads the item's tallies as the matcher does: confirmed and
// fulfilled claims hold quantity (Held), and proposals waiting for an
// answer reserve it (match.Reserved); the rest is open.
func (n names) itemRow(it *matcher.Item) itemRow {
	held := n.v.Reader().Held(it)
	reserved := match.Reserved(n.v.Reader(), it, "")
	return itemRow{It: it, Cat: n.Category(it.Category), Windows: windowsText(n.lang, it.Windows),
		Level: n.lang.T("level." + string(it.Level)), Prio: n.lang.T(fmt.Sprintf("prio.%d", it.Priority)),
		Status: n.lang.T("item." + string(it.Status)), Confirmed: held, Proposed: reserved - held,
		Open: max(0, it.Quantity-reserved), HasClaims: n.v.Reader().HasClaims(it)}
}

// windowsText is an item's time windows in China Standard Time.
func windowsText(l *Lang, ws []matcher.Window) string {
	if len(ws) == 0 {
		return l.T("lists.anytime")
	}
	const layout = "2006-01-02 15:04"
	parts := make([]string, len(ws))
	for i, w := range ws {
		if w.To.IsZero() {
			parts[i] = l.T("lists.window.open", w.From.In(bundle.CST).Format(layout))
		} else {
			parts[i] = l.T("lists.window", w.From.In(bundle.CST).Format(layout), w.To.In(bundle.CST).Format(layout))
		}
	}
	return strings.Join(parts, l.T("list.sep"))
}

// ListsWritable reports whether a may change unit's lists (for the unit
// page's controls; the service checks again).
func (n names) ListsWritable(a matcher.Actor, unit string) bool {
	return matcher.CanWriteUnit(n.v.Reader(), a, unit)
}

// projectRow is a project with its slots.
type projectRow struct {
	P      *matcher.Project
	Status string
	Slots  []itemRow
}

// projectRow reads a project's slots, in id order.
func (n names) projectRow(p *matcher.Project) projectRow {
	pr := projectRow{P: p, Status: n.lang.T("project." + string(p.Status))}
	for it := range n.v.Reader().Slots(p.ID) {
		pr.Slots = append(pr.Slots, n.itemRow(it))
	}
	slices.SortFunc(pr.Slots, func(a, b itemRow) int { return strings.Compare(a.It.ID, b.It.ID) })
	return pr
}

// windowRow is one row of the form's time windows.
type windowRow struct {
	From, To       string
	FromErr, ToErr string
}

// itemPage is the page of one item: a new one's form, or an item's state
// and its form.
type itemPage struct {
	Unit     *matcher.Unit
	Kind     matcher.ItemKind
	Item     *matcher.Item // nil for a new item
	Row      itemRow
	Project  *matcher.Project // the project of a slot, for the way back
	F        *form
	Windows  []windowRow
	Cats     []choice
	Prios    []choice
	Projects []choice
	UnitLoc  string // the unit's location, for the hint of an empty one
	Claims   []claimView
	Action   string
	Back     string
}

// itemFields are the form's fields besides the windows.
var itemFields = []string{"id", "category", "title", "description", "tags", "quantity", "measure", "lat", "lon", "radius_km", "priority", "project", "optional"}

// itemFormOf fills the form with an item's fields.
func itemFormOf(it *matcher.Item) (*form, []windowRow) {
	f := newForm()
	f.set("id", it.ID)
	f.set("category", it.Category)
	f.set("title", it.Title)
	f.set("description", it.Description)
	f.set("tags", strings.Join(it.Tags, "、"))
	if it.Quantity != 0 {
		f.set("quantity", strconv.FormatInt(it.Quantity, 10))
	}
	f.set("measure", it.Measure)
	if it.Location != nil {
		f.set("lat", strconv.FormatFloat(it.Location.Lat, 'f', -1, 64))
		f.set("lon", strconv.FormatFloat(it.Location.Lon, 'f', -1, 64))
	}
	if it.RadiusKM != 0 {
		f.set("radius_km", strconv.FormatFloat(it.RadiusKM, 'f', -1, 64))
	}
	f.set("priority", strconv.Itoa(it.Priority))
	f.set("project", it.Project)
	if it.Optional {
		f.set("optional", "1")
	}
	rows := make([]windowRow, 0, len(it.Windows)+1)
	for _, w := range it.Windows {
		r := windowRow{From: w.From.In(bundle.CST).Format(windowLayout)}
		if !w.To.IsZero() {
			r.To = w.To.In(bundle.CST).Format(windowLayout)
		}
		rows = append(rows, r)
	}
	if len(rows) == 0 {
		rows = append(rows, windowRow{})
	}
	return f, rows
}

// itemInput is what the item form says, as far as it parses.
type itemInput struct {
	it    matcher.Item
	rowOf []int // the form row of each of it.Windows
}

// readItemForm reads the posted item form into f and rows as typed, and
// into the item's fields. What does not parse (a number, a time) is a
// problem beside its field, found before anything reaches the service;
// everything else is the domain's to check.
func readItemForm(c echo.Context, l *Lang) (*form, []windowRow, itemInput) {
	f := newForm()
	for _, k := range itemFields {
		f.set(k, strings.TrimSpace(c.FormValue(k)))
	}
	var in itemInput
	it := &in.it
	it.ID = f.V("id")
	it.Category = f.V("category")
	it.Title = f.V("title")
	it.Description = f.V("description")
	it.Measure = f.V("measure")
	it.Project = f.V("project")
	it.Optional = f.V("optional") != ""
	it.Tags = splitTags(f.V("tags"))
	if it.Tags == nil {
		it.Tags = []string{}
	}
	if s := f.V("quantity"); s != "" {
		q, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			f.fail("quantity", l.T("lists.err.int"))
		}
		it.Quantity = q
	}
	if s := f.V("radius_km"); s != "" {
		r, err := strconv.ParseFloat(s, 64)
		if err != nil {
			f.fail("radius_km", l.T("lists.err.number"))
		}
		it.RadiusKM = r
	}
	if s := f.V("priority"); s != "" {
		p, err := strconv.Atoi(s)
		if err != nil {
			f.fail("priority", l.T("lists.err.int"))
		}
		it.Priority = p
	}
	lat, lon := f.V("lat"), f.V("lon")
	switch {
	case lat == "" && lon == "":
	case lat == "" || lon == "":
		f.fail("lat", l.T("lists.err.latlon"))
	default:
		la, err1 := strconv.ParseFloat(lat, 64)
		lo, err2 := strconv.ParseFloat(lon, 64)
		if err1 != nil {
			f.fail("lat", l.T("lists.err.number"))
		}
		if err2 != nil {
			f.fail("lon", l.T("lists.err.number"))
		}
		it.Location = &matcher.GeoPoint{Lat: la, Lon: lo}
	}
	params, _ := c.FormParams()
	froms, tos := params["from"], params["to"]
	rows := make([]windowRow, max(len(froms), len(tos)))
	it.Windows = []matcher.Window{}
	for i := range rows {
		r := &rows[i]
		if i < len(froms) {
			r.From = strings.TrimSpace(froms[i])
		}
		if i < len(tos) {
			r.To = strings.TrimSpace(tos[i])
		}
		if r.From == "" && r.To == "" {
			continue // an empty row is no window
		}
		var w matcher.Window
		var ok bool
		if w.From, ok = parseWindowTime(r.From); !ok {
			r.FromErr = l.T("lists.err.time")
		}
		if w.To, ok = parseWindowTime(r.To); !ok {
			r.ToErr = l.T("lists.err.time")
		}
		if r.FromErr != "" || r.ToErr != "" {
			f.fail("windows", l.T("lists.err.windows"))
		}
		it.Windows = append(it.Windows, w)
		in.rowOf = append(in.rowOf, i)
	}
	if len(rows) == 0 {
		rows = append(rows, windowRow{})
	}
	return f, rows, in
}

// parseWindowTime reads a window's end as the date and time picker sends
// it (or typed as the CSV format has it), in China Standard Time; "" is
// the zero time.
func parseWindowTime(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, true
	}
	for _, layout := range []string{windowLayout, "2006-01-02 15:04", windowLayout + ":05", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, bundle.CST); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// splitTags splits the tags field as the CSV format does: on ；、,，; and |.
func splitTags(s string) []string {
	var out []string
	for _, t := range strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune("；、,，;|", r) }) {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}

var windowField = regexp.MustCompile(`^windows\[(\d+)\]\.(from|to)$`)

// itemFieldOf maps a domain field of an item to the form's field; the
// problems of a window go to its row ("from.3"). A resource's form has no
// project fields: their problems are shown above the form.
func itemFieldOf(rowOf []int, kind matcher.ItemKind) func(string) string {
	return func(field string) string {
		if kind != matcher.Demand && (field == "project" || field == "optional") {
			return ""
		}
		if m := windowField.FindStringSubmatch(field); m != nil {
			i, _ := strconv.Atoi(m[1])
			if i < len(rowOf) {
				return m[2] + "." + strconv.Itoa(rowOf[i])
			}
			return "windows"
		}
		switch {
		case field == "location" || field == "location.lat":
			return "lat"
		case field == "location.lon":
			return "lon"
		case strings.HasPrefix(field, "tags"):
			return "tags"
		case strings.HasPrefix(field, "windows"):
			return "windows"
		case slices.Contains(itemFields, field):
			return field
		}
		return ""
	}
}

// putRowErrors moves the problems the form has for window rows onto them.
func putRowErrors(f *form, rows []windowRow) {
	for i := range rows {
		if e := f.E("from." + strconv.Itoa(i)); e != "" && rows[i].FromErr == "" {
			rows[i].FromErr = e
		}
		if e := f.E("to." + strconv.Itoa(i)); e != "" && rows[i].ToErr == "" {
			rows[i].ToErr = e
		}
	}
}

// listUnit returns the unit whose lists the caller may change, or
// errNotFound: another unit's forms do not exist for the caller.
func (s *site) listUnit(c echo.Context, id string) (*matcher.Unit, store.Snapshot, error) {
	u, sn, err := s.Service().WritableUnit(actorOf(c), id)
	if err != nil {
		return nil, sn, errNotFound
	}
	return u, sn, nil
}

// listItem returns an item of a unit whose lists the caller may change.
func (s *site) listItem(c echo.Context, id string) (*matcher.Item, *matcher.Unit, store.Snapshot, error) {
	it, u, sn, err := s.Service().WritableItem(actorOf(c), id)
	if err != nil {
		return nil, nil, sn, errNotFound
	}
	return it, u, sn, nil
}

// fillItemPage adds the form's choices: the vocabulary by name, the
// priorities as the CSV format names them, the unit's projects.
func (s *site) fillItemPage(c echo.Context, sn store.Snapshot, p *itemPage) {
	l := langFrom(c)
	n := s.namesAt(c, sn)
	for _, cat := range sn.Vocab.All() {
		p.Cats = append(p.Cats, choice{Value: cat.ID, Label: n.Category(cat.ID), Selected: cat.ID == p.F.V("category")})
	}
	for i := 1; i <= matcher.MaxPriority; i++ {
		v := strconv.Itoa(i)
		p.Prios = append(p.Prios, choice{Value: v, Label: l.T("prio." + v), Selected: v == p.F.V("priority")})
	}
	if p.Kind == matcher.Demand {
		p.Projects = append(p.Projects, choice{Value: "", Label: l.T("f.project.none"), Selected: p.F.V("project") == ""})
		for pr := range sn.ProjectsOf(p.Unit.ID) {
			p.Projects = append(p.Projects, choice{Value: pr.ID, Label: pr.Name + " (" + pr.ID + ")", Selected: pr.ID == p.F.V("project")})
		}
		if v := p.F.V("project"); v != "" {
			if pr, err := sn.Project(v); err == nil && pr.Unit == p.Unit.ID {
				p.Project = pr
			}
		}
	}
	if loc := p.Unit.Location; loc != nil {
		p.UnitLoc = l.T("f.location.unit", strconv.FormatFloat(loc.Lat, 'f', -1, 64), strconv.FormatFloat(loc.Lon, 'f', -1, 64))
	} else {
		p.UnitLoc = l.T("f.location.nounit")
	}
	if p.Item != nil {
		p.Row = n.itemRow(p.Item)
		for cl := range sn.ClaimsOnItem(p.Item) {
			if n.v.CanSeeClaim(cl) {
				p.Claims = append(p.Claims, s.claimView(n, cl))
			}
		}
		slices.SortFunc(p.Claims, func(a, b claimView) int { return strings.Compare(a.C.ID, b.C.ID) })
	}
	putRowErrors(p.F, p.Windows)
}

// itemNumber splits an id into its prefix and its number ("LH-D07" →
// "LH-D", 7, 2 digits).
var itemNumber = regexp.MustCompile(`^(.*?)(\d+)$`)

// suggestID proposes a free id for a new record: the next number after
// the unit's own ids (sorted; the last numbered one gives the prefix, as
// LH-D11 follows LH-D09 when LH-D10 is another unit's), else prefix and
// 01. The user may change it; the service refuses an id taken.
func suggestID(own []string, prefix string, taken func(string) bool) string {
	next, width := 1, 2
	for _, id := range own {
		if m := itemNumber.FindStringSubmatch(id); m != nil {
			prefix, width = m[1], len(m[2])
		}
	}
	for _, id := range own {
		if m := itemNumber.FindStringSubmatch(id); m != nil && m[1] == prefix {
			if k, err := strconv.Atoi(m[2]); err == nil && k < 1_000_000 {
				next = max(next, k+1)
			}
		}
	}
	for n := next; n < next+10000; n++ {
		if id := fmt.Sprintf("%s%0*d", prefix, width, n); !taken(id) {
			return id
		}
	}
	return prefix + randomHex(4)
}

// newItemID proposes an id for a new item of unit (a slot: of project).
func newItemID(sn index.Reader, unit string, kind matcher.ItemKind, project string) string {
	taken := func(id string) bool { _, err := sn.Item(id); return err == nil }
	var own []string
	prefix := strings.ToUpper(unit) + "-D"
	if kind == matcher.Resource {
		prefix = strings.ToUpper(unit) + "-R"
	}
	if project != "" {
		prefix = project + "-S"
		for it := range sn.Slots(project) {
			own = append(own, it.ID)
		}
		slices.Sort(own)
		return suggestID(own, prefix, taken)
	}
	for it := range sn.ItemsOf(unit) {
		if it.Kind == kind && it.Project == "" {
			own = append(own, it.ID)
		}
	}
	slices.Sort(own)
	return suggestID(own, prefix, taken)
}

// newItem shows the form of a new demand or resource (?kind=, and
// ?project= for a project's slot).
func (s *site) newItem(c echo.Context) error {
	u, sn, err := s.listUnit(c, c.Param("id"))
	if err != nil {
		return err
	}
	kind := matcher.ItemKind(c.QueryParam("kind"))
	if kind != matcher.Resource {
		kind = matcher.Demand
	}
	project := ""
	if kind == matcher.Demand {
		if pr, err := sn.Project(c.QueryParam("project")); err == nil && pr.Unit == u.ID {
			project = pr.ID
		}
	}
	f := newForm()
	f.set("id", newItemID(sn.Reader, u.ID, kind, project))
	f.set("priority", strconv.Itoa(matcher.DefaultPriority))
	f.set("project", project)
	p := &itemPage{Unit: u, Kind: kind, F: f, Windows: []windowRow{{}}, Action: Prefix + "/units/" + u.ID + "/items"}
	s.fillItemPage(c, sn, p)
	return s.render(c, http.StatusOK, "item", p)
}

// createItem adds the item the form describes (service.CreateItem).
func (s *site) createItem(c echo.Context) error {
	u, sn, err := s.listUnit(c, c.Param("id"))
	if err != nil {
		return err
	}
	l := langFrom(c)
	f, rows, in := readItemForm(c, l)
	kind := matcher.ItemKind(c.FormValue("kind"))
	if kind != matcher.Resource {
		kind = matcher.Demand
	}
	p := &itemPage{Unit: u, Kind: kind, F: f, Windows: rows, Action: Prefix + "/units/" + u.ID + "/items"}
	if c.FormValue("op") == "addrow" {
		p.Windows = append(p.Windows, windowRow{})
		s.fillItemPage(c, sn, p)
		return s.render(c, http.StatusOK, "item", p)
	}
	if !f.Bad() {
		it := in.it
		it.Kind = kind
		out, err := s.Service().CreateItem(c.Request().Context(), actorOf(c), u.ID, it)
		if err == nil {
			if out.Project != "" {
				return c.Redirect(http.StatusSeeOther, withMsg(Prefix+"/projects/"+out.Project, "slotadded"))
			}
			return c.Redirect(http.StatusSeeOther, withMsg(Prefix+"/items/"+out.ID, "itemadded"))
		}
		return s.itemFormAgain(c, sn, p, l, in, err)
	}
	return s.itemFormAgain(c, sn, p, l, in, nil)
}

// itemFormAgain shows the item form again: with the service's problems
// of err marked on their fields (an error of another kind is the error
// page's), or, when err is nil, with the form's own problems (400).
func (s *site) itemFormAgain(c echo.Context, sn store.Snapshot, p *itemPage, l *Lang, in itemInput, err error) error {
	status := http.StatusBadRequest
	if err != nil {
		if !p.F.failErr(l, err, itemFieldOf(in.rowOf, p.Kind)) {
			return err
		}
		status = formStatus(err)
	}
	s.fillItemPage(c, sn, p)
	return s.render(c, status, "item", p)
}

// formStatus is the status of a form shown again with the service's
// problems: 400 for invalid input, else as the error pages have it.
func formStatus(err error) int {
	if st, ok := statusOf[matcher.ErrorCode(err)]; ok {
		return st
	}
	return http.StatusBadRequest
}

// itemPageGet shows an item of the caller's unit: its state, its claims
// and its form.
func (s *site) itemPageGet(c echo.Context) error {
	it, u, sn, err := s.listItem(c, c.Param("id"))
	if err != nil {
		return err
	}
	f, rows := itemFormOf(it)
	p := &itemPage{Unit: u, Kind: it.Kind, Item: it, F: f, Windows: rows, Action: Prefix + "/items/" + it.ID}
	s.fillItemPage(c, sn, p)
	return s.render(c, http.StatusOK, "item", p)
}

// saveItem changes the item as the form says (service.PatchItem with
// every field of the form).
func (s *site) saveItem(c echo.Context) error {
	cur, u, sn, err := s.listItem(c, c.Param("id"))
	if err != nil {
		return err
	}
	l := langFrom(c)
	f, rows, in := readItemForm(c, l)
	f.set("id", cur.ID)
	p := &itemPage{Unit: u, Kind: cur.Kind, Item: cur, F: f, Windows: rows, Action: Prefix + "/items/" + cur.ID}
	if c.FormValue("op") == "addrow" {
		p.Windows = append(p.Windows, windowRow{})
		s.fillItemPage(c, sn, p)
		return s.render(c, http.StatusOK, "item", p)
	}
	it := in.it
	if it.Location == nil && cur.Location != nil && !f.Bad() {
		// An ItemPatch sets a location but cannot clear one.
		f.fail("lat", l.T("lists.err.noclear"))
	}
	if !f.Bad() {
		patch := service.ItemPatch{Category: &it.Category, Title: &it.Title, Description: &it.Description, Tags: &it.Tags,
			Quantity: &it.Quantity, Measure: &it.Measure, Windows: &it.Windows, Location: it.Location, RadiusKM: &it.RadiusKM,
			Priority: &it.Priority}
		if cur.Kind == matcher.Demand {
			patch.Project, patch.Optional = &it.Project, &it.Optional
		}
		_, err := s.Service().PatchItem(c.Request().Context(), actorOf(c), cur.ID, patch)
		if err == nil {
			return c.Redirect(http.StatusSeeOther, withMsg(Prefix+"/items/"+cur.ID, "itemsaved"))
		}
		return s.itemFormAgain(c, sn, p, l, in, err)
	}
	return s.itemFormAgain(c, sn, p, l, in, nil)
}

// itemStatusMsg is the message after each status an item is given.
var itemStatusMsg = map[matcher.ItemStatus]string{matcher.ItemOpen: "itemreopened", matcher.ItemPaused: "itempaused", matcher.ItemClosed: "itemclosed"}

// setItemStatus pauses, reopens or closes an item (service.PatchItem).
func (s *site) setItemStatus(c echo.Context) error {
	it, _, _, err := s.listItem(c, c.Param("id"))
	if err != nil {
		return err
	}
	st := matcher.ItemStatus(c.FormValue("status"))
	if _, err := s.Service().PatchItem(c.Request().Context(), actorOf(c), it.ID, service.ItemPatch{Status: &st}); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, withMsg(back(c, Prefix+"/items/"+it.ID), itemStatusMsg[st]))
}

// deleteItem removes an item without claims (service.DeleteItem); the
// way back is its unit's page, or its project's.
func (s *site) deleteItem(c echo.Context) error {
	it, _, _, err := s.listItem(c, c.Param("id"))
	if err != nil {
		return err
	}
	if err := s.Service().DeleteItem(c.Request().Context(), actorOf(c), it.ID); err != nil {
		return err
	}
	to := Prefix + "/units/" + it.Unit
	if it.Project != "" {
		to = Prefix + "/projects/" + it.Project
	}
	return c.Redirect(http.StatusSeeOther, withMsg(to, "itemdeleted"))
}
