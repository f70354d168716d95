package matcher

import (
	"maps"
	"slices"
	"sort"
	"strings"
)

// Category is one entry of the controlled vocabulary of item categories.
// A resource of category C can meet a demand of category C and of every
// category C lists in Serves. A pair of the same category has the category
// strength MaxStrength; a Serves link is weaker (DefaultServeStrength
// unless Strength sets it for that link), and a pair across a link is a
// candidate only when its texts are alike (the relevance rule of the
// matcher).
//
// Measures of the items of a pair must be of one family (see
// MeasureFamilies) unless a Conversions entry of the resource's category
// lets its family meet the demand's.
type Category struct {
	ID     string   `json:"id"`
	NameZH string   `json:"name_zh"`
	NameEN string   `json:"name_en"`
	Serves []string `json:"serves,omitempty"` // other demand categories this resource category meets
	// Strength is the category strength of some Serves links, by demand
	// category (1..MaxStrength-1); a link not listed has
	// DefaultServeStrength.
	Strength map[string]int `json:"strength,omitempty"`
	// Conversions let a resource of this category whose measure is of
	// family From meet a demand whose measure is of family To (quantities
	// are taken as they are: one unit meets one unit).
	Conversions []Conversion `json:"conversions,omitempty"`
}

// Conversion lets a resource measure family meet a demand measure family.
type Conversion struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// Category strengths: a pair of the same category has MaxStrength, a
// Serves link DefaultServeStrength unless the category sets its own.
const (
	MaxStrength          = 1000
	DefaultServeStrength = 500
)

// Validate checks c's own fields.
func (c *Category) Validate() error {
	var p Problems
	if !validWord(c.ID) {
		p.Add("id", "must be a lower-case word (a-z, 0-9, _), got %q", c.ID)
	}
	checkText(&p, "name_zh", c.NameZH, LabelText)
	checkText(&p, "name_en", c.NameEN, LabelText)
	for i, s := range c.Serves {
		if !validWord(s) {
			p.Add(fieldIndex("serves", i), "must be a category id, got %q", s)
		}
	}
	for dem, v := range c.Strength {
		if !slices.Contains(c.Serves, dem) || dem == c.ID {
			p.Add("strength."+dem, "%q is not a category this one serves", dem)
		} else if v < 1 || v >= MaxStrength {
			p.Add("strength."+dem, "must be between 1 and %d, got %d", MaxStrength-1, v)
		}
	}
	for i, cv := range c.Conversions {
		f := fieldIndex("conversions", i)
		if !slices.Contains(MeasureFamilyNames, cv.From) {
			p.Add(f+".from", "must be a measure family (%s), got %q", strings.Join(MeasureFamilyNames, ", "), cv.From)
		}
		if !slices.Contains(MeasureFamilyNames, cv.To) {
			p.Add(f+".to", "must be a measure family (%s), got %q", strings.Join(MeasureFamilyNames, ", "), cv.To)
		}
		if cv.From == cv.To {
			p.Add(f, "converts %q to itself", cv.From)
		}
	}
	return p.Err()
}

// The measure families. Items whose measures are of different families
// (hours and portions, say) cannot meet each other unless the resource's
// category declares a Conversion; a measure of no family (车次, 笔, 户, ...)
// meets any.
const (
	FamilyPeople   = "people"   // people-times: 人次, 人, 名, 人/晚 ...
	FamilySessions = "sessions" // sessions and visits: 场, 次, 场次, 期, 堂, 节, 课
	FamilyHours    = "hours"    // 小时, 课时, 学时
	FamilyGoods    = "goods"    // portions and goods: 份, 个, 件, 斤, 碗, 套, 袋, 箱 ...
	FamilyMoney    = "money"    // 元, 万元
	FamilyPlaces   = "places"   // places kept for good: 处, 间
)

// MeasureFamilyNames lists the measure families.
var MeasureFamilyNames = []string{FamilyGoods, FamilyHours, FamilyMoney, FamilyPeople, FamilyPlaces, FamilySessions}

// MeasureFamilies maps each measure the families know to its family.
var MeasureFamilies = map[string]string{
	"人次": FamilyPeople, "人": FamilyPeople, "名": FamilyPeople, "人/晚": FamilyPeople, "人/天": FamilyPeople, "人/次": FamilyPeople, "人天": FamilyPeople, "位": FamilyPeople,
	"场": FamilySessions, "次": FamilySessions, "场次": FamilySessions, "期": FamilySessions, "堂": FamilySessions, "节": FamilySessions, "课": FamilySessions, "回": FamilySessions, "班": FamilySessions,
	"小时": FamilyHours, "课时": FamilyHours, "学时": FamilyHours, "时": FamilyHours,
	"份": FamilyGoods, "个": FamilyGoods, "件": FamilyGoods, "斤": FamilyGoods, "公斤": FamilyGoods, "千克": FamilyGoods, "碗": FamilyGoods,
	"套": FamilyGoods, "袋": FamilyGoods, "箱": FamilyGoods, "桶": FamilyGoods, "瓶": FamilyGoods, "本": FamilyGoods, "盒": FamilyGoods, "包": FamilyGoods, "床": FamilyGoods, "台": FamilyGoods,
	"元": FamilyMoney, "万元": FamilyMoney,
	"处": FamilyPlaces, "间": FamilyPlaces,
}

