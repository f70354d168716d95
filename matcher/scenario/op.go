package scenario

import (
	"fmt"
	"slices"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/index"
	"github.com/allymatch/allymatch/matcher/match"
	"github.com/allymatch/allymatch/matcher/store"
)

// Op is one kind of edit ("set_quantity"), in a file of its own
// (op_*.go), registered by its init. Everything about the operation is
// here: how it is checked and written, which units it touches (scope),
// how it reads in words and in which list place the desk shows it. The
// rest of the package, the API and the desk only look operations up.
type Op interface {
	// Spec describes the operation.
	Spec() Spec
	// Apply checks the edit c.Edit against the state c.Tx has so far and
	// writes it through c.Tx, or changes c.Settings; errors name
	// edits[i] and the field (c.At).
	Apply(c *Ctx) error
	// Units returns the ids of the existing units the edit changes (or
	// whose items or projects it changes), as far as r knows them, for
	// scope checks: a unit an earlier edit adds is not in r.
	Units(r index.Reader, e *Edit) []string
	// Args returns what the words of the edit (Spec.Words) name, in
	// order.
	Args(e *Edit) []Arg
}

// Joiner is an Op that changes who is a member of an alliance
// (coordinators' and admins' business).
type Joiner interface {
	// Memberships returns the alliances whose members e may change; who
	// plans or applies e must be able to run their meetings.
	Memberships(e *Edit) []string
	// ChangesMembership reports whether e changes the members of an
	// alliance at r.
	ChangesMembership(r index.Reader, e *Edit) bool
}

// membership is what the two operations on one unit's membership of one
// alliance (join_alliance, drop_from_alliance) share besides Spec and
// Apply: the edit {"unit":ID,"alliance":ID} touches the unit, says the
// unit and the alliance, and changes the alliance's members.
type membership struct{}

func (membership) Units(_ index.Reader, e *Edit) []string { return []string{e.Unit.ID} }

func (membership) Args(e *Edit) []Arg {
	return []Arg{unitArg(e), {Kind: ArgAlliance, Value: e.Alliance}}
}

func (membership) Memberships(e *Edit) []string { return []string{e.Alliance} }

func (membership) ChangesMembership(index.Reader, *Edit) bool { return true }

// Spec describes an operation.
type Spec struct {
	Name string // the edit's "op"
	Rank int    // its place in lists (forms, sheets): by record, then by change
	// Label names the operation (a form's choice), Chinese and English.
	Label [2]string
	// Words say an edit of the operation: format strings with one %s per
	// Arg (Chinese, English).
	Words [2]string
	// Fields are the fields of Edit the operation reads, in the order a
	// form or a sheet asks for them.
	Fields []Field
	// Changes: the record the edit gives (a unit, item or project
	// object) changes an existing one, so its id names a record the
	// caller must see (set_unit); otherwise a record given whole is a
	// new one (add_unit).
	Changes bool
}

// Field is a field of Edit an operation reads.
type Field struct {
	Name     string    // the JSON field ("item", "quantity")
	Kind     ArgKind   // what it holds
	Label    [2]string // Chinese, English
	Optional bool
}

// ArgKind is what an argument of an edit's words (or a field) is.
type ArgKind string

// The kinds of arguments and fields.
const (
	ArgUnit     ArgKind = "unit"     // a unit id (or a unit given whole: its name)
	ArgItem     ArgKind = "item"     // an item id (or an item given whole)
	ArgProject  ArgKind = "project"  // a project id (or a project given whole)
	ArgAlliance ArgKind = "alliance" // an alliance id
	ArgText     ArgKind = "text"     // said as it is (a number)
	ArgStatus   ArgKind = "status"   // a project status
	ArgMode     ArgKind = "mode"     // a matching mode
	ArgWeights  ArgKind = "weights"  // the weights of the score terms
	ArgWindows  ArgKind = "windows"  // time windows
	ArgRecord   ArgKind = "record"   // a record's fields (a JSON object)
	ArgList     ArgKind = "list"     // alliance ids
)

// Arg is one argument of an edit's words: Value is the id (or the text,
// the status, the mode); Title, when the edit gives the record whole, is
// its name or title.
type Arg struct {
	Kind  ArgKind
	Value string
	Title string
}

var registry = map[string]Op{}

// register adds op; two operations of one name are a programming error.
func register(op Op) {
	name := op.Spec().Name
	if _, dup := registry[name]; dup {
		panic("scenario: operation " + name + " registered twice")
	}
	registry[name] = op
}

// Lookup returns the operation name, false when there is none.
func Lookup(name string) (Op, bool) {
	op, ok := registry[name]
	return op, ok
}

// Ops returns the names of every operation, by rank.
func Ops() []string {
	out := make([]string, 0, len(registry))
	for name := range registry {
		out = append(out, name)
	}
	slices.SortFunc(out, func(a, b string) int {
		if ra, rb := registry[a].Spec().Rank, registry[b].Spec().Rank; ra != rb {
			return ra - rb
		}
		if a < b {
			return -1
		}
		return 1
	})
	return out
}

