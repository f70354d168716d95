package web

import (
	"regexp"
	"strings"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/i18n"
)

// The desk's forms show the domain's own validation beside the field it
// names (matcher.Error.Field), in the reader's language: a domain error
// keeps its message's format and arguments, and matcher/i18n says it in
// Chinese (one catalogue for the desk and the API's problem+json). Under
// ?lang=en the domain's English is shown as it is.

// ruleFields give the form field of a message whose error names none (an
// id that exists already, a delivered quantity out of range).
var ruleFields = map[string]string{
	"%s %q exists already":      "id",
	"item %q exists already":    "id",
	"project %q exists already": "id",
	"the delivered quantity must be between 1 and the claim's %d, got %d": "quantity",
}

// domainMessage returns the message of a domain error in l, and the form
// field ruleFields give an error that names none.
func domainMessage(l *Lang, e *matcher.Error) (text, field string) {
	format, _ := e.Key()
	return i18n.Error(l.Code, e), ruleFields[format]
}

// errText is err's message in l (the first problem's, with no field).
func errText(l *Lang, err error) string {
	if list := matcher.FieldErrors(err); len(list) > 0 {
		return i18n.Error(l.Code, list[0])
	}
	return err.Error()
}

// storeField strips the record a store check names from a field
// ("items[LH-D01].category" → "category").
var storeField = regexp.MustCompile(`^(?:items|projects|claims|units)\[[^\]]*\]\.`)

// form is a form as the user typed it, with the problems to show beside
// its fields (by form field name) and those that belong to no field.
type form struct {
	vals map[string]string
	errs map[string]string
	Top  []string
}

func newForm() *form { return &form{vals: map[string]string{}, errs: map[string]string{}} }

// V is the value of field as typed (or as prefilled).
func (f *form) V(field string) string { return f.vals[field] }

// E is the problem shown beside field, "" when there is none.
func (f *form) E(field string) string { return f.errs[field] }

// Bad reports whether the form has any problem.
func (f *form) Bad() bool { return len(f.errs) > 0 || len(f.Top) > 0 }

func (f *form) set(field, v string) { f.vals[field] = v }

// fail records a problem at field ("" for the form as a whole); the first
// problem of a field is the one shown.
func (f *form) fail(field, msg string) {
	if field == "" {
		f.Top = append(f.Top, msg)
		return
	}
	if _, ok := f.errs[field]; !ok {
		f.errs[field] = msg
	}
}

// failErr puts the problems of a domain error beside the form's fields:
// fieldOf maps the domain's field (without a store record prefix) to the
// form's, "" for none. It reports false when err is not about the input
// (a missing record, a refusal, an internal error), which is then shown
// as an error page.
func (f *form) failErr(l *Lang, err error, fieldOf func(string) string) bool {
	list := matcher.FieldErrors(err)
	if list == nil {
		return false
	}
	type shown struct{ field, text string }
	var out []shown
	for _, e := range list {
		text, ruleField := domainMessage(l, e)
		field := ""
		if e.Field != "" {
			field = fieldOf(storeField.ReplaceAllString(e.Field, ""))
		} else if ruleField != "" {
			field = fieldOf(ruleField)
		}
		if e.Field == "" && ruleField == "" && e.Code != matcher.EINVALID {
			return false
		}
		if field == "" && e.Field != "" {
			text = fieldLabel(l, e.Field) + text
		}
		out = append(out, shown{field, text})
	}
	for _, s := range out {
		f.fail(s.field, s.text)
	}
	return true
}

// pageDetail is a domain error as an error page shows it: each problem in
// l, after the name of its field.
func pageDetail(l *Lang, err error) string {
	list := matcher.FieldErrors(err)
	if list == nil {
		return err.Error()
	}
	parts := make([]string, 0, len(list))
	for _, e := range list {
		text, _ := domainMessage(l, e)
		if e.Field != "" {
			text = fieldLabel(l, e.Field) + text
		}
		parts = append(parts, text)
	}
	return strings.Join(parts, l.T("fe.sep"))
}

// fieldLabel names a domain field for a problem shown above the form.
func fieldLabel(l *Lang, field string) string {
	field = storeField.ReplaceAllString(field, "")
	if i := strings.IndexAny(field, "[."); i > 0 {
		field = field[:i]
	}
	if k := "fe.field." + field; l.Has(k) {
		return l.T(k) + l.T("fe.colon")
	}
	return field + l.T("fe.colon")
}
