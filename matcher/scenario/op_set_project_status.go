package scenario

import (
	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/index"
)

// OpSetProjectStatus: {"op":"set_project_status","project":ID,"status":"dropped"}:
// a done or dropped project's slots are not matched.
const OpSetProjectStatus = "set_project_status"

func init() { register(setProjectStatus{}) }

type setProjectStatus struct{}

func (setProjectStatus) Spec() Spec {
	return Spec{Name: OpSetProjectStatus, Rank: 52,
		Label:  [2]string{"修改项目状态", "Change a project's status"},
		Words:  [2]string{"项目 %s 状态改为 %s", "set the status of project %s to %s"},
		Fields: []Field{fieldProject, {Name: "status", Kind: ArgStatus, Label: [2]string{"状态", "Status"}}}}
}

func (setProjectStatus) Apply(c *Ctx) error {
	p, err := c.Project()
	if err != nil {
		return err
	}
	if c.Edit.Status == nil {
		return matcher.FieldError(c.At("status"), "is required")
	}
	if err := checkStatus(c, "status", c.Edit.Status); err != nil {
		return err
	}
	n := *p
	n.Status = *c.Edit.Status
	return c.PutProject("project", n)
}

// checkStatus checks a project status of field.
func checkStatus(c *Ctx, field string, st *matcher.ProjectStatus) error {
	if st.Valid() {
		return nil
	}
	return matcher.FieldError(c.At(field), "must be planned, running, done or dropped, got %q", *st)
}

func (setProjectStatus) Units(r index.Reader, e *Edit) []string {
	return []string{projectUnit(r, e.Project.ID)}
}

func (setProjectStatus) Args(e *Edit) []Arg {
	st := ""
	if e.Status != nil {
		st = string(*e.Status)
	}
	return []Arg{projectArg(e), {Kind: ArgStatus, Value: st}}
}
