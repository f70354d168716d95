package web

import (
	"encoding/base64"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	qrcode "github.com/skip2/go-qrcode"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/service"
	"github.com/allymatch/allymatch/matcher/store"
)

// The coordinator's logins page: who of the meeting's units can log in,
// one-time login codes made one at a time (shown once, with the QR code of
// their login link), printable login slips for every unit without a login,
// and revoking any login of its units.

// loginRow is one unit (or the meeting's coordinators) and its live logins.
type loginRow struct {
	ID, Name string
	Unit     bool // a unit (else the alliance's coordinators)
	Logins   []store.Login
}

// issuedCode is a code just made: shown once.
type issuedCode struct {
	Name, Code, URL string
	QR              template.URL
	Expires         time.Time
}

type loginsData struct {
	Meeting *matcher.Alliance
	Rows    []loginRow
	New     *issuedCode
	Slips   []issuedCode
	Bar     listBar
}

// loginsMeeting returns the meeting of the path if the caller may hand out
// its logins (a coordinator who runs it, an admin), and the snapshot the
// service read it in, whose units of the meeting the caller may read.
func (s *site) loginsMeeting(c echo.Context) (*matcher.Alliance, store.Snapshot, error) {
	a, sn, err := s.Service().Meeting(actorOf(c), c.Param("id"))
	if err != nil {
		return nil, sn, errNotFound
	}
	return a, sn, nil
}

// loginsData is the page's rows: the meeting's coordinators, then its
// units, searched by name (q) and by whether they have a login (has=yes,
// no), 50 a page; sn is the snapshot loginsMeeting read a in.
func (s *site) loginsData(c echo.Context, a *matcher.Alliance, sn store.Snapshot) (*loginsData, error) {
	logins, err := s.Service().Logins(actorOf(c))
	if err != nil {
		return nil, err
	}
	by := map[matcher.Actor][]store.Login{}
	for _, l := range logins {
		by[l.Actor] = append(by[l.Actor], l)
	}
	l := langFrom(c)
	ls := newList(c, "", "", rowPageSize)
	q, has := strings.ToLower(ls.Get("q")), ls.Get("has")
	keep := func(r loginRow) bool {
		switch {
		case q != "" && !strings.Contains(strings.ToLower(r.Name), q) && !strings.Contains(strings.ToLower(r.ID), q),
			has == "yes" && len(r.Logins) == 0, has == "no" && len(r.Logins) > 0:
			return false
		}
		return true
	}
	var rows []loginRow
	if r := (loginRow{ID: a.ID, Name: a.Name, Logins: by[matcher.Coordinator(a.ID)]}); keep(r) {
		rows = append(rows, r)
	}
	for _, u := range a.AllUnits() {
		if unit := sn.UnitRaw(u); unit != nil {
			if r := (loginRow{ID: u, Name: unit.Name, Unit: true, Logins: by[matcher.UnitActor(u)]}); keep(r) {
				rows = append(rows, r)
			}
		}
	}
	ls.Total = len(rows)
	off := min(len(rows), (ls.Page-1)*rowPageSize)
	d := &loginsData{Meeting: a, Rows: rows[off:min(len(rows), off+rowPageSize)]}
	d.Bar = ls.listBar(l, "logins-search", l.T("list.unit.hint"), []filter{{Name: "has", Label: l.T("logins.have"), Value: has,
		Options: options(l.T("list.any"), has, "yes", l.T("logins.has.yes"), "no", l.T("logins.has.no"))}}, nil)
	return d, nil
}

func (s *site) loginsPage(c echo.Context) error {
	a, sn, err := s.loginsMeeting(c)
	if err != nil {
		return err
	}
	d, err := s.loginsData(c, a, sn)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "logins", d)
}

// issue returns a code as the page shows it: formatted, with its link and
// the link's QR code.
func (s *site) issue(c echo.Context, name, code string, expires time.Time) (issuedCode, error) {
	link := Prefix + "/login?code=" + service.FormatCode(code)
	if s.LoginURL != nil {
		link = s.LoginURL(c.Request(), code)
	}
	png, err := qrcode.Encode(link, qrcode.Medium, 192)
	if err != nil {
		return issuedCode{}, err
	}
	return issuedCode{Name: name, Code: service.FormatCode(code), URL: link, Expires: expires,
		QR: template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png))}, nil
}

// newLoginCode makes one code (for the unit or the coordinators named by
// the form) and shows it once on the logins page.
func (s *site) newLoginCode(c echo.Context) error {
	a, sn, err := s.loginsMeeting(c)
	if err != nil {
		return err
	}
	req := service.LoginCodeRequest{Unit: c.FormValue("unit")}
	name := ""
	if req.Unit == "" {
		req.Alliance, name = a.ID, a.Name
	} else if u, err := s.Service().Unit(actorOf(c), req.Unit); err == nil {
		name = u.Name
	}
	code, l, err := s.Service().NewLoginCode(actorOf(c), req)
	if err != nil {
		return err
	}
	d, err := s.loginsData(c, a, sn)
	if err != nil {
		return err
	}
	ic, err := s.issue(c, name, code, l.Expires)
	if err != nil {
		return err
	}
	d.New = &ic
	return s.render(c, http.StatusOK, "logins", d)
}

// slips makes a code for every unit of the meeting without a live login
// (every unit, with all=1) and shows the printable A4 sheet of slips.
func (s *site) slips(c echo.Context) error {
	a, _, err := s.loginsMeeting(c)
	if err != nil {
		return err
	}
	slips, err := s.Service().LoginSlips(actorOf(c), a.ID, c.FormValue("all") == "1")
	if err != nil {
		return err
	}
	d := &loginsData{Meeting: a}
	for _, sl := range slips {
		ic, err := s.issue(c, sl.Name, sl.Code, sl.Expires)
		if err != nil {
			return err
		}
		d.Slips = append(d.Slips, ic)
	}
	return s.render(c, http.StatusOK, "slips", d)
}

// revokeLogin ends a login of the caller's scope (its next use is
// refused) and goes back to the page it came from.
func (s *site) revokeLogin(c echo.Context) error {
	if err := s.Service().RevokeLogin(actorOf(c), c.Param("lid")); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, withMsg(back(c, Prefix+"/"), "revoked"))
}
