package scenario

import (
	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/index"
)

// OpAddProject: {"op":"add_project","project":{...project}} (or "unit":ID
// and a project without unit).
const OpAddProject = "add_project"

func init() { register(addProject{}) }

type addProject struct{}

func (addProject) Spec() Spec {
	return Spec{Name: OpAddProject, Rank: 50,
		Label:  [2]string{"新增项目", "Add a project"},
		Words:  [2]string{"新增项目 %s", "add project %s"},
		Fields: []Field{fieldUnit, {Name: "project", Kind: ArgRecord, Label: [2]string{"项目", "Project"}}}}
}

func (addProject) Apply(c *Ctx) error {
	e := c.Edit
	if e.Project.Value == nil {
		return matcher.FieldError(c.At("project"), "must be a project object")
	}
	if e.Unit.Value != nil {
		return matcher.FieldError(c.At("unit"), "must be the id of a unit")
	}
	p := *e.Project.Value
	switch {
	case p.Unit == "" && e.Unit.ID == "":
		return matcher.FieldError(c.At("project.unit"), "is required")
	case p.Unit == "":
		p.Unit = e.Unit.ID
	case e.Unit.ID != "" && e.Unit.ID != p.Unit:
		return matcher.FieldError(c.At("project.unit"), "is %q, the edit's unit is %q", p.Unit, e.Unit.ID)
	}
	if c.Tx.UnitRaw(p.Unit) == nil {
		return missing(c.At("project.unit"), "unit", p.Unit)
	}
	if _, err := c.Tx.Project(p.ID); err == nil {
		return matcher.FieldError(c.At("project.id"), "project %q exists already", p.ID)
	}
	p.Rev = 0
	p.SetDefaults()
	return c.PutProject("project", p)
}

func (addProject) Units(_ index.Reader, e *Edit) []string {
	out := []string{e.Unit.ID}
	if v := e.Project.Value; v != nil {
		out = append(out, v.Unit)
	}
	return out
}

func (addProject) Args(e *Edit) []Arg { return []Arg{projectArg(e)} }