// Ctx is what an operation's Apply works with: the i-th edit, the fork's
// (or the store's) mutation and the settings of the scenario's solve.
type Ctx struct {
	Tx       *store.Tx
	Edit     *Edit
	Settings *match.Settings
	I        int
}

// At names field of the edit: edits[2].quantity ("" names the edit).
func (c *Ctx) At(field string) string {
	if field == "" {
		return fmt.Sprintf("edits[%d]", c.I)
	}
	return fmt.Sprintf("edits[%d].%s", c.I, field)
}

// Wrap names field in a record's validation error (edits[2].item.title).
func (c *Ctx) Wrap(field string, err error) error {
	if err == nil {
		return nil
	}
	if code := matcher.ErrorCode(err); code != matcher.EINVALID && code != matcher.ENOTFOUND {
		return err
	}
	var p matcher.Problems
	p.AddErr(c.At(field), err)
	return p.Err()
}

// Item returns the existing item the edit names by id in "item".
func (c *Ctx) Item() (*matcher.Item, error) {
	e := c.Edit
	if e.Item.Value != nil || e.Item.ID == "" {
		return nil, matcher.FieldError(c.At("item"), "must be the id of an item")
	}
	it, err := c.Tx.Item(e.Item.ID)
	if err != nil {
		return nil, missing(c.At("item"), "item", e.Item.ID)
	}
	return it, nil
}

// UnitID returns the id of the existing unit the edit names in "unit".
func (c *Ctx) UnitID() (string, error) {
	e := c.Edit
	if e.Unit.Value != nil || e.Unit.ID == "" {
		return "", matcher.FieldError(c.At("unit"), "must be the id of a unit")
	}
	if c.Tx.UnitRaw(e.Unit.ID) == nil {
		return "", missing(c.At("unit"), "unit", e.Unit.ID)
	}
	return e.Unit.ID, nil
}

// Project returns the existing project the edit names by id in "project".
func (c *Ctx) Project() (*matcher.Project, error) {
	e := c.Edit
	if e.Project.Value != nil || e.Project.ID == "" {
		return nil, matcher.FieldError(c.At("project"), "must be the id of a project")
	}
	p, err := c.Tx.Project(e.Project.ID)
	if err != nil {
		return nil, missing(c.At("project"), "project", e.Project.ID)
	}
	return p, nil
}

// Alliance returns the existing alliance the edit names in "alliance".
func (c *Ctx) Alliance() (*matcher.Alliance, error) {
	e := c.Edit
	if e.Alliance == "" {
		return nil, matcher.FieldError(c.At("alliance"), "is required")
	}
	a, err := c.Tx.Alliance(e.Alliance)
	if err != nil {
		return nil, missing(c.At("alliance"), "alliance", e.Alliance)
	}
	return a, nil
}

// UnitInAlliance returns the existing unit the edit names in "unit" and
// the existing alliance it names in "alliance".
func (c *Ctx) UnitInAlliance() (string, *matcher.Alliance, error) {
	id, err := c.UnitID()
	if err != nil {
		return "", nil, err
	}
	a, err := c.Alliance()
	if err != nil {
		return "", nil, err
	}
	return id, a, nil
}

// Grid checks that the grid id (of field) exists, as the store does.
func (c *Ctx) Grid(field, id string) error {
	if id == "" {
		return nil
	}
	if _, err := c.Tx.Grid(id); err != nil {
		return matcher.FieldError(c.At(field), "no grid %q", id)
	}
	return nil
}

// SlotOf checks that a slot's project exists and is its unit's.
func (c *Ctx) SlotOf(it *matcher.Item) error {
	if it.Project == "" {
		return nil
	}
	if p, err := c.Tx.Project(it.Project); err != nil || p.Unit != it.Unit {
		return slotMissing(c.At("item.project"), it.Unit, it.Project)
	}
	return nil
}

// Category resolves an item's category (an id or a name) in the
// vocabulary in force.
func (c *Ctx) Category(it *matcher.Item) error {
	if cat, ok := c.Tx.Vocabulary().Lookup(it.Category); ok {
		it.Category = cat
		return nil
	} else if it.Category != "" {
		return matcher.FieldError(c.At("item.category"), "unknown category %q", it.Category)
	}
	return nil
}

// PutUnit validates u, naming field, and puts it (its Alliances joined).
func (c *Ctx) PutUnit(field string, u matcher.Unit) error {
	if err := u.Validate(); err != nil {
		return c.Wrap(field, err)
	}
	for i, id := range u.Alliances {
		if _, err := c.Tx.Alliance(id); err != nil {
			return missing(c.At(fmt.Sprintf("%s.alliances[%d]", field, i)), "alliance", id)
		}
	}
	return c.Wrap(field, c.Tx.PutUnit(u))
}