// MeasureFamily returns the family of measure m ("" for none): m is
// looked up as it is and without white space around it.
func MeasureFamily(m string) string {
	if f, ok := MeasureFamilies[m]; ok {
		return f
	}
	return MeasureFamilies[strings.TrimSpace(m)]
}

// DefaultCategories is the built-in vocabulary, from the lists the article
// describes. Data may add categories (a bundle's "categories").
var DefaultCategories = []Category{
	{ID: "venue", NameZH: "场地", NameEN: "venue"},
	{ID: "volunteer", NameZH: "志愿服务", NameEN: "volunteer service", Serves: []string{"escort", "patrol", "sanitation", "elderly", "epidemic", "flood"},
		Strength: map[string]int{"escort": 800, "patrol": 700, "sanitation": 800, "epidemic": 700, "flood": 700}},
	{ID: "tutoring", NameZH: "课业辅导", NameEN: "tutoring"},
	{ID: "escort", NameZH: "护学", NameEN: "student escort"},
	{ID: "funds", NameZH: "资金", NameEN: "funds"},
	{ID: "goods", NameZH: "物资", NameEN: "goods", Serves: []string{"points", "elderly"}, Strength: map[string]int{"points": 800, "elderly": 600}},
	{ID: "training", NameZH: "培训", NameEN: "training", Conversions: []Conversion{{From: FamilySessions, To: FamilyPeople}}},
	{ID: "medical", NameZH: "医疗", NameEN: "medical", Serves: []string{"epidemic"}, Strength: map[string]int{"epidemic": 600}},
	{ID: "legal", NameZH: "法律服务", NameEN: "legal aid", Conversions: []Conversion{{From: FamilyHours, To: FamilySessions}}},
	{ID: "jobs", NameZH: "就业", NameEN: "jobs"},
	{ID: "elderly", NameZH: "养老", NameEN: "elderly care"},
	{ID: "patrol", NameZH: "治安巡逻", NameEN: "patrol"},
	{ID: "sanitation", NameZH: "环境整治", NameEN: "sanitation"},
	{ID: "culture", NameZH: "文体活动", NameEN: "culture and sport"},
	{ID: "transport", NameZH: "交通运输", NameEN: "transport"},
	{ID: "epidemic", NameZH: "疫情防控", NameEN: "epidemic prevention"},
	{ID: "flood", NameZH: "防汛", NameEN: "flood control"},
	{ID: "safety", NameZH: "安全检查", NameEN: "safety inspection"},
	{ID: "points", NameZH: "积分兑换", NameEN: "moral-points redemption"},
	{ID: "agriculture", NameZH: "农技服务", NameEN: "farming know-how"},
	{ID: "finance", NameZH: "金融服务", NameEN: "financial services"},
	{ID: "counselling", NameZH: "心理疏导", NameEN: "counselling", Conversions: []Conversion{{From: FamilySessions, To: FamilyPeople}}},
	{ID: "childcare", NameZH: "托育关爱", NameEN: "child care"},
	{ID: "publicity", NameZH: "宣传宣讲", NameEN: "publicity", Serves: []string{"legal"},
		Conversions: []Conversion{{From: FamilySessions, To: FamilyPeople}}},
}

// Vocabulary is a set of categories, keyed by id. It is immutable once
// built; Extend returns a new one.
type Vocabulary struct {
	byID   map[string]*Category
	serves map[string][]string // resource category -> demand categories it meets, sorted
	meetBy map[string][]string // demand category -> resource categories that meet it, sorted
	names  map[string]string   // Chinese and English names -> id (first id in sort order wins)
}

