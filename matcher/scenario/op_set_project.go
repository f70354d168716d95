package scenario

import (
	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/index"
)

// OpSetProject changes the fields of a project it gives, and no others:
// {"op":"set_project","project":{"id":ID,"name":…}}. A project's unit
// does not change.
const OpSetProject = "set_project"

func init() { register(setProject{}) }

type setProject struct{}

func (setProject) Spec() Spec {
	return Spec{Name: OpSetProject, Rank: 51, Changes: true,
		Label:  [2]string{"修改项目", "Change a project"},
		Words:  [2]string{"修改项目 %s", "change project %s"},
		Fields: []Field{{Name: "project", Kind: ArgRecord, Label: [2]string{"改动的字段", "Fields that change"}}}}
}

func (setProject) Apply(c *Ctx) error {
	e := c.Edit
	v := e.Project.Value
	if v == nil {
		return matcher.FieldError(c.At("project"), `must be a project object with the fields that change ({"id":%q,"name":…})`, e.Project.ID)
	}
	if v.ID == "" {
		return matcher.FieldError(c.At("project.id"), "is required")
	}
	cur, err := c.Tx.Project(v.ID)
	if err != nil {
		return missing(c.At("project.id"), "project", v.ID)
	}
	p := *cur
	if err := patch(&p, e.Project); err != nil {
		return matcher.FieldError(c.At("project"), "%v", err)
	}
	switch {
	case p.ID != cur.ID:
		return matcher.FieldError(c.At("project.id"), "is %q; a project's id does not change", p.ID)
	case p.Unit != cur.Unit:
		return matcher.FieldError(c.At("project.unit"), "is %q; project %q belongs to unit %q and a project's unit does not change", p.Unit, cur.ID, cur.Unit)
	}
	if err := checkStatus(c, "project.status", &p.Status); err != nil {
		return err
	}
	return c.PutProject("project", p)
}

func (setProject) Units(r index.Reader, e *Edit) []string {
	if v := e.Project.Value; v != nil {
		return []string{projectUnit(r, v.ID), v.Unit}
	}
	return nil
}

func (setProject) Args(e *Edit) []Arg { return []Arg{projectArg(e)} }
