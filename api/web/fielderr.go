package web

import (
	"regexp"
	"strings"

	"github.com/allymatch/allymatch/matcher"
)

// The desk's forms show the domain's own validation beside the field it
// names (matcher.Error.Field), in the reader's language. The rules live in
// the domain and the service; here a message is only recognised by its
// wording, so that its values can be put into a Chinese sentence of the
// same rule (the keys are in i18n.go, "fe.*"). Under ?lang=en the domain's
// English is shown as it is. A message no rule knows is shown in English
// behind a Chinese word, never dropped.

// msgRule recognises one domain message. field is the form field of a
// message whose error names none (an id that exists already, an item
// over-claimed by its quantity).
type msgRule struct {
	re    *regexp.Regexp
	key   string
	field string
}

var msgRules = func() []msgRule {
	r := func(pattern, key, field string) msgRule {
		return msgRule{re: regexp.MustCompile(`^` + pattern + `$`), key: key, field: field}
	}
	return []msgRule{
		r(`is required`, "fe.required", ""),
		r(`is not valid UTF-8`, "fe.utf8", ""),
		r(`is longer than (\d+) characters`, "fe.toolong", ""),
		r(`"(.*)" is not a valid id \(.*\)`, "fe.badid", ""),
		r(`must be between (\S+) and (\S+), got (.*)`, "fe.between", ""),
		r(`has more than (\d+) tags`, "fe.tags", ""),
		r(`has more than (\d+) windows`, "fe.windows", ""),
		r(`must be after from`, "fe.after", ""),
		r(`unknown category "(.*)"`, "fe.category", ""),
		r(`only a demand can be a project slot`, "fe.slotkind", ""),
		r(`only a project slot can be optional`, "fe.optional", ""),
		r(`unit ".*" has no project "(.*)"`, "fe.noproject", ""),
		r(`unknown project "(.*)"`, "fe.noproject", ""),
		r(`project "(.*)" belongs to unit .*`, "fe.noproject", ""),
		r(`must be open, paused or closed, got "(.*)"`, "fe.status", ""),
		r(`must be planned, running, done or dropped, got "(.*)"`, "fe.status", ""),
		r(`must be demand or resource, got "(.*)"`, "fe.kind", ""),
		r(`must be community, street or district, got "(.*)"`, "fe.level", ""),
		r(`(?:item|project) "(.*)" exists already`, "fe.exists", "id"),
		r(`item "(.*)" is over-claimed: confirmed claims hold (\d+), its quantity is (\d+)`, "fe.overclaimed", "quantity"),
		// Hand claims.
		r(`item (\S+) has (-?\d+) left, asked for (\d+)`, "fe.left", ""),
		r(`a unit cannot claim its own item`, "fe.ownitem", ""),
		r(`a \S+ resource cannot meet a \S+ demand`, "fe.incompatible", ""),
		r(`both items must be open`, "fe.bothopen", ""),
		r(`this pair was rejected before \(claim (.*)\)`, "fe.rejectedpair", ""),
		r(`no (?:resource|demand) item "(.*)"`, "fe.noitem", ""),
		r(`item "(.*)" is a \S+, not a \S+`, "fe.wrongkind", ""),
		r(`no meeting "(.*)"`, "fe.nomeeting", ""),
		r(`the meeting of \S+ does not hold item (\S+): .*`, "fe.meetingholds", ""),
		r(`unit \S+ of the \S+ side is not in your scope: .*`, "fe.sidescope", ""),
		r(`say which side's answer this records: resource or demand`, "fe.side", ""),
		// The meeting's steps.
		r(`claim (\S+) on (\S+) waits for an answer: .*`, "fe.esc.waiting", ""),
		r(`slot (\S+) of project (\S+) has claim (\S+) waiting for an answer, .*`, "fe.esc.slotwaiting", ""),
		r(`project (\S+) is (?:done|dropped): its slots are not matched`, "fe.esc.projectover", ""),
		r(`project (\S+) has no unmet open slot at \S+ level`, "fe.esc.projectmet", ""),
		r(`(\S+) is met in full \((\d+) of (\d+)\)`, "fe.esc.met", ""),
		r(`(\S+) sits at \S+ level; this meeting moves \S+ demands up`, "fe.esc.level", ""),
		r(`(\S+) is \S+; only an open demand goes up`, "fe.esc.notopen", ""),
		r(`tick the unmet demands that go up to the meeting above`, "fe.esc.none", ""),
		r(`the delivered quantity must be between 1 and the claim's (\d+), got (-?\d+)`, "fe.fulfil.quantity", "quantity"),
		r(`claim (\S+) is (\S+); only a confirmed claim can be fulfilled`, "fe.fulfil.notconfirmed", ""),
	}
}()

// domainMessage returns the message of a domain error in l, and the form
// field a rule gives an error that names none ("" when it names one or
// no rule knows it).
func domainMessage(l *Lang, msg string) (text, field string) {
	for _, r := range msgRules {
		m := r.re.FindStringSubmatch(msg)
		if m == nil {
			continue
		}
		if l.Code == "en" {
			return msg, r.field
		}
		args := make([]any, len(m)-1)
		for i, s := range m[1:] {
			args[i] = s
		}
		return l.T(r.key, args...), r.field
	}
	if l.Code == "en" {
		return msg, ""
	}
	return l.T("fe.other", msg), ""
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
		text, ruleField := domainMessage(l, e.Message)
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
		text, _ := domainMessage(l, e.Message)
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