// NewVocabulary builds a vocabulary from cats. Later entries replace earlier
// ones with the same id. It fails when a category is invalid or serves an
// unknown category.
func NewVocabulary(cats ...[]Category) (*Vocabulary, error) {
	v := &Vocabulary{byID: map[string]*Category{}}
	var p Problems
	for _, list := range cats {
		for i := range list {
			c := list[i]
			c.Serves = slices.Clone(c.Serves)
			c.Strength = maps.Clone(c.Strength)
			c.Conversions = slices.Clone(c.Conversions)
			if err := c.Validate(); err != nil {
				p.AddErr(fieldIndex("categories", i), err)
				continue
			}
			v.byID[c.ID] = &c
		}
	}
	for _, c := range v.byID {
		for i, s := range c.Serves {
			if _, ok := v.byID[s]; !ok {
				p.Add("categories["+c.ID+"]."+fieldIndex("serves", i), "unknown category %q", s)
			}
		}
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	v.names = map[string]string{}
	for _, c := range v.All() {
		for _, n := range []string{c.NameZH, c.NameEN} {
			if _, dup := v.names[n]; !dup {
				v.names[n] = c.ID
			}
		}
	}
	v.serves = map[string][]string{}
	v.meetBy = map[string][]string{}
	for id, c := range v.byID {
		v.serves[id] = append(v.serves[id], id)
		v.meetBy[id] = append(v.meetBy[id], id)
		for _, s := range c.Serves {
			if s == id {
				continue
			}
			v.serves[id] = append(v.serves[id], s)
			v.meetBy[s] = append(v.meetBy[s], id)
		}
	}
	for _, m := range []map[string][]string{v.serves, v.meetBy} {
		for k := range m {
			sort.Strings(m[k])
			m[k] = slices.Compact(m[k])
		}
	}
	return v, nil
}

// MustDefaultVocabulary returns the built-in vocabulary.
func MustDefaultVocabulary() *Vocabulary {
	v, err := NewVocabulary(DefaultCategories)
	if err != nil {
		panic(err)
	}
	return v
}

// Get returns the category with id and whether it exists.
func (v *Vocabulary) Get(id string) (Category, bool) {
	c, ok := v.byID[id]
	if !ok {
		return Category{}, false
	}
	return *c, true
}

// Has reports whether id is a known category.
func (v *Vocabulary) Has(id string) bool { _, ok := v.byID[id]; return ok }

// All returns the categories sorted by id.
func (v *Vocabulary) All() []Category {
	out := make([]Category, 0, len(v.byID))
	for _, c := range v.byID {
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Serves returns the demand categories a resource of category id can meet,
// itself included, sorted. Callers must not modify the slice.
func (v *Vocabulary) Serves(id string) []string { return v.serves[id] }

// MetBy returns the resource categories that can meet a demand of category
// id, itself included, sorted. Callers must not modify the slice.
func (v *Vocabulary) MetBy(id string) []string { return v.meetBy[id] }

// Strength is the category strength of a resource of category res for a
// demand of category dem: MaxStrength for one category, the link's
// strength when res serves dem, 0 when it cannot meet it.
func (v *Vocabulary) Strength(res, dem string) int {
	if res == dem {
		if _, ok := v.byID[res]; ok {
			return MaxStrength
		}
		return 0
	}
	if !v.Compatible(res, dem) {
		return 0
	}
	if s, ok := v.byID[res].Strength[dem]; ok {
		return s
	}
	return DefaultServeStrength
}

// MeasuresMeet reports whether a resource of category res measured in
// resMeasure can meet a demand measured in demMeasure: the same measure,
// measures of one family, a measure of no family on either side, or a
// Conversion of res from the resource's family to the demand's.
func (v *Vocabulary) MeasuresMeet(res, resMeasure, demMeasure string) bool {
	if resMeasure == demMeasure {
		return true
	}
	return v.FamiliesMeet(res, MeasureFamily(resMeasure), MeasureFamily(demMeasure))
}

// FamiliesMeet is MeasuresMeet on measure families ("" for none).
func (v *Vocabulary) FamiliesMeet(res, from, to string) bool {
	if from == "" || to == "" || from == to {
		return true
	}
	c := v.byID[res]
	return c != nil && slices.Contains(c.Conversions, Conversion{From: from, To: to})
}

// Compatible reports whether a resource of category res can meet a demand of
// category dem.
func (v *Vocabulary) Compatible(res, dem string) bool {
	_, ok := slices.BinarySearch(v.serves[res], dem)
	return ok
}

// Pair reports whether items a and b, one a resource and the other a
// demand, can make a claim by their categories (Compatible); two items of
// one kind never can.
func (v *Vocabulary) Pair(a, b *Item) bool {
	if a.Kind == b.Kind {
		return false
	}
	if a.Kind == Resource {
		return v.Compatible(a.Category, b.Category)
	}
	return v.Compatible(b.Category, a.Category)
}

// Lookup finds a category by id, Chinese name or English name, as
// spreadsheets may use any of them.
func (v *Vocabulary) Lookup(s string) (string, bool) {
	if _, ok := v.byID[s]; ok {
		return s, true
	}
	id, ok := v.names[s]
	return id, ok
}
