package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/jsonstrict"
)

// Body limits. Every body is read through http.MaxBytesReader, so a
// chunked body over the limit is cut at the limit too and answered 413.
const (
	maxBody       = 1 << 20  // 1 MiB: one record, one answer
	maxImportBody = 64 << 20 // 64 MiB: a bundle
)

// decode reads the request body strictly into dst: JSON only, at most
// limit bytes, one value, no unknown fields. An empty body is refused.
func (s *Server) decode(c echo.Context, limit int64, dst any) error {
	return decodeRequest(c, limit, dst, false)
}

func decodeRequest(c echo.Context, limit int64, dst any, optional bool) error {
	req := c.Request()
	if err := checkContentType(req); err != nil {
		return err
	}
	body := http.MaxBytesReader(c.Response(), req.Body, limit)
	defer body.Close()
	return decodeJSON(body, dst, optional)
}

// checkContentType refuses a body that says it is not JSON.
func checkContentType(req *http.Request) error {
	if ct := req.Header.Get(echo.HeaderContentType); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != echo.MIMEApplicationJSON && !strings.HasSuffix(mt, "+json")) {
			return &echo.HTTPError{Code: http.StatusUnsupportedMediaType, Message: fmt.Sprintf("send application/json, not %q", ct)}
		}
	}
	return nil
}

// decodeJSON decodes one JSON value from r into dst, refusing unknown
// fields, keys given twice, text that is not UTF-8 and trailing data; its
// errors are matcher errors naming the field (or an *http.MaxBytesError,
// answered 413). r is read whole first (every body is bounded).
func decodeJSON(r io.Reader, dst any, optional bool) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return jsonError(err)
	}
	if optional && len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	if err := strictError(data); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		if errors.Is(err, io.EOF) && optional {
			return nil
		}
		return decodeError(data, reflect.TypeOf(dst), err)
	}
	var extra json.RawMessage
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return matcher.FieldError("body", "holds data after the JSON value")
	}
	return nil
}

// bodyOf decodes a required body strictly into a T: the decoder's only
// checks are JSON's (unknown fields, keys given twice, text that is not
// UTF-8, values of the wrong type); the rules are the service's.
func bodyOf[T any](r io.Reader) (T, error) {
	var v T
	return v, decodeJSON(r, &v, false)
}

// optionalBodyOf is bodyOf for a body that may be left out (a zero T).
func optionalBodyOf[T any](r io.Reader) (T, error) {
	var v T
	return v, decodeJSON(r, &v, true)
}

// strictError returns what jsonstrict.Check finds in a body (a key given
// twice, bytes that are not UTF-8) as an error naming the field, or nil.
func strictError(data []byte) error {
	p := jsonstrict.Check(data)
	if p == nil {
		return nil
	}
	field := p.Path
	if field == "" {
		field = "body"
	}
	return matcher.FieldError(field, "%s", p.Msg)
}

// decodeError is the error of a decode of data into a t that failed with
// err, naming the value at fault by its path where encoding/json names
// less: it names no array index, and no field at all for the error of a
// value's own decoder (a time's, a coordinate's): "windows[0].from",
// "location.lon".
func decodeError(data []byte, t reflect.Type, err error) error {
	var (
		syn *json.SyntaxError
		mbe *http.MaxBytesError
	)
	if errors.As(err, &syn) || errors.As(err, &mbe) || errors.Is(err, io.ErrUnexpectedEOF) || strings.HasPrefix(err.Error(), "json: unknown field ") {
		return jsonError(err)
	}
	path, inner := locate(data, t, "")
	if path == "" {
		return jsonError(err)
	}
	var (
		typ *json.UnmarshalTypeError
		tpe *time.ParseError
	)
	switch {
	case errors.As(inner, &typ):
		return matcher.FieldError(path, "must be %s, got %s", typeName(typ.Type.String()), typ.Value)
	case errors.As(inner, &tpe):
		return matcher.FieldError(path, "must be an RFC 3339 time such as 2026-12-05T18:00:00+08:00, got %q", tpe.Value)
	case matcher.FieldErrors(inner) != nil:
		var p matcher.Problems
		p.AddErr(path, inner) // the value's decoder named its own field: a coordinate's "lon"
		return p.Err()
	}
	return matcher.FieldError(path, "%s", inner.Error())
}

