package service

import (
	"context"
	"errors"
	"slices"
	"strconv"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/bundle"
	"github.com/allymatch/allymatch/matcher/index"
	"github.com/allymatch/allymatch/matcher/store"
)

// The record operations below check who asks, then write through one store
// mutation whose audit event names the alliances concerned. Error codes:
// ENOTFOUND for what the caller may not see (or what is not there),
// EFORBIDDEN for what it sees but may not change, ECONFLICT for an id that
// exists already or a record still in use, EINVALID for bad fields.

// unchanged turns a patch that changes nothing into a success: the record
// is answered as it is, and nothing is written (no audit event either).
func unchanged(err error) error {
	if errors.Is(err, store.ErrNoChange) {
		return nil
	}
	return err
}

func exists(what matcher.Noun, id string) error {
	return matcher.NewError(matcher.ECONFLICT, "id", "%s %q exists already", what, id)
}

// CreateAlliance adds an alliance: an admin anywhere, a coordinator below
// its own alliance (a new community under its street, say).
func (s *Service) CreateAlliance(ctx context.Context, actor matcher.Actor, a matcher.Alliance) (matcher.Alliance, error) {
	if err := a.Validate(); err != nil {
		return a, err
	}
	var out matcher.Alliance
	_, err := s.Store.Update(ctx, actor.String(), "alliance.create", []string{a.ID}, func(tx *store.Tx) error {
		if !actor.Privileged() && (actor.Role != matcher.RoleCoordinator || a.Parent == "") {
			return matcher.Errorf(matcher.EFORBIDDEN, "%s may not add alliances here: a coordinator adds them below its own alliance", actor)
		}
		// The parent, the lead and every member must be in the caller's
		// scope: a coordinator cannot take over another meeting's units
		// by making them members of an alliance of its own.
		ref := newRefs(tx.Reader, actor)
		if a.Parent != "" {
			ref.meeting("parent", a.Parent)
		}
		if a.Lead != "" {
			ref.writableUnit("lead", a.Lead)
		}
		for i, m := range a.Members {
			ref.writableUnit(fieldIndex("members", i), m)
		}
		if err := ref.err(); err != nil {
			return err
		}
		if _, err := tx.Alliance(a.ID); err == nil {
			return exists("alliance", a.ID)
		}
		if err := tx.PutAlliance(a); err != nil {
			return err
		}
		got, err := tx.Alliance(a.ID)
		out = *got
		return err
	})
	return out, err
}

// CreateUnit adds a unit to the alliances it lists: an admin anywhere, a
// coordinator into alliances of its scope (it must list at least one).
func (s *Service) CreateUnit(ctx context.Context, actor matcher.Actor, u matcher.Unit) (matcher.Unit, error) {
	if err := u.Validate(); err != nil {
		return u, err
	}
	var out matcher.Unit
	_, err := s.Store.Update(ctx, actor.String(), "unit.create", u.Alliances, func(tx *store.Tx) error {
		if !actor.Privileged() {
			if actor.Role != matcher.RoleCoordinator {
				return matcher.Errorf(matcher.EFORBIDDEN, "%s may not add units", actor)
			}
			if len(u.Alliances) == 0 {
				return matcher.FieldError("alliances", "name the alliances of your scope the unit joins")
			}
		}
		ref := newRefs(tx.Reader, actor)
		for i, al := range u.Alliances {
			ref.meeting(fieldIndex("alliances", i), al)
		}
		if err := ref.err(); err != nil {
			return err
		}
		if tx.UnitRaw(u.ID) != nil {
			return exists("unit", u.ID)
		}
		if err := tx.PutUnit(u); err != nil {
			return err
		}
		got, err := tx.Unit(u.ID)
		out = *got
		return err
	})
	return out, err
}

// UnitPatch is a change to a unit: only the fields given change.
// Alliances adds the unit to more alliances (coordinators and admins).
type UnitPatch struct {
	Name      *string           `json:"name,omitempty"`
	Kind      *matcher.UnitKind `json:"kind,omitempty"`
	PartyOrg  *bool             `json:"party_org,omitempty"`
	Grid      *string           `json:"grid,omitempty"`
	Location  *matcher.GeoPoint `json:"location,omitempty"`
	Alliances []string          `json:"alliances,omitempty"`
}

