// Package matcher holds allymatch's domain: the alliances, units, items,
// projects and claims of a district's "1+X" alliances, their validation and
// the claim lifecycle. Sub-packages hold the index (index), durable storage
// (store), the data formats (bundle), the solvers (flow) and the matching
// pipeline.
//
// Objects are values: once stored they are never changed in place. A change
// is a copy with the new fields, written through the store.
package matcher

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	jsonv2 "github.com/go-json-experiment/json"
)

// Level is the level of a joint meeting (联席会) and of the alliance that
// holds it.
type Level string

// The three levels, lowest first.
const (
	Community Level = "community" // 社区/村
	Street    Level = "street"    // 街道/镇
	District  Level = "district"  // 区
)

// Levels lists the levels from lowest to highest.
var Levels = []Level{Community, Street, District}

// Rank is 0 for community, 1 for street, 2 for district and -1 for an
// unknown level.
func (l Level) Rank() int { return slices.Index(Levels, l) }

// Valid reports whether l is one of the three levels.
func (l Level) Valid() bool { return l.Rank() >= 0 }

// Up returns the next level up and false at the district level.
func (l Level) Up() (Level, bool) {
	r := l.Rank()
	if r < 0 || r+1 >= len(Levels) {
		return "", false
	}
	return Levels[r+1], true
}

// NameZH is the level's Chinese name.
func (l Level) NameZH() string {
	switch l {
	case Community:
		return "社区"
	case Street:
		return "街道"
	case District:
		return "区"
	}
	return string(l)
}

// MaxTextLen bounds names, titles and descriptions (in runes).
const (
	MaxNameLen = 200
	MaxTextLen = 4000
	MaxTags    = 32
	MaxListLen = 10000 // members of an alliance, windows of an item, ...
)