// locate walks data as a decode into a t does and returns the path of the
// innermost value that does not decode, and its error ("" when every value
// decodes). It runs after a decode failed only, so it decodes each value
// on its own without regard to cost.
func locate(data []byte, t reflect.Type, path string) (string, error) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	err := json.Unmarshal(data, reflect.New(t).Interface())
	if err == nil {
		return "", nil
	}
	if reflect.PointerTo(t).Implements(reflect.TypeFor[json.Unmarshaler]()) {
		return path, err // the value's own decoder refused it
	}
	switch t.Kind() {
	case reflect.Struct:
		var members map[string]json.RawMessage
		if json.Unmarshal(data, &members) == nil {
			for _, key := range keysInOrder(data) {
				if f, ok := fieldOf(t, key); ok {
					if p, e := locate(members[key], f.Type, joinPath(path, key)); p != "" {
						return p, e
					}
				}
			}
		}
	case reflect.Slice, reflect.Array:
		var elems []json.RawMessage
		if json.Unmarshal(data, &elems) == nil {
			for i, e := range elems {
				if p, e := locate(e, t.Elem(), path+"["+strconv.Itoa(i)+"]"); p != "" {
					return p, e
				}
			}
		}
	case reflect.Map:
		var members map[string]json.RawMessage
		if json.Unmarshal(data, &members) == nil {
			for _, key := range keysInOrder(data) {
				if p, e := locate(members[key], t.Elem(), joinPath(path, key)); p != "" {
					return p, e
				}
			}
		}
	}
	if path == "" {
		return "", err
	}
	return path, err
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// keysInOrder returns the keys of the JSON object data in their order.
func keysInOrder(data []byte) []string {
	dec := json.NewDecoder(bytes.NewReader(data))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil
	}
	var keys []string
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return keys
		}
		keys = append(keys, t.(string))
		var skip json.RawMessage
		if dec.Decode(&skip) != nil {
			return keys
		}
	}
	return keys
}

// fieldOf finds the struct field encoding/json decodes the key into: by
// its JSON name, exactly or else without regard to case, through embedded
// structs.
func fieldOf(t reflect.Type, key string) (reflect.StructField, bool) {
	var folded reflect.StructField
	found := false
	for _, f := range reflect.VisibleFields(t) {
		if !f.IsExported() || f.Anonymous && f.Tag.Get("json") == "" {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case name == "-":
			continue
		case name == "":
			name = f.Name
		}
		if name == key {
			return f, true
		}
		if !found && strings.EqualFold(name, key) {
			folded, found = f, true
		}
	}
	return folded, found
}

// jsonError turns an encoding/json error into a matcher error naming the
// field.
func jsonError(err error) error {
	var (
		mbe *http.MaxBytesError
		syn *json.SyntaxError
		typ *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &mbe):
		return err
	case errors.Is(err, io.EOF):
		return matcher.FieldError("body", "a JSON object is required")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return matcher.FieldError("body", "the JSON ends too early")
	case errors.As(err, &syn):
		return matcher.FieldError("body", "invalid JSON at byte %d: %s", syn.Offset, syn.Error())
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "body"
		}
		return matcher.FieldError(field, "must be %s, got %s", typeName(typ.Type.String()), typ.Value)
	}
	msg := err.Error()
	if f, ok := strings.CutPrefix(msg, `json: unknown field "`); ok {
		f = strings.TrimSuffix(f, `"`)
		return matcher.FieldError(f, "unknown field %q", f)
	}
	var me *matcher.Error
	if errors.As(err, &me) {
		return err
	}
	return matcher.FieldError("body", "%s", strings.TrimPrefix(msg, "json: "))
}

func typeName(t string) string {
	switch {
	case strings.HasPrefix(t, "int"), strings.HasPrefix(t, "uint"):
		return "an integer"
	case strings.HasPrefix(t, "float"):
		return "a number"
	case t == "string" || strings.HasSuffix(t, "Level") || strings.HasSuffix(t, "Kind") || strings.HasSuffix(t, "Status") || strings.HasSuffix(t, "Role") || strings.HasSuffix(t, "Mode") || strings.HasSuffix(t, "Side"):
		return "a string"
	case t == "bool":
		return "true or false"
	case strings.HasPrefix(t, "[]"):
		return "an array"
	}
	return "an object"
}

// page is the limit and cursor of a list request.
type page struct {
	Limit  int
	Cursor string
}

const (
	defaultLimit = 100
	maxLimit     = 1000
)

// pageOf reads ?limit= and ?cursor=.
func pageOf(c echo.Context) (page, error) {
	p := page{Limit: defaultLimit, Cursor: c.QueryParam("cursor")}
	if v := c.QueryParam("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxLimit {
			return p, matcher.FieldError("limit", "must be an integer from 1 to %d, got %q", maxLimit, v)
		}
		p.Limit = n
	}
	if p.Cursor != "" && !matcher.ValidID(p.Cursor) {
		return p, matcher.FieldError("cursor", "is not a cursor this API returned")
	}
	return p, nil
}

// list is the shape of every list answer.
type list[T any] struct {
	Items []T    `json:"items"`
	Next  string `json:"next,omitempty"`
}

// paginate walks ids in ascending order (seq must yield them so), keeps
// those after the cursor that pass keep, and stops after the page.
func paginate[T any](p page, seq func(yield func(T) bool), id func(T) string, keep func(T) bool) list[T] {
	out := list[T]{Items: []T{}}
	for v := range seq {
		if p.Cursor != "" && id(v) <= p.Cursor {
			continue
		}
		if keep != nil && !keep(v) {
			continue
		}
		if len(out.Items) == p.Limit {
			out.Next = id(out.Items[len(out.Items)-1])
			break
		}
		out.Items = append(out.Items, v)
	}
	return out
}
