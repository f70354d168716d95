package matcher

import (
	"slices"
	"sort"
)

// Category is one entry of the controlled vocabulary of item categories.
// A resource of category C can meet a demand of category C and of every
// category C lists in Serves.
type Category struct {
	ID     string   `json:"id"`
	NameZH string   `json:"name_zh"`
	NameEN string   `json:"name_en"`
	Serves []string `json:"serves,omitempty"` // other demand categories this resource category meets
}

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
	return p.Err()
}

// DefaultCategories is the built-in vocabulary, from the lists the article
// describes. Data may add categories (a bundle's "categories").
var DefaultCategories = []Category{
	{ID: "venue", NameZH: "场地", NameEN: "venue"},
	{ID: "volunteer", NameZH: "志愿服务", NameEN: "volunteer service", Serves: []string{"escort", "patrol", "sanitation", "elderly", "epidemic", "flood"}},
	{ID: "tutoring", NameZH: "课业辅导", NameEN: "tutoring"},
	{ID: "escort", NameZH: "护学", NameEN: "student escort"},
	{ID: "funds", NameZH: "资金", NameEN: "funds"},
	{ID: "goods", NameZH: "物资", NameEN: "goods", Serves: []string{"points"}},
	{ID: "training", NameZH: "培训", NameEN: "training"},
	{ID: "medical", NameZH: "医疗", NameEN: "medical", Serves: []string{"epidemic"}},
	{ID: "legal", NameZH: "法律服务", NameEN: "legal aid"},
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
	{ID: "counselling", NameZH: "心理疏导", NameEN: "counselling"},
	{ID: "childcare", NameZH: "托育关爱", NameEN: "child care"},
	{ID: "publicity", NameZH: "宣传宣讲", NameEN: "publicity"},
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

// Compatible reports whether a resource of category res can meet a demand of
// category dem.
func (v *Vocabulary) Compatible(res, dem string) bool {
	_, ok := slices.BinarySearch(v.serves[res], dem)
	return ok
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