// PatchUnit changes a unit's fields.
func (s *Service) PatchUnit(ctx context.Context, actor matcher.Actor, id string, p UnitPatch) (matcher.Unit, error) {
	var out matcher.Unit
	sn := s.Store.Snapshot()
	_, err := s.Store.Update(ctx, actor.String(), "unit.update", alliancesOfUnits(sn.Reader, id), func(tx *store.Tx) error {
		cur := tx.UnitRaw(id)
		if cur == nil || !matcher.CanReadUnit(tx.Reader, actor, id) {
			return notFound("unit", id)
		}
		if !matcher.CanWriteUnit(tx.Reader, actor, id) {
			return matcher.Errorf(matcher.EFORBIDDEN, "%s may not change unit %s", actor, id)
		}
		u := *cur
		set(&u.Name, p.Name)
		set(&u.Kind, p.Kind)
		set(&u.PartyOrg, p.PartyOrg)
		set(&u.Grid, p.Grid)
		setPointer(&u.Location, p.Location)
		if len(p.Alliances) > 0 {
			if actor.Role == matcher.RoleUnit {
				return matcher.Errorf(matcher.EFORBIDDEN, "a unit does not add itself to alliances; ask the coordinator")
			}
			ref := newRefs(tx.Reader, actor)
			for i, al := range p.Alliances {
				ref.meeting(fieldIndex("alliances", i), al)
			}
			if err := ref.err(); err != nil {
				return err
			}
			u.Alliances = p.Alliances
		}
		if err := u.Validate(); err != nil {
			return err
		}
		if err := tx.PutUnit(u); err != nil {
			return err
		}
		got, err := tx.Unit(id)
		out = *got
		return err
	})
	return out, unchanged(err)
}

// DeleteUnit removes a unit that has no items and projects left and leads
// no alliance; it leaves the alliances it was a member of. Coordinators
// and admins only.
func (s *Service) DeleteUnit(ctx context.Context, actor matcher.Actor, id string) error {
	sn := s.Store.Snapshot()
	_, err := s.Store.Update(ctx, actor.String(), "unit.delete", alliancesOfUnits(sn.Reader, id), func(tx *store.Tx) error {
		if tx.UnitRaw(id) == nil || !matcher.CanReadUnit(tx.Reader, actor, id) {
			return notFound("unit", id)
		}
		if actor.Role == matcher.RoleUnit || !matcher.CanWriteUnit(tx.Reader, actor, id) {
			return matcher.Errorf(matcher.EFORBIDDEN, "only a coordinator over unit %s or an admin may delete it", id)
		}
		for range tx.ItemsOf(id) {
			return matcher.Errorf(matcher.ECONFLICT, "unit %s still has items; delete or close them first", id)
		}
		for range tx.ProjectsOf(id) {
			return matcher.Errorf(matcher.ECONFLICT, "unit %s still has projects; delete them first", id)
		}
		var leave []matcher.Alliance
		for al := range tx.AlliancesOf(id) {
			if al.Lead == id {
				return matcher.Errorf(matcher.ECONFLICT, "unit %s leads alliance %s; name another lead first", id, al.ID)
			}
			leave = append(leave, *al)
		}
		for _, al := range leave {
			al.Members = slices.DeleteFunc(slices.Clone(al.Members), func(m string) bool { return m == id })
			if err := tx.PutAlliance(al); err != nil {
				return err
			}
		}
		return tx.Delete(index.TableUnits, id)
	})
	return err
}

// CreateItem adds an item to unit's demand or resource list.
func (s *Service) CreateItem(ctx context.Context, actor matcher.Actor, unit string, it matcher.Item) (matcher.Item, error) {
	if it.Unit == "" {
		it.Unit = unit
	}
	if it.Unit != unit {
		return it, matcher.FieldError("unit", "the item is posted to unit %s but names unit %s", unit, it.Unit)
	}
	it.SetDefaults()
	if err := it.Validate(); err != nil {
		return it, err
	}
	var out matcher.Item
	_, err := s.Store.Update(ctx, actor.String(), "item.create", alliancesOfUnits(s.Store.Snapshot().Reader, unit), func(tx *store.Tx) error {
		if err := listsToChange(tx, actor, unit); err != nil {
			return err
		}
		if _, err := tx.Item(it.ID); err == nil {
			return exists("item", it.ID)
		}
		if err := normaliseCategory(tx, &it); err != nil {
			return err
		}
		ref := newRefs(tx.Reader, actor)
		ref.slot("project", it.Project, unit)
		if err := ref.err(); err != nil {
			return err
		}
		if err := tx.PutItem(it); err != nil {
			return err
		}
		got, err := tx.Item(it.ID)
		out = *got
		return err
	})
	return out, err
}

func normaliseCategory(tx *store.Tx, it *matcher.Item) error {
	id, ok := tx.Vocabulary().Lookup(it.Category)
	if !ok {
		return matcher.FieldError("category", "unknown category %q", it.Category)
	}
	it.Category = id
	return nil
}

