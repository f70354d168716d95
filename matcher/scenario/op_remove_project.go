package scenario

import (
	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/index"
)

// OpRemoveProject: {"op":"remove_project","project":ID}: dropped and its
// slots closed (nothing is deleted: its claims keep their history).
const OpRemoveProject = "remove_project"

func init() { register(removeProject{}) }

type removeProject struct{}

func (removeProject) Spec() Spec {
	return Spec{Name: OpRemoveProject, Rank: 53,
		Label:  [2]string{"撤销项目", "Drop a project"},
		Words:  [2]string{"撤销项目 %s", "drop project %s"},
		Fields: []Field{fieldProject}}
}

func (removeProject) Apply(c *Ctx) error {
	p, err := c.Project()
	if err != nil {
		return err
	}
	if p.Status == matcher.ProjectDone {
		return matcher.FieldError(c.At("project"), "project %q is done; a done project stays on the list", p.ID)
	}
	n := *p
	n.Status = matcher.ProjectDropped
	var slots []matcher.Item
	for it := range c.Tx.Slots(p.ID) {
		if it.Status != matcher.ItemClosed {
			s := *it
			s.Status = matcher.ItemClosed
			slots = append(slots, s)
		}
	}
	if err := c.PutProject("project", n); err != nil {
		return err
	}
	for _, it := range slots {
		if err := c.PutItem("project", it); err != nil {
			return err
		}
	}
	return nil
}

func (removeProject) Units(r index.Reader, e *Edit) []string {
	return []string{projectUnit(r, e.Project.ID)}
}

func (removeProject) Args(e *Edit) []Arg { return []Arg{projectArg(e)} }
