package web

import (
	"bytes"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/bundle"
	"github.com/allymatch/allymatch/matcher/service"
)

// MaxUpload bounds an uploaded spreadsheet (the form around it included).
const MaxUpload = 16 << 20

// pendingImports keeps uploads between the preview and the import, for a
// while, bound to the session that made them. Each actor (a coordinator of
// one alliance, however many sessions it has) keeps at most
// maxPendingPerActor: a new upload drops that actor's oldest, never
// another's. maxPendingBytes bounds the memory of them all.
type pendingImports struct {
	mu sync.Mutex
	m  map[string]*pendingImport
}

const (
	maxPendingPerActor = 2
	maxPendingBytes    = 512 << 20
)

type pendingImport struct {
	owner    string // csrf value of the session
	actor    string // whose quota it counts in
	meeting  string
	files    []upload
	alliance *matcher.Alliance // the new alliance the files go into (onboarding), or nil
	expires  time.Time
}

// upload is one uploaded file of an import.
type upload struct {
	name string
	kind bundle.CSVKind // what a CSV holds ("": by its name)
	data []byte
}

// size is the bytes the import keeps.
func (pi *pendingImport) size() int {
	n := 0
	for _, f := range pi.files {
		n += len(f.data)
	}
	return n
}

func newPending() *pendingImports { return &pendingImports{m: map[string]*pendingImport{}} }

// errPendingFull refuses an upload when the server holds maxPendingBytes of
// others' previews.
var errPendingFull = matcher.Errorf(matcher.ECONFLICT, "too many imports are waiting for their confirmation on this server; try again in a few minutes")

func (p *pendingImports) put(pi *pendingImport) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	var mine []string
	total := 0
	for k, v := range p.m {
		switch {
		case now.After(v.expires):
			delete(p.m, k)
		case v.actor == pi.actor:
			mine = append(mine, k)
		default:
			total += v.size()
		}
	}
	// Keep the actor's newest maxPendingPerActor-1, then add this one.
	slices.SortFunc(mine, func(a, b string) int { return p.m[a].expires.Compare(p.m[b].expires) })
	for len(mine) >= maxPendingPerActor {
		delete(p.m, mine[0])
		mine = mine[1:]
	}
	for _, k := range mine {
		total += p.m[k].size()
	}
	if total+pi.size() > maxPendingBytes {
		return "", errPendingFull
	}
	id := randomHex(16)
	pi.expires = now.Add(30 * time.Minute)
	p.m[id] = pi
	return id, nil
}

func (p *pendingImports) take(id, owner string) *pendingImport {
	p.mu.Lock()
	defer p.mu.Unlock()
	pi := p.m[id]
	if pi == nil || pi.owner != owner || time.Now().After(pi.expires) {
		return nil
	}
	delete(p.m, id)
	return pi
}

// template sends the import template.
func (s *site) template(c echo.Context) error {
	var buf bytes.Buffer
	if err := bundle.WriteXLSX(&buf, bundle.TemplateSheetsFor(s.Service().Store.Vocabulary())); err != nil {
		return err
	}
	return sendFile(c, "allymatch-template.xlsx", buf.Bytes())
}

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

func sendFile(c echo.Context, name string, data []byte) error {
	ct := xlsxType
	if strings.HasSuffix(name, ".csv") {
		ct = "text/csv; charset=utf-8"
	}
	c.Response().Header().Set("Content-Disposition", "attachment; filename=\""+asciiName(name)+"\"; filename*=UTF-8''"+url.PathEscape(name))
	return c.Blob(http.StatusOK, ct, data)
}