// ItemPatch is a change to an item: only the fields given change. The
// unit, kind and level are not changed this way (levels move by
// escalation).
type ItemPatch struct {
	Category    *string             `json:"category,omitempty"`
	Title       *string             `json:"title,omitempty"`
	Description *string             `json:"description,omitempty"`
	Tags        *[]string           `json:"tags,omitempty"`
	Quantity    *int64              `json:"quantity,omitempty"`
	Measure     *string             `json:"measure,omitempty"`
	Windows     *[]matcher.Window   `json:"windows,omitempty"`
	Location    *matcher.GeoPoint   `json:"location,omitempty"`
	RadiusKM    *float64            `json:"radius_km,omitempty"`
	Priority    *int                `json:"priority,omitempty"`
	Status      *matcher.ItemStatus `json:"status,omitempty"`
	Project     *string             `json:"project,omitempty"`
	Optional    *bool               `json:"optional,omitempty"`
}

// Apply returns it with the patch's fields set (copies, never shared with
// the patch).
func (p ItemPatch) Apply(it matcher.Item) matcher.Item {
	set(&it.Category, p.Category)
	set(&it.Title, p.Title)
	set(&it.Description, p.Description)
	set(&it.Measure, p.Measure)
	set(&it.Project, p.Project)
	setSlice(&it.Tags, p.Tags)
	set(&it.Quantity, p.Quantity)
	setSlice(&it.Windows, p.Windows)
	setPointer(&it.Location, p.Location)
	set(&it.RadiusKM, p.RadiusKM)
	set(&it.Priority, p.Priority)
	set(&it.Status, p.Status)
	set(&it.Optional, p.Optional)
	return it
}

// PatchItem changes an item's fields. Quantity may not drop below what
// claims hold (the store refuses an over-claimed item).
func (s *Service) PatchItem(ctx context.Context, actor matcher.Actor, id string, p ItemPatch) (matcher.Item, error) {
	var out matcher.Item
	_, err := s.Store.Update(ctx, actor.String(), "item.update", alliancesOfItem(s.Store.Snapshot().Reader, id), func(tx *store.Tx) error {
		cur, err := itemToChange(tx, actor, id)
		if err != nil {
			return err
		}
		it := p.Apply(*cur)
		if err := normaliseCategory(tx, &it); err != nil {
			return err
		}
		if it.Project != cur.Project {
			ref := newRefs(tx.Reader, actor)
			ref.slot("project", it.Project, it.Unit)
			if err := ref.err(); err != nil {
				return err
			}
		}
		if err := it.Validate(); err != nil {
			return err
		}
		if err := tx.PutItem(it); err != nil {
			return err
		}
		got, err := tx.Item(id)
		out = *got
		return err
	})
	return out, unchanged(err)
}

// DeleteItem removes an item no claim refers to; an item with claims is
// closed instead (PATCH status closed), so that its history stays.
func (s *Service) DeleteItem(ctx context.Context, actor matcher.Actor, id string) error {
	_, err := s.Store.Update(ctx, actor.String(), "item.delete", alliancesOfItem(s.Store.Snapshot().Reader, id), func(tx *store.Tx) error {
		cur, err := itemToChange(tx, actor, id)
		if err != nil {
			return err
		}
		for c := range tx.ClaimsOnItem(cur) {
			return matcher.Errorf(matcher.ECONFLICT, "item %s has claims (%s); close it instead (status closed)", id, c.ID)
		}
		return tx.Delete(index.TableItems, id)
	})
	return err
}

// CreateProject adds a project to unit's project list.
func (s *Service) CreateProject(ctx context.Context, actor matcher.Actor, unit string, pr matcher.Project) (matcher.Project, error) {
	if pr.Unit == "" {
		pr.Unit = unit
	}
	if pr.Unit != unit {
		return pr, matcher.FieldError("unit", "the project is posted to unit %s but names unit %s", unit, pr.Unit)
	}
	pr.SetDefaults()
	if err := pr.Validate(); err != nil {
		return pr, err
	}
	var out matcher.Project
	_, err := s.Store.Update(ctx, actor.String(), "project.create", alliancesOfUnits(s.Store.Snapshot().Reader, unit), func(tx *store.Tx) error {
		if err := listsToChange(tx, actor, unit); err != nil {
			return err
		}
		if _, err := tx.Project(pr.ID); err == nil {
			return exists("project", pr.ID)
		}
		if err := tx.PutProject(pr); err != nil {
			return err
		}
		got, err := tx.Project(pr.ID)
		out = *got
		return err
	})
	return out, err
}

// ProjectPatch is a change to a project: only the fields given change.
type ProjectPatch struct {
	Name        *string                `json:"name,omitempty"`
	Description *string                `json:"description,omitempty"`
	Status      *matcher.ProjectStatus `json:"status,omitempty"`
}

