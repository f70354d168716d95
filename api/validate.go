package api

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/labstack/echo/v4"

	"github.com/allymatch/allymatch/matcher"
)

// The OpenAPI 3 document of the API, kept in the repository and served as
// JSON at GET /openapi.json. Requests to the routes it describes are
// validated against it (requestValidator.middleware) before their handler runs; the
// handlers then decode strictly as before (defence in depth).
//
//go:embed openapi.yaml
var openapiFS embed.FS

// apiDoc is the loaded, checked document and its JSON form.
type apiDoc struct {
	doc  *openapi3.T
	json []byte
}

// loadAPIDoc loads and checks the embedded document once per process.
var loadAPIDoc = sync.OnceValues(func() (*apiDoc, error) {
	data, err := openapiFS.ReadFile("openapi.yaml")
	if err != nil {
		return nil, err
	}
	doc, err := openapi3.NewLoader().LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("api/openapi.yaml: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("api/openapi.yaml: %w", err)
	}
	js, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("api/openapi.yaml as JSON: %w", err)
	}
	return &apiDoc{doc: doc, json: js}, nil
})

// echoPath turns an OpenAPI path template ("/v1/claims/{id}") into Echo's
// ("/v1/claims/:id").
func echoPath(p string) string {
	var b strings.Builder
	for seg := range strings.SplitSeq(p, "/") {
		if seg == "" {
			continue
		}
		b.WriteByte('/')
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			seg = ":" + seg[1:len(seg)-1]
		}
		b.WriteString(seg)
	}
	if b.Len() == 0 {
		return "/"
	}
	return b.String()
}

// bodyParser is a route's strict decoder with its value dropped.
type bodyParser func(io.Reader) error

func parserOf[T any](parse func(io.Reader) (T, error)) bodyParser {
	return func(r io.Reader) error {
		_, err := parse(r)
		return err
	}
}

// requestValidator checks requests against the document. Routes are found
// by Echo's own routing ("METHOD /echo/:path"), so nothing is matched twice.
type requestValidator struct {
	routes  map[string]*routers.Route
	parsers map[string]bodyParser // by route key: the handler's decoder
	opts    *openapi3filter.Options
	// importOpts leave a bundle's body to its decoder: bundle.DecodeJSON,
	// Prepare and the store check every record and list every problem
	// with its line, where the document would name the first only.
	importOpts *openapi3filter.Options
}

func newRequestValidator(d *apiDoc, parsers map[string]bodyParser) *requestValidator {
	v := &requestValidator{
		routes:  map[string]*routers.Route{},
		parsers: parsers,
		opts: &openapi3filter.Options{
			// authenticate has resolved the bearer token already.
			AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
			// The handlers see the body as it was sent.
			SkipSettingDefaults: true,
		},
	}
	io := *v.opts
	io.ExcludeRequestBody = true
	v.importOpts = &io
	for path, item := range d.doc.Paths.Map() {
		for method, op := range item.Operations() {
			v.routes[method+" "+echoPath(path)] = &routers.Route{
				Spec: d.doc, Path: path, PathItem: item, Method: method, Operation: op,
			}
		}
	}
	return v
}

// validateRequests is the middleware: a request to a route the document
// describes is checked (path and query parameters, body) and refused with
// a 400 naming the parameter or field; other routes pass through (Echo
// answers 404 or 405 for what it does not route).
func (v *requestValidator) middleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		key := req.Method + " " + c.Path()
		rt, ok := v.routes[key]
		if !ok {
			return next(c)
		}
		if rt.Operation.RequestBody != nil && req.Body != nil && req.Body != http.NoBody {
			if err := checkContentType(req); err != nil {
				return err // 415, as the handlers answer it
			}
			// The document describes application/json; the handlers also
			// take no Content-Type and other +json types as JSON.
			req.Header.Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
			limit := int64(maxBody)
			if rt.Path == "/v1/import" {
				limit = maxImportBody
			}
			req.Body = http.MaxBytesReader(c.Response(), req.Body, limit)
		}
		var params map[string]string
		if names := c.ParamNames(); len(names) > 0 {
			params = make(map[string]string, len(names))
			for i, v := range c.ParamValues()[:len(names)] {
				params[names[i]] = v
			}
		}
		opts := v.opts
		if rt.Path == "/v1/import" {
			opts = v.importOpts
		}
		in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: rt, Options: opts}
		if err := openapi3filter.ValidateRequest(req.Context(), in); err != nil {
			return v.problem(req, key, err)
		}
		return next(c)
	}
}

// problem turns a validation error into a matcher error naming the field
// (answered 400), or the body's *http.MaxBytesError (413).
func (v *requestValidator) problem(req *http.Request, key string, err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return mbe
	}
	var re *openapi3filter.RequestError
	if !errors.As(err, &re) {
		return matcher.FieldError("request", "%s", err)
	}
	if re.Parameter != nil {
		return matcher.FieldError(re.Parameter.Name, "%s", reasonOf(re))
	}
	var schemaErr error
	var se *openapi3.SchemaError
	if errors.As(re.Err, &se) {
		schemaErr = matcher.FieldError(fieldOf(se), "%s", se.Reason)
	}
	// The document was checked against the body as encoding/json read it:
	// the last of two equal keys, U+FFFD for bytes that are not UTF-8. What
	// the strict scan finds comes first.
	var body []byte
	if req.GetBody != nil {
		if rc, gerr := req.GetBody(); gerr == nil {
			body, _ = io.ReadAll(rc)
			if serr := strictError(body); serr != nil {
				return serr
			}
		}
	}
	// A body the handler's strict decoder refuses too: its message is the
	// more precise one (it knows the domain's rules and wording), unless it
	// names only the body where the document names a field.
	if parse := v.parsers[key]; parse != nil && body != nil {
		if perr := parse(bytes.NewReader(body)); perr != nil {
			var me *matcher.Error
			if schemaErr == nil || !errors.As(perr, &me) || me.Field != "body" {
				return perr
			}
		}
	}
	if schemaErr != nil {
		return schemaErr
	}
	return matcher.FieldError("body", "%s", reasonOf(re))
}

// reasonOf is the shortest readable reason of a request error.
func reasonOf(re *openapi3filter.RequestError) string {
	var se *openapi3.SchemaError
	var pe *openapi3filter.ParseError
	switch {
	case errors.As(re.Err, &se):
		return se.Reason
	case errors.As(re.Err, &pe):
		if pe.Reason != "" {
			return pe.Reason
		}
		return pe.Error()
	case re.Err != nil:
		return re.Err.Error()
	}
	return re.Reason
}

// fieldOf names the field of a schema error as the handlers do:
// "weights.tags", "windows[0].from"; "body" for the whole body.
func fieldOf(se *openapi3.SchemaError) string {
	path := se.JSONPointer()
	if name, ok := strings.CutPrefix(se.Reason, "property "); ok && strings.HasSuffix(name, " is unsupported") {
		if q, err := strconv.Unquote(strings.TrimSuffix(name, " is unsupported")); err == nil {
			path = append(path, q)
		}
	}
	var b bytes.Buffer
	for _, p := range path {
		if _, err := strconv.Atoi(p); err == nil && b.Len() > 0 {
			b.WriteString("[" + p + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(p)
	}
	if b.Len() == 0 {
		return "body"
	}
	return b.String()
}

// openapi handles GET /openapi.json.
func (s *Server) openapi(c echo.Context) error {
	d, err := loadAPIDoc()
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, d.json)
}
