package web

import (
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/index"
	"github.com/allymatch/allymatch/matcher/service"
	"github.com/allymatch/allymatch/matcher/store"
)

// A unit's project list: a project (name, description, status) and its
// slots, the demands whose Project it is, each required or optional. The
// slots are added and edited with the item forms (lists.go).

// projectPage is a new project's form, or a project with its slots and
// its form.
type projectPage struct {
	Unit     *matcher.Unit
	Project  *matcher.Project // nil for a new project
	Row      projectRow
	F        *form
	Statuses []choice
	Action   string
}

var projectFields = []string{"id", "name", "description", "status"}

// listProject returns a project of a unit whose lists the caller may
// change, or errNotFound.
func (s *site) listProject(c echo.Context, id string) (*matcher.Project, *matcher.Unit, store.Snapshot, error) {
	pr, u, sn, err := s.Service().WritableProject(actorOf(c), id)
	if err != nil {
		return nil, nil, sn, errNotFound
	}
	return pr, u, sn, nil
}

func (s *site) fillProjectPage(c echo.Context, sn store.Snapshot, p *projectPage) {
	l := langFrom(c)
	for _, st := range matcher.ProjectStatuses {
		p.Statuses = append(p.Statuses, choice{Value: string(st), Label: l.T("project." + string(st)), Selected: string(st) == p.F.V("status")})
	}
	if p.Project != nil {
		p.Row = s.namesAt(c, sn).projectRow(p.Project)
	}
}

func projectFormOf(pr *matcher.Project) *form {
	f := newForm()
	f.set("id", pr.ID)
	f.set("name", pr.Name)
	f.set("description", pr.Description)
	f.set("status", string(pr.Status))
	return f
}

func readProjectForm(c echo.Context) *form {
	f := newForm()
	for _, k := range projectFields {
		f.set(k, strings.TrimSpace(c.FormValue(k)))
	}
	return f
}

func projectFieldOf(field string) string {
	if slices.Contains(projectFields, field) {
		return field
	}
	return ""
}

// newProjectID proposes an id for a new project of unit.
func newProjectID(sn index.Reader, unit string) string {
	var own []string
	for pr := range sn.ProjectsOf(unit) {
		own = append(own, pr.ID)
	}
	slices.Sort(own)
	return suggestID(own, strings.ToUpper(unit)+"-P", func(id string) bool { _, err := sn.Project(id); return err == nil })
}

// newProject shows the form of a new project.
func (s *site) newProject(c echo.Context) error {
	u, sn, err := s.listUnit(c, c.Param("id"))
	if err != nil {
		return err
	}
	f := newForm()
	f.set("id", newProjectID(sn.Reader, u.ID))
	f.set("status", string(matcher.ProjectPlanned))
	p := &projectPage{Unit: u, F: f, Action: Prefix + "/units/" + u.ID + "/projects"}
	s.fillProjectPage(c, sn, p)
	return s.render(c, http.StatusOK, "project", p)
}

// createProject adds the project (service.CreateProject); its page then
// offers to add its slots.
func (s *site) createProject(c echo.Context) error {
	u, sn, err := s.listUnit(c, c.Param("id"))
	if err != nil {
		return err
	}
	l := langFrom(c)
	f := readProjectForm(c)
	pr := matcher.Project{ID: f.V("id"), Name: f.V("name"), Description: f.V("description"), Status: matcher.ProjectStatus(f.V("status"))}
	out, err := s.Service().CreateProject(c.Request().Context(), actorOf(c), u.ID, pr)
	if err == nil {
		return c.Redirect(http.StatusSeeOther, withMsg(Prefix+"/projects/"+out.ID, "projectadded"))
	}
	if !f.failErr(l, err, projectFieldOf) {
		return err
	}
	p := &projectPage{Unit: u, F: f, Action: Prefix + "/units/" + u.ID + "/projects"}
	s.fillProjectPage(c, sn, p)
	return s.render(c, formStatus(err), "project", p)
}

// projectPageGet shows a project of the caller's unit with its slots.
func (s *site) projectPageGet(c echo.Context) error {
	pr, u, sn, err := s.listProject(c, c.Param("id"))
	if err != nil {
		return err
	}
	p := &projectPage{Unit: u, Project: pr, F: projectFormOf(pr), Action: Prefix + "/projects/" + pr.ID}
	s.fillProjectPage(c, sn, p)
	return s.render(c, http.StatusOK, "project", p)
}

// saveProject changes the project's name, description and status
// (service.PatchProject).
func (s *site) saveProject(c echo.Context) error {
	cur, u, sn, err := s.listProject(c, c.Param("id"))
	if err != nil {
		return err
	}
	l := langFrom(c)
	f := readProjectForm(c)
	f.set("id", cur.ID)
	name, desc, st := f.V("name"), f.V("description"), matcher.ProjectStatus(f.V("status"))
	_, err = s.Service().PatchProject(c.Request().Context(), actorOf(c), cur.ID, service.ProjectPatch{Name: &name, Description: &desc, Status: &st})
	if err == nil {
		return c.Redirect(http.StatusSeeOther, withMsg(Prefix+"/projects/"+cur.ID, "projectsaved"))
	}
	if !f.failErr(l, err, projectFieldOf) {
		return err
	}
	p := &projectPage{Unit: u, Project: cur, F: f, Action: Prefix + "/projects/" + cur.ID}
	s.fillProjectPage(c, sn, p)
	return s.render(c, formStatus(err), "project", p)
}

// deleteProject removes a project without slots (service.DeleteProject).
func (s *site) deleteProject(c echo.Context) error {
	pr, _, _, err := s.listProject(c, c.Param("id"))
	if err != nil {
		return err
	}
	if err := s.Service().DeleteProject(c.Request().Context(), actorOf(c), pr.ID); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, withMsg(Prefix+"/units/"+pr.Unit, "projectdeleted"))
}