// PatchProject changes a project's fields.
func (s *Service) PatchProject(ctx context.Context, actor matcher.Actor, id string, p ProjectPatch) (matcher.Project, error) {
	var out matcher.Project
	_, err := s.Store.Update(ctx, actor.String(), "project.update", alliancesOfProject(s.Store.Snapshot().Reader, id), func(tx *store.Tx) error {
		cur, err := projectToChange(tx, actor, id)
		if err != nil {
			return err
		}
		pr := *cur
		set(&pr.Name, p.Name)
		set(&pr.Description, p.Description)
		set(&pr.Status, p.Status)
		if err := pr.Validate(); err != nil {
			return err
		}
		if err := tx.PutProject(pr); err != nil {
			return err
		}
		got, err := tx.Project(id)
		out = *got
		return err
	})
	return out, unchanged(err)
}

// DeleteProject removes a project without slots.
func (s *Service) DeleteProject(ctx context.Context, actor matcher.Actor, id string) error {
	_, err := s.Store.Update(ctx, actor.String(), "project.delete", alliancesOfProject(s.Store.Snapshot().Reader, id), func(tx *store.Tx) error {
		if _, err := projectToChange(tx, actor, id); err != nil {
			return err
		}
		for slot := range tx.Slots(id) {
			return matcher.Errorf(matcher.ECONFLICT, "project %s still has slots (%s); delete them first", id, slot.ID)
		}
		return tx.Delete(index.TableProjects, id)
	})
	return err
}

// Import stores a bundle, all or nothing (admins only).
func (s *Service) Import(ctx context.Context, actor matcher.Actor, b *bundle.Bundle) (matcher.Event, error) {
	if !actor.Privileged() {
		return matcher.Event{}, matcher.Errorf(matcher.EFORBIDDEN, "only an admin may import a bundle")
	}
	return s.Store.Import(ctx, b, actor.String())
}

func fieldIndex(name string, i int) string { return name + "[" + strconv.Itoa(i) + "]" }

// listsToChange checks that actor may add to unit's lists: ENOTFOUND when
// there is no such unit or actor may not see it, EFORBIDDEN when actor may
// see it but not change its lists.
func listsToChange(tx *store.Tx, actor matcher.Actor, unit string) error {
	if tx.UnitRaw(unit) == nil || !matcher.CanReadUnit(tx.Reader, actor, unit) {
		return notFound("unit", unit)
	}
	return mayChangeLists(tx.Reader, actor, unit)
}

// mayChangeLists is EFORBIDDEN unless actor may change the lists (items
// and projects) of unit.
func mayChangeLists(r index.Reader, actor matcher.Actor, unit string) error {
	if !matcher.CanWriteUnit(r, actor, unit) {
		return matcher.Errorf(matcher.EFORBIDDEN, "%s may not change the lists of unit %s", actor, unit)
	}
	return nil
}

// itemToChange returns item id for actor to change or delete: ENOTFOUND
// when there is none or actor may not see it, EFORBIDDEN when actor may
// not change its unit's lists.
func itemToChange(tx *store.Tx, actor matcher.Actor, id string) (*matcher.Item, error) {
	cur, err := tx.Item(id)
	if err != nil || !matcher.CanSeeItem(tx.Reader, actor, cur) {
		return nil, notFound("item", id)
	}
	return cur, mayChangeLists(tx.Reader, actor, cur.Unit)
}

// projectToChange returns project id for actor to change or delete:
// ENOTFOUND when there is none or actor may not see its unit, EFORBIDDEN
// when actor may not change its unit's projects.
func projectToChange(tx *store.Tx, actor matcher.Actor, id string) (*matcher.Project, error) {
	cur, err := tx.Project(id)
	if err != nil || !matcher.CanReadUnit(tx.Reader, actor, cur.Unit) {
		return nil, notFound("project", id)
	}
	if !matcher.CanWriteUnit(tx.Reader, actor, cur.Unit) {
		return nil, matcher.Errorf(matcher.EFORBIDDEN, "%s may not change the projects of unit %s", actor, cur.Unit)
	}
	return cur, nil
}

// alliancesOfItem returns the alliances of item id's unit in r (none when
// there is no such item): the meetings a write of it touches.
func alliancesOfItem(r index.Reader, id string) []string {
	if it, err := r.Item(id); err == nil {
		return alliancesOfUnits(r, it.Unit)
	}
	return nil
}

// alliancesOfProject is alliancesOfItem for a project.
func alliancesOfProject(r index.Reader, id string) []string {
	if pr, err := r.Project(id); err == nil {
		return alliancesOfUnits(r, pr.Unit)
	}
	return nil
}
