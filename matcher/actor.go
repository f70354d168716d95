package matcher

import "strings"

// Role is what a caller is.
type Role string

// Roles. A coordinator holds the joint meeting of one alliance and of every
// alliance below it; a unit acts for one member unit.
const (
	RoleAdmin       Role = "admin"
	RoleCoordinator Role = "coordinator"
	RoleUnit        Role = "unit"
	RoleSystem      Role = "system" // the binary itself: seeding, loading
)

// Actor is who asks for a change: a role and, for coordinators and units,
// the alliance or unit they act for.
type Actor struct {
	Role Role   `json:"role"`
	ID   string `json:"id,omitempty"` // alliance id (coordinator) or unit id (unit)
}

// Admin and System are the actors without an id.
var (
	Admin  = Actor{Role: RoleAdmin}
	System = Actor{Role: RoleSystem}
)

// UnitActor and Coordinator return the actors of a unit and of an
// alliance's coordinator.
func UnitActor(unit string) Actor       { return Actor{Role: RoleUnit, ID: unit} }
func Coordinator(alliance string) Actor { return Actor{Role: RoleCoordinator, ID: alliance} }

// String is the actor as the audit log writes it: "admin", "unit:ID",
// "coordinator:ID".
func (a Actor) String() string {
	if a.ID == "" {
		return string(a.Role)
	}
	return string(a.Role) + ":" + a.ID
}

// ParseActor reads an actor written by String.
func ParseActor(s string) (Actor, bool) {
	role, id, _ := strings.Cut(s, ":")
	a := Actor{Role: Role(role), ID: id}
	switch a.Role {
	case RoleAdmin, RoleSystem:
		return a, id == ""
	case RoleUnit, RoleCoordinator:
		return a, ValidID(id)
	}
	return Actor{}, false
}

// Privileged reports whether a may act on everything (admin or system).
func (a Actor) Privileged() bool { return a.Role == RoleAdmin || a.Role == RoleSystem }