func asciiName(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 0x80 && r != '"' && r != '\\' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

// export sends a meeting's proposals, claims, unmet demands or report as
// .xlsx or .csv (UTF-8 with a BOM, so that Excel reads the Chinese). Both
// are safe to open: a text that starts like a formula (a unit's title
// =HYPERLINK(…)) is written as text (bundle.FormulaLike).
func (s *site) export(c echo.Context) error {
	file := c.Param("file")
	what, ext, _ := strings.Cut(file, ".")
	if ext != "xlsx" && ext != "csv" {
		return errNotFound
	}
	al, n, err := s.meetingOf(c)
	if err != nil {
		return err
	}
	a, l := actorOf(c), n.lang
	var sh bundle.Sheet
	claimRow := func(cv claimView) []any {
		return []any{cv.C.ID, cv.Resource.ID, cv.Resource.Title, cv.ResourceUnit, cv.Demand.ID, cv.Demand.Title, cv.DemandUnit,
			cv.Category, cv.C.Quantity, cv.Demand.Measure, cv.C.Score, cv.Words, l.T("status." + string(cv.C.Status)), acceptedBy(l, cv.C)}
	}
	claims := func(q service.ClaimQuery) error {
		q.Page = service.Page{Limit: service.AllRows}
		pg, err := s.Service().MeetingClaims(a, al.ID, q)
		if err != nil {
			return err
		}
		for _, cl := range pg.Claims {
			sh.Rows = append(sh.Rows, claimRow(s.claimView(n, cl)))
		}
		return nil
	}
	claimHead := strings.Split(l.T("export.claims.header"), "|")
	switch what {
	case "proposals":
		sh = bundle.Sheet{Name: l.T("export.proposals"), Header: claimHead}
		if err := claims(service.ClaimQuery{Statuses: []matcher.ClaimStatus{matcher.ClaimProposed}}); err != nil {
			return err
		}
	case "claims":
		sh = bundle.Sheet{Name: l.T("export.claims"), Header: claimHead}
		if err := claims(service.ClaimQuery{Sort: service.ClaimSortNewest}); err != nil {
			return err
		}
	case "unmet":
		sh = bundle.Sheet{Name: l.T("export.unmet"), Header: strings.Split(l.T("export.unmet.header"), "|")}
		pg, err := s.Service().MeetingUnmet(c.Request().Context(), a, al.ID, service.UnmetQuery{Page: service.Page{Limit: service.AllRows}})
		if err != nil {
			return err
		}
		for _, u := range pg.Rows {
			sh.Rows = append(sh.Rows, []any{u.Demand, u.Item.Title, n.Unit(u.Unit), n.Category(u.Category), u.Need, u.Met, u.Open, u.Item.Measure, explainUnmet(n, u.Unmet)})
		}
	case "report":
		r, err := s.Service().MeetingReport(a, al.ID)
		if err != nil {
			return err
		}
		sh = bundle.Sheet{Name: l.T("export.report"), Header: strings.Split(l.T("export.report.header"), "|")}
		// One row per measure of each key (quantities of unlike measures
		// are never added); the counts of demands on its first row.
		row := func(dim, k, name string, t service.Tally) {
			if len(t.Measures) == 0 {
				sh.Rows = append(sh.Rows, []any{dim, k, name, t.Demands, t.Met, t.Partly, nil, nil, nil, nil})
			}
			for i, m := range t.Measures {
				pct := ""
				if m.Need > 0 {
					pct = strconv.FormatInt(m.Met*100/m.Need, 10) + "%"
				}
				if i == 0 {
					sh.Rows = append(sh.Rows, []any{dim, k, name, t.Demands, t.Met, t.Partly, m.Measure, m.Need, m.Met, pct})
				} else {
					sh.Rows = append(sh.Rows, []any{dim, k, name, nil, nil, nil, m.Measure, m.Need, m.Met, pct})
				}
			}
		}
		add := func(dim string, m map[string]service.Tally, name func(string) string) {
			keys := make([]string, 0, len(m))
			for k := range m {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				row(dim, k, name(k), m[k])
			}
		}
		add(l.T("report.bycategory"), r.ByCategory, n.Category)
		add(l.T("report.bygrid"), r.ByGrid, n.Grid)
		add(l.T("report.byunit"), r.ByUnit, n.Unit)
		row(l.T("report.total"), "", "", r.Total)
	default:
		return errNotFound
	}
	name := al.ID + "-" + what + "." + ext
	if ext == "csv" {
		data, err := csvBytes(sh)
		if err != nil {
			return err
		}
		return sendFile(c, name, data)
	}
	var buf bytes.Buffer
	if err := bundle.WriteXLSX(&buf, []bundle.Sheet{sh}); err != nil {
		return err
	}
	return sendFile(c, name, buf.Bytes())
}

func acceptedBy(l *Lang, cl *matcher.Claim) string {
	var out []string
	for _, s := range cl.AcceptedBy {
		out = append(out, sideName(l, s))
	}
	return strings.Join(out, l.T("list.sep"))
}

// csvBytes writes a sheet as CSV (bundle.WriteCSV: UTF-8 with a BOM, and
// text that a spreadsheet program would take for a formula protected).
func csvBytes(sh bundle.Sheet) ([]byte, error) {
	var buf bytes.Buffer
	if err := bundle.WriteCSV(&buf, sh); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