// Alliances checks that every alliance of ids (of field) exists.
func (c *Ctx) Alliances(field string, ids []string) error {
	for i, id := range ids {
		if _, err := c.Tx.Alliance(id); err != nil {
			return missing(c.At(fmt.Sprintf("%s[%d]", field, i)), "alliance", id)
		}
	}
	return nil
}

// PutItem validates it, naming field, and puts it.
func (c *Ctx) PutItem(field string, it matcher.Item) error {
	if err := it.Validate(); err != nil {
		return c.Wrap(field, err)
	}
	return c.Wrap(field, c.Tx.PutItem(it))
}

// PutProject validates p, naming field, and puts it.
func (c *Ctx) PutProject(field string, p matcher.Project) error {
	if err := p.Validate(); err != nil {
		return c.Wrap(field, err)
	}
	return c.Wrap(field, c.Tx.PutProject(p))
}

// PutAlliance validates a, naming field, and puts it.
func (c *Ctx) PutAlliance(field string, a matcher.Alliance) error {
	if err := a.Validate(); err != nil {
		return c.Wrap(field, err)
	}
	return c.Wrap(field, c.Tx.PutAlliance(a))
}

// applyEdit checks edit e (the i-th) against the state tx has so far and
// writes it through tx; settings edits change set. Errors name edits[i]
// and the field.
func applyEdit(tx *store.Tx, i int, e *Edit, set *match.Settings) error {
	c := &Ctx{Tx: tx, Edit: e, Settings: set, I: i}
	if e.Op == "" {
		return matcher.FieldError(c.At("op"), "is required")
	}
	op, ok := Lookup(e.Op)
	if !ok {
		return matcher.FieldError(c.At("op"), "unknown op %q (one of %v)", e.Op, Ops())
	}
	return op.Apply(c)
}

// units returns the units e changes (for scope checks), as far as r
// knows them.
func (e *Edit) units(r index.Reader) []string {
	op, ok := Lookup(e.Op)
	if !ok {
		return nil
	}
	var out []string
	for _, id := range op.Units(r, e) {
		if id != "" && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// memberships returns the alliances whose members e changes, for scope
// checks: only who may run an alliance's meeting changes its members.
func (e *Edit) memberships() []string {
	if j, ok := registry[e.Op].(Joiner); ok {
		return j.Memberships(e)
	}
	return nil
}

// changesMembership reports whether e changes who is a member of an
// alliance at r.
func (e *Edit) changesMembership(r index.Reader) bool {
	if j, ok := registry[e.Op].(Joiner); ok {
		return j.ChangesMembership(r, e)
	}
	return false
}

// itemUnit returns the unit of the item id at r ("" when r has none).
func itemUnit(r index.Reader, id string) string {
	if it, err := r.Item(id); err == nil {
		return it.Unit
	}
	return ""
}

// projectUnit returns the unit of the project id at r ("" when none).
func projectUnit(r index.Reader, id string) string {
	if p, err := r.Project(id); err == nil {
		return p.Unit
	}
	return ""
}

// joinsNew reports whether unit would join an alliance of ids it is not
// in at r (an unknown alliance counts: the edit is refused later).
func joinsNew(r index.Reader, unit string, ids []string) bool {
	for _, id := range ids {
		a, err := r.Alliance(id)
		if err != nil || a.Lead != unit && !slices.Contains(a.Members, unit) {
			return true
		}
	}
	return false
}

// unitArg, itemArg and projectArg are the words' argument of a record
// the edit names or gives.
func unitArg(e *Edit) Arg {
	if v := e.Unit.Value; v != nil {
		return Arg{Kind: ArgUnit, Value: v.ID, Title: v.Name}
	}
	return Arg{Kind: ArgUnit, Value: e.Unit.ID}
}

func itemArg(e *Edit) Arg {
	if v := e.Item.Value; v != nil {
		return Arg{Kind: ArgItem, Value: v.ID, Title: v.Title}
	}
	return Arg{Kind: ArgItem, Value: e.Item.ID}
}

func projectArg(e *Edit) Arg {
	if v := e.Project.Value; v != nil {
		return Arg{Kind: ArgProject, Value: v.ID, Title: v.Name}
	}
	return Arg{Kind: ArgProject, Value: e.Project.ID}
}

// The fields operations share.
var (
	fieldUnit     = Field{Name: "unit", Kind: ArgUnit, Label: [2]string{"成员单位", "Member unit"}}
	fieldItem     = Field{Name: "item", Kind: ArgItem, Label: [2]string{"条目", "Item"}}
	fieldProject  = Field{Name: "project", Kind: ArgProject, Label: [2]string{"项目", "Project"}}
	fieldAlliance = Field{Name: "alliance", Kind: ArgAlliance, Label: [2]string{"联盟", "Alliance"}}
)