// ValidID reports whether s can be an id: 1 to 128 ASCII letters, digits
// and ._:- , starting with a letter or digit. Ids appear in URLs and file
// names, so they stay ASCII; names may be Chinese.
func ValidID(s string) bool {
	if len(s) == 0 || len(s) > 128 || !isAlnum(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !isAlnum(c) && c != '.' && c != '_' && c != ':' && c != '-' {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// validWord reports whether s is a lower-case word of 1 to 32 of a-z, 0-9
// and _, starting with a letter (unit kinds and category ids).
func validWord(s string) bool {
	if len(s) == 0 || len(s) > 32 || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

func checkID(p *Problems, field, id string) {
	if id == "" {
		p.Add(field, "is required")
	} else if !ValidID(id) {
		p.Add(field, "%q is not a valid id (1-128 of A-Z a-z 0-9 . _ : -)", id)
	}
}

func checkRef(p *Problems, field, id string) {
	if id != "" && !ValidID(id) {
		p.Add(field, "%q is not a valid id (1-128 of A-Z a-z 0-9 . _ : -)", id)
	}
}

// Text is the rule of one kind of text field: at most Max characters
// (runes), not blank when Required, and several lines only when Multiline.
// Every text of a record or a request is checked by one of the rules below
// (Text.Check, or checkText in this package), so that what is refused is
// decided in one place.
//
// A text is refused when it is not valid UTF-8 or holds a character that a
// reader does not see or that changes what the reader sees:
//   - NUL and the other C0 controls (U+0000–U+001F), DEL and the C1
//     controls (U+007F–U+009F); a multi-line text may hold tab, LF and CR;
//   - the bidirectional embeddings, overrides and isolates (U+202A–U+202E,
//     U+2066–U+2069) and the direction marks U+200E, U+200F and U+061C:
//     they make text display in another order than it is stored ("Trojan
//     Source"), and Chinese and English text needs none of them;
//   - the line and paragraph separators U+2028 and U+2029 (a multi-line
//     text uses line breaks);
//   - U+FEFF (a byte-order mark) anywhere inside the text;
//   - U+FFFD, the replacement character that decoders put where bytes were
//     not text: the text was damaged before it came here.
type Text struct {
	Max       int  // characters (runes)
	Required  bool // blank (white space only) is refused
	Multiline bool // tab, LF and CR are allowed
}

// The text rules of the domain's fields.
var (
	NameText    = Text{Max: MaxNameLen, Required: true}  // names of grids, alliances, units, projects; item titles
	DescText    = Text{Max: MaxTextLen, Multiline: true} // descriptions
	ReasonText  = Text{Max: MaxTextLen, Multiline: true} // a claim's reason (rejected, withdrawn)
	MeasureText = Text{Max: 32}                          // an item's unit of measure
	TagText     = Text{Max: 64, Required: true}          // one tag
	LabelText   = Text{Max: 64, Required: true}          // category names, score term names
	BundleName  = Text{Max: MaxNameLen}                  // a bundle's name
)

// Check returns the problem of s as field under rule t, or nil: an
// EINVALID *Error naming field.
func (t Text) Check(field, s string) error {
	var p Problems
	checkText(&p, field, s, t)
	return p.Err()
}

func checkText(p *Problems, field, s string, t Text) {
	if t.Required && strings.TrimSpace(s) == "" {
		p.Add(field, "is required")
		return
	}
	n, bad := scanText(s, t.Multiline)
	switch {
	case bad != nil:
		p.AddErr(field, bad)
	case n > t.Max:
		p.Add(field, "is longer than %d characters", t.Max)
	}
}

// scanText returns the number of characters of s and what makes s
// unacceptable as text (nil when nothing does); see Text.
func scanText(s string, multiline bool) (int, *Error) {
	if !utf8.ValidString(s) {
		return 0, NewError(EINVALID, "", "is not valid UTF-8")
	}
	n := 0
	for _, r := range s {
		n++
		switch {
		case r >= 0x20 && r < 0x7f:
			// Printable ASCII: the common case.
		case r == '\t' || r == '\n' || r == '\r':
			if !multiline {
				return n, NewError(EINVALID, "", "holds a tab or line break (%U) at character %d; this text is one line", r, n)
			}
		case r == 0:
			return n, NewError(EINVALID, "", "holds a NUL character (U+0000) at character %d", n)
		case r < 0x20 || r >= 0x7f && r < 0xa0:
			return n, NewError(EINVALID, "", "holds the control character %U at character %d", r, n)
		case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c:
			return n, NewError(EINVALID, "", "holds the invisible bidirectional control %U at character %d (it makes text display in another order than it is stored)", r, n)
		case r == 0x2028 || r == 0x2029:
			return n, NewError(EINVALID, "", "holds the line or paragraph separator %U at character %d", r, n)
		case r == 0xfeff:
			return n, NewError(EINVALID, "", "holds a byte-order mark (U+FEFF) at character %d", n)
		case r == utf8.RuneError:
			return n, NewError(EINVALID, "", "holds the replacement character U+FFFD at character %d: the text was damaged by a conversion before it was sent", n)
		}
	}
	return n, nil
}

// GeoPoint is a WGS-84 coordinate in degrees.
type GeoPoint struct {
	Lat float64 `json:"lat"`
	Lon float64 `json:"lon"`
}

// UnmarshalJSON reads a coordinate that gives both lat and lon: one left
// out would read as 0°, a point in the Gulf of Guinea that Validate
// cannot tell from a real one. Its errors name lat, lon or an unknown key.
//
// A well-formed point (names as written here, once each, valid UTF-8) is
// read with json/v2, several times faster (every unit and item has one,
// decoded at each start); anything else by encoding/json, whose reading
// and errors are the ones kept.
func (g *GeoPoint) UnmarshalJSON(data []byte) error {
	var raw struct {
		Lat *float64 `json:"lat"`
		Lon *float64 `json:"lon"`
	}
	if jsonv2.Unmarshal(data, &raw, jsonv2.RejectUnknownMembers(true)) != nil {
		raw.Lat, raw.Lon = nil, nil
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&raw); err != nil {
			var typ *json.UnmarshalTypeError
			if errors.As(err, &typ) && typ.Field != "" {
				return FieldError(typ.Field, "must be a number, got %s", typ.Value)
			}
			if f, ok := strings.CutPrefix(err.Error(), `json: unknown field "`); ok {
				f = strings.TrimSuffix(f, `"`)
				return FieldError(f, "unknown field %q", f)
			}
			return err
		}
	}
	var p Problems
	if raw.Lat == nil {
		p.Add("lat", "is required")
	}
	if raw.Lon == nil {
		p.Add("lon", "is required")
	}
	if err := p.Err(); err != nil {
		return err
	}
	g.Lat, g.Lon = *raw.Lat, *raw.Lon
	return nil
}

// Validate checks that p is a real coordinate.
func (g GeoPoint) Validate() error {
	var p Problems
	if math.IsNaN(g.Lat) || g.Lat < -90 || g.Lat > 90 {
		p.Add("lat", "must be between -90 and 90, got %v", g.Lat)
	}
	if math.IsNaN(g.Lon) || g.Lon < -180 || g.Lon > 180 {
		p.Add("lon", "must be between -180 and 180, got %v", g.Lon)
	}
	return p.Err()
}

// Grid is a red grid (红色网格): a small neighbourhood cell. Units without
// coordinates are matched by grid: same grid or a neighbouring one.
type Grid struct {
	ID         string    `json:"id"`
	Name       string    `json:"name"`
	Alliance   string    `json:"alliance,omitempty"`   // the community alliance it belongs to
	Centre     *GeoPoint `json:"centre,omitempty"`     // optional
	Neighbours []string  `json:"neighbours,omitempty"` // ids of adjacent grids
	Rev        uint64    `json:"rev,omitempty"`        // store index of the last change; set by the store
}

// Validate checks g's fields on their own (references are checked by the
// store against the index).
func (g *Grid) Validate() error {
	var p Problems
	checkID(&p, "id", g.ID)
	checkText(&p, "name", g.Name, NameText)
	checkRef(&p, "alliance", g.Alliance)
	if g.Centre != nil {
		p.AddErr("centre", g.Centre.Validate())
	}
	if len(g.Neighbours) > MaxListLen {
		p.Add("neighbours", "has more than %d entries", MaxListLen)
	}
	for i, n := range g.Neighbours {
		checkID(&p, fieldIndex("neighbours", i), n)
		if n == g.ID {
			p.Add(fieldIndex("neighbours", i), "a grid is not its own neighbour")
		}
	}
	return p.Err()
}

// Alliance is a 1+X alliance: one lead unit and X member units, holding a
// joint meeting at its level. Street and district alliances are the joint
// meetings above the alliances whose Parent they are.
type Alliance struct {
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	Level   Level    `json:"level"`
	Lead    string   `json:"lead,omitempty"`    // the lead unit ("1"), a member too
	Members []string `json:"members,omitempty"` // member unit ids ("X"), lead excluded
	Parent  string   `json:"parent,omitempty"`  // the alliance (meeting) one level up
	Rev     uint64   `json:"rev,omitempty"`
	Born    uint64   `json:"born,omitempty"` // store index of its creation; set by the store (see Unit.Born)
}

// Validate checks a's own fields.
func (a *Alliance) Validate() error {
	var p Problems
	checkID(&p, "id", a.ID)
	checkText(&p, "name", a.Name, NameText)
	if !a.Level.Valid() {
		p.Add("level", "must be community, street or district, got %q", a.Level)
	}
	checkRef(&p, "lead", a.Lead)
	checkRef(&p, "parent", a.Parent)
	if a.Parent == a.ID && a.ID != "" {
		p.Add("parent", "an alliance is not its own parent")
	}
	if a.Level == District && a.Parent != "" {
		p.Add("parent", "a district alliance has no parent")
	}
	if len(a.Members) > MaxListLen {
		p.Add("members", "has more than %d entries", MaxListLen)
	}
	seen := make(map[string]bool, len(a.Members))
	for i, m := range a.Members {
		checkID(&p, fieldIndex("members", i), m)
		if seen[m] {
			p.Add(fieldIndex("members", i), "unit %q is listed twice", m)
		}
		if m == a.Lead {
			p.Add(fieldIndex("members", i), "unit %q is the lead; list it only as lead", m)
		}
		seen[m] = true
	}
	return p.Err()
}

// AllUnits returns the lead followed by the members.
func (a *Alliance) AllUnits() []string {
	if a.Lead == "" {
		return a.Members
	}
	return append([]string{a.Lead}, a.Members...)
}

// UnitKind is what kind of organisation a unit is. The list is open: data
// may use other kinds; these are the ones the article names.
type UnitKind string

// MaxKindLen bounds a unit kind written in Chinese (characters).
const MaxKindLen = 16

// Valid reports whether k is a unit kind: a lower-case English word
// (agency, school, ...), or a word of letters in another script (学校,
// 餐饮, 物业): the kinds grow with the data, as categories do.
func (k UnitKind) Valid() bool {
	if validWord(string(k)) {
		return true
	}
	n := 0
	for _, r := range string(k) {
		n++
		if r < utf8.RuneSelf || !unicode.IsLetter(r) {
			return false
		}
	}
	return n > 0 && n <= MaxKindLen && utf8.ValidString(string(k))
}

// Common unit kinds.
const (
	KindAgency     UnitKind = "agency"     // 机关
	KindSchool     UnitKind = "school"     // 学校
	KindEnterprise UnitKind = "enterprise" // 企业
	KindBank       UnitKind = "bank"       // 银行/金融机构
	KindShop       UnitKind = "shop"       // 商铺/餐馆
	KindNGO        UnitKind = "ngo"        // 社会组织
	KindMilitary   UnitKind = "military"   // 驻区部队
	KindCommunity  UnitKind = "community"  // 社区党委
	KindVillage    UnitKind = "village"    // 村党组织
	KindHospital   UnitKind = "hospital"   // 医院/卫生院
	KindMass       UnitKind = "mass"       // 群团组织
)

// Unit is a member unit (成员单位) of one or more alliances.
type Unit struct {
	ID       string    `json:"id"`
	Name     string    `json:"name"`
	Kind     UnitKind  `json:"kind"`
	PartyOrg bool      `json:"party_org"`          // has its own party organisation
	Grid     string    `json:"grid,omitempty"`     // red grid id
	Location *GeoPoint `json:"location,omitempty"` // nil when unknown
	// Alliances is derived, not stored: the alliances' lead and members are
	// the one record of membership. Reads fill it; on input (a bundle, a
	// new unit) it adds the unit to those alliances.
	Alliances []string `json:"alliances,omitempty"`
	Rev       uint64   `json:"rev,omitempty"`
	// Born is the store index at which the unit was created, set by the
	// store and kept by every later change: a unit deleted and created
	// again under the same id is born anew, so that a login made for the
	// first one (which names its subject by id and Born) does not act
	// as the second.
	Born uint64 `json:"born,omitempty"`
}

// Validate checks u's own fields.
func (u *Unit) Validate() error {
	var p Problems
	checkID(&p, "id", u.ID)
	checkText(&p, "name", u.Name, NameText)
	if !u.Kind.Valid() {
		p.Add("kind", "must be a unit kind: a lower-case word such as agency, school, shop or a word such as 学校, 餐饮, 物业 (up to %d characters); got %q", MaxKindLen, u.Kind)
	}
	checkRef(&p, "grid", u.Grid)
	if u.Location != nil {
		p.AddErr("location", u.Location.Validate())
	}
	if u.Location == nil && u.Grid == "" {
		p.Add("location", "a unit needs a location or a red grid")
	}
	seen := map[string]bool{}
	for i, a := range u.Alliances {
		checkID(&p, fieldIndex("alliances", i), a)
		if seen[a] {
			p.Add(fieldIndex("alliances", i), "alliance %q is listed twice", a)
		}
		seen[a] = true
	}
	return p.Err()
}

// ItemKind says which list an item is on.
type ItemKind string

// Item kinds.
const (
	Demand   ItemKind = "demand"   // 需求清单
	Resource ItemKind = "resource" // 资源清单
)

// ItemStatus is where an item stands.
type ItemStatus string

// Item statuses. Only open items are matched.
const (
	ItemOpen   ItemStatus = "open"   // on the list, to be matched
	ItemPaused ItemStatus = "paused" // kept, but not matched for now
	ItemClosed ItemStatus = "closed" // done or withdrawn by its unit
)

// Window is a time window [From, To). A zero To means open-ended.
type Window struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to,omitzero"`
}

// Overlap returns how long w and o overlap; open ends count as far future.
func (w Window) Overlap(o Window) time.Duration {
	from := w.From
	if o.From.After(from) {
		from = o.From
	}
	to := w.To
	if to.IsZero() || (!o.To.IsZero() && o.To.Before(to)) {
		to = o.To
	}
	if to.IsZero() {
		return math.MaxInt64
	}
	if !to.After(from) {
		return 0
	}
	return to.Sub(from)
}

// MinYear and MaxYear bound every time of the domain (windows, claims'
// times): from 2000-01-01 to 2100-12-31, as dates in the time's own zone.
// A window's end is exclusive, so one that ends with 2100-12-31 ends at
// 2101-01-01 00:00.
const (
	MinYear = 2000
	MaxYear = 2100
)

// checkTime records a problem when t is outside MinYear..MaxYear; end says
// that t is an exclusive end.
func checkTime(p *Problems, field string, t time.Time, end bool) {
	last := t
	if end {
		last = t.Add(-time.Nanosecond)
	}
	if y := last.Year(); y < MinYear || y > MaxYear {
		p.Add(field, "must be between %d-01-01 and %d-12-31, got %s", MinYear, MaxYear, t.Format(time.RFC3339))
	}
}

// MaxQuantity bounds an item's quantity so that score × quantity sums stay
// far inside int64.
const MaxQuantity = 1_000_000_000

// MaxPriority is the highest priority; 1 is the lowest.
const MaxPriority = 5

// Item is one line of a unit's demand or resource list; a project's slot is
// a demand item whose Project is set.
type Item struct {
	ID          string     `json:"id"`
	Unit        string     `json:"unit"`
	Kind        ItemKind   `json:"kind"`
	Category    string     `json:"category"`
	Title       string     `json:"title"`
	Description string     `json:"description,omitempty"`
	Tags        []string   `json:"tags,omitempty"`
	Quantity    int64      `json:"quantity"`
	Measure     string     `json:"measure,omitempty"`  // unit of measure: 人次, 小时, 元, 个, ...
	Windows     []Window   `json:"windows,omitempty"`  // empty: any time
	Location    *GeoPoint  `json:"location,omitempty"` // nil: the unit's
	RadiusKM    float64    `json:"radius_km"`          // 0: same or neighbouring grid only
	Priority    int        `json:"priority"`           // 1 (low) .. 5 (urgent)
	Status      ItemStatus `json:"status"`
	Level       Level      `json:"level"`              // the meeting level it sits at now
	Project     string     `json:"project,omitempty"`  // set for a project slot (demands only)
	Optional    bool       `json:"optional,omitempty"` // a project slot the project can launch without
	Rev         uint64     `json:"rev,omitempty"`
}

// MaxRadiusKM bounds an item's radius.
const MaxRadiusKM = 500

// Validate checks the item's own fields. Categories are checked against the
// vocabulary by the caller that has it (see Vocabulary.Check).
func (it *Item) Validate() error {
	var p Problems
	checkID(&p, "id", it.ID)
	checkID(&p, "unit", it.Unit)
	if it.Kind != Demand && it.Kind != Resource {
		p.Add("kind", "must be demand or resource, got %q", it.Kind)
	}
	if it.Category == "" {
		p.Add("category", "is required")
	}
	checkText(&p, "title", it.Title, NameText)
	checkText(&p, "description", it.Description, DescText)
	checkText(&p, "measure", it.Measure, MeasureText)
	if len(it.Tags) > MaxTags {
		p.Add("tags", "has more than %d tags", MaxTags)
	}
	for i, t := range it.Tags {
		checkText(&p, fieldIndex("tags", i), t, TagText)
	}
	if it.Quantity < 1 || it.Quantity > MaxQuantity {
		p.Add("quantity", "must be between 1 and %d, got %d", MaxQuantity, it.Quantity)
	}
	if len(it.Windows) > 366 {
		p.Add("windows", "has more than 366 windows")
	}
	for i, w := range it.Windows {
		f := fieldIndex("windows", i)
		if w.From.IsZero() {
			p.Add(f+".from", "is required")
		} else {
			checkTime(&p, f+".from", w.From, false)
		}
		if !w.To.IsZero() {
			if !w.To.After(w.From) {
				p.Add(f+".to", "must be after from")
			} else {
				checkTime(&p, f+".to", w.To, true)
			}
		}
	}
	if it.Location != nil {
		p.AddErr("location", it.Location.Validate())
	}
	if math.IsNaN(it.RadiusKM) || it.RadiusKM < 0 || it.RadiusKM > MaxRadiusKM {
		p.Add("radius_km", "must be between 0 and %d, got %v", MaxRadiusKM, it.RadiusKM)
	}
	if it.Priority < 1 || it.Priority > MaxPriority {
		p.Add("priority", "must be between 1 and %d, got %d", MaxPriority, it.Priority)
	}
	switch it.Status {
	case ItemOpen, ItemPaused, ItemClosed:
	default:
		p.Add("status", "must be open, paused or closed, got %q", it.Status)
	}
	if !it.Level.Valid() {
		p.Add("level", "must be community, street or district, got %q", it.Level)
	}
	checkRef(&p, "project", it.Project)
	if it.Project != "" && it.Kind != Demand {
		p.Add("project", "only a demand can be a project slot")
	}
	if it.Optional && it.Project == "" {
		p.Add("optional", "only a project slot can be optional")
	}
	return p.Err()
}

// ProjectStatus is where a project stands.
type ProjectStatus string

// Project statuses.
const (
	ProjectPlanned ProjectStatus = "planned" // gathering its slots
	ProjectRunning ProjectStatus = "running" // launched
	ProjectDone    ProjectStatus = "done"
	ProjectDropped ProjectStatus = "dropped"
)

// ProjectStatuses lists the project statuses in the order a project goes
// through them.
var ProjectStatuses = []ProjectStatus{ProjectPlanned, ProjectRunning, ProjectDone, ProjectDropped}

// Valid reports whether s is a known status.
func (s ProjectStatus) Valid() bool { return slices.Contains(ProjectStatuses, s) }

// Project is an entry of a unit's project list (项目清单), e.g. a 4:30
// after-school class. Its slots are the demand items whose Project is its id;
// it is launchable when every required slot is filled.
type Project struct {
	ID          string        `json:"id"`
	Unit        string        `json:"unit"`
	Name        string        `json:"name"`
	Description string        `json:"description,omitempty"`
	Status      ProjectStatus `json:"status"`
	Rev         uint64        `json:"rev,omitempty"`
}

// Validate checks p's own fields.
func (pr *Project) Validate() error {
	var p Problems
	checkID(&p, "id", pr.ID)
	checkID(&p, "unit", pr.Unit)
	checkText(&p, "name", pr.Name, NameText)
	checkText(&p, "description", pr.Description, DescText)
	if !pr.Status.Valid() {
		p.Add("status", "must be planned, running, done or dropped, got %q", pr.Status)
	}
	return p.Err()
}

func fieldIndex(name string, i int) string {
	return name + "[" + strconv.Itoa(i) + "]"
}

// DefaultPriority is an item's priority when its list gives none.
const DefaultPriority = 3

// SetDefaults fills the fields a list may leave empty: status open, priority
// 3, level community.
func (it *Item) SetDefaults() {
	if it.Status == "" {
		it.Status = ItemOpen
	}
	if it.Priority == 0 {
		it.Priority = DefaultPriority
	}
	if it.Level == "" {
		it.Level = Community
	}
}

// SetDefaults fills a project's status (planned) when its list gives none.
func (pr *Project) SetDefaults() {
	if pr.Status == "" {
		pr.Status = ProjectPlanned
	}
}
