package matcher

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Error codes. Every error the matcher returns to a caller carries one of
// these; the API maps them to HTTP statuses. An error without a code counts
// as internal.
const (
	EINVALID   = "invalid"   // the input breaks a rule; the message names the field
	ENOTFOUND  = "not_found" // an id names nothing
	ECONFLICT  = "conflict"  // the request is valid but the state forbids it
	EFORBIDDEN = "forbidden" // the caller may not do this
	ENOLOGIN   = "no_login"  // the caller's token or session names no live login
	EINTERNAL  = "internal"  // a fault of ours; the message is not shown to users
)

// Error is the matcher's error type: a code that a program can branch on, a
// message for a person, and the field at fault when there is one.
//
// Message is English, and it is what the API answers unless the client
// asks for another language. Format and Args are the message before
// formatting (Message == fmt.Sprintf(Format, Args...)): the message's key
// in a catalogue of translations (matcher/i18n) and the values to put in
// the translated sentence. Errorf, FieldError and NewError set them; an
// Error without a Format is its own key (Message).
type Error struct {
	Code    string
	Field   string // dotted path of the field at fault, e.g. "items[3].quantity"
	Message string
	Format  string // the message's key: its English format
	Args    []any  // the values of Format's verbs
}

// Key returns the message's key in a catalogue of translations: its
// format, or the message itself when it was not made from one.
func (e *Error) Key() (format string, args []any) {
	if e.Format == "" {
		return e.Message, nil
	}
	return e.Format, e.Args
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s", e.Field, e.Message)
	}
	return e.Message
}

// Errorf returns an *Error with the code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return NewError(code, "", format, args...)
}

// FieldError returns an EINVALID error that names a field.
func FieldError(field, format string, args ...any) *Error {
	return NewError(EINVALID, field, format, args...)
}

// NewError returns an *Error with the code, the field at fault ("" for
// none) and a formatted message, keeping format and args for a
// translation.
func NewError(code, field, format string, args ...any) *Error {
	return &Error{Code: code, Field: field, Message: fmt.Sprintf(format, args...), Format: format, Args: args}
}

// Noun is an English noun put into a message as an argument ("no %s %q":
// unit, alliance, item), so that a translation can say it in its own
// language.
type Noun string

// ErrorCode returns the code of the first *Error in err's chain, "" for a nil
// error and EINTERNAL for an error without one.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the message of the first *Error in err's chain
// (with its field) and a generic text for internal errors, whose details are
// for the log, not for users.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Error()
	}
	return "internal error"
}

// MaxProblems bounds the problems an error lists; those past it are
// counted, not kept, so that a bad 250,000-item import costs the memory of
// 1,000 problems and answers in kilobytes.
const MaxProblems = 1000

// Problems collects every problem found in a validation so that a user sees
// them all at once rather than one per try: the first MaxProblems, and the
// count of the rest. Its zero value is ready to use.
type Problems struct {
	List []*Error
	More int // problems found past MaxProblems: counted, not listed
}

func (p *Problems) put(e *Error) {
	if len(p.List) >= MaxProblems {
		p.More++
		return
	}
	p.List = append(p.List, e)
}

// Add records a problem at field.
func (p *Problems) Add(field, format string, args ...any) {
	p.put(FieldError(field, format, args...))
}

// AddErr records err (an *Error keeps its field, prefixed by prefix).
func (p *Problems) AddErr(prefix string, err error) {
	if err == nil {
		return
	}
	list := FieldErrors(err)
	if list == nil {
		p.put(&Error{Code: EINVALID, Field: prefix, Message: err.Error()})
		return
	}
	for _, e := range list {
		p.put(&Error{Code: e.Code, Field: joinField(prefix, e.Field), Message: e.Message, Format: e.Format, Args: e.Args})
	}
	p.More += Unlisted(err)
}

// WithField returns the first *Error of err's chain, or an internal one,
// as a copy naming field.
func WithField(err error, field string) *Error {
	var e *Error
	if !errors.As(err, &e) {
		return &Error{Code: EINTERNAL, Field: field, Message: "internal error"}
	}
	c := *e
	c.Field = field
	return &c
}

// FieldErrors returns the problems err reports by field: the list of a
// *ProblemsError, or the one *Error; nil for any other error.
func FieldErrors(err error) []*Error {
	var pe *ProblemsError
	if errors.As(err, &pe) {
		return pe.List
	}
	var e *Error
	if errors.As(err, &e) {
		return []*Error{e}
	}
	return nil
}

// Unlisted returns how many problems err counts past those it lists (a
// *ProblemsError's More); 0 for any other error.
func Unlisted(err error) int {
	var pe *ProblemsError
	if errors.As(err, &pe) {
		return pe.More
	}
	return 0
}

func joinField(prefix, field string) string {
	switch {
	case prefix == "":
		return field
	case field == "":
		return prefix
	case field[0] == '[':
		return prefix + field
	default:
		return prefix + "." + field
	}
}

// Err returns nil when nothing was recorded, the one *Error when one was, and
// a *ProblemsError listing all of them otherwise.
func (p *Problems) Err() error {
	switch {
	case len(p.List) == 0 && p.More == 0:
		return nil
	case len(p.List) == 1 && p.More == 0:
		return p.List[0]
	}
	return &ProblemsError{List: append([]*Error(nil), p.List...), More: p.More}
}

// ProblemsError is several validation problems reported together: the
// first MaxProblems and the count of the rest. Its code is the code of its
// first problem.
type ProblemsError struct {
	List []*Error
	More int // problems past List: counted, not listed
}

func (e *ProblemsError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s problems:", FormatCount(len(e.List)+e.More))
	for _, p := range e.List {
		b.WriteString("\n  ")
		b.WriteString(p.Error())
	}
	if e.More > 0 {
		b.WriteString("\n  " + AndMore(e.More))
	}
	return b.String()
}

// As lets errors.As(err, **Error) find a representative *Error so that
// ErrorCode works on a ProblemsError.
func (e *ProblemsError) As(target any) bool {
	if t, ok := target.(**Error); ok && len(e.List) > 0 {
		*t = &Error{Code: e.List[0].Code, Message: e.Error()}
		return true
	}
	return false
}

// AndMore is how a list of problems cut at MaxProblems ends:
// "… and 249,000 more".
func AndMore(n int) string { return "… and " + FormatCount(n) + " more" }

// FormatCount writes n with thousands separated by commas: 249,000.
func FormatCount(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
