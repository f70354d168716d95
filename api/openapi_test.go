package api

import (
	"context"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/labstack/echo/v4"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/bundle"
	"github.com/allymatch/allymatch/matcher/notify"
	"github.com/allymatch/allymatch/matcher/scenario"
	"github.com/allymatch/allymatch/matcher/service"
)

// TestOpenAPIDocument: the embedded document loads and is a valid OpenAPI
// 3 document, and GET /openapi.json serves it (as JSON that loads again).
func TestOpenAPIDocument(t *testing.T) {
	data, err := openapiFS.ReadFile("openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	doc, err := openapi3.NewLoader().LoadFromData(data)
	if err != nil {
		t.Fatalf("loading api/openapi.yaml: %v", err)
	}
	if err := doc.Validate(ctx); err != nil {
		t.Fatalf("api/openapi.yaml is not valid: %v", err)
	}
	if _, ok := doc.Components.SecuritySchemes["bearer"]; !ok || len(doc.Security) == 0 {
		t.Error("the bearer scheme is not declared as the default security")
	}

	ts := newTestServer(t)
	rec := ts.do(http.MethodGet, "/openapi.json", "", "")
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
		t.Fatalf("GET /openapi.json = %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	served, err := openapi3.NewLoader().LoadFromData(rec.Body.Bytes())
	if err != nil {
		t.Fatalf("loading the served document: %v", err)
	}
	if err := served.Validate(ctx); err != nil {
		t.Fatalf("the served document is not valid: %v", err)
	}
	if served.Paths.Len() != doc.Paths.Len() {
		t.Errorf("served %d paths, the file has %d", served.Paths.Len(), doc.Paths.Len())
	}
}

// TestOpenAPIRoutes: every route registered on the Echo instance is in the
// document, and every operation of the document is a registered route.
func TestOpenAPIRoutes(t *testing.T) {
	ts := newTestServer(t)
	d, err := loadAPIDoc()
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for path, item := range d.doc.Paths.Map() {
		for method := range item.Operations() {
			documented[method+" "+echoPath(path)] = true
		}
	}
	registered := map[string]bool{}
	for _, r := range ts.e.Routes() {
		if r.Method == echo.RouteNotFound {
			continue // the group's catch-all 404
		}
		registered[r.Method+" "+r.Path] = true
	}
	var missing, extra []string
	for k := range registered {
		if !documented[k] {
			missing = append(missing, k)
		}
	}
	for k := range documented {
		if !registered[k] {
			extra = append(extra, k)
		}
	}
	slices.Sort(missing)
	slices.Sort(extra)
	for _, k := range missing {
		t.Errorf("route %s is not in api/openapi.yaml", k)
	}
	for _, k := range extra {
		t.Errorf("api/openapi.yaml describes %s, which is not a route", k)
	}
	if len(registered) < 30 {
		t.Errorf("only %d routes registered", len(registered))
	}
}

// TestOpenAPIValidation: requests that break the document are 400 naming
// the parameter or field, though the document is not run on them: the
// strict decoder, the handler's parameters and the service refuse them;
// strangers still get 401 first; unknown routes still get Echo's 404.
func TestOpenAPIValidation(t *testing.T) {
	ts := newTestServer(t)
	unit := ts.unitToken("lh-school")
	seq := ts.st.Seq()
	cases := []struct {
		method, path, token, body string
		expectCode                int
		expectField               string
	}{
		// Rules of the service and the domain (once the document's alone).
		{"PATCH", "/v1/units/lh-school", unit, `{"name":""}`, 400, "name"},
		{"PATCH", "/v1/units/lh-school", unit, `{"location":{"lat":29.4}}`, 400, "location.lon"},
		{"POST", "/v1/tokens", testAdmin, `{"role":"unit","unit":"../etc"}`, 400, "unit"},
		// A value's own decoder fails: named by its path.
		{"PATCH", "/v1/items/LH-D01", unit, `{"windows":[{"from":"yesterday"}]}`, 400, "windows[0].from"},
		{"PATCH", "/v1/items/LH-D01", unit, `{"windows":[{"from":"2026-12-01T08:00:00Z","to":"2026-12-02T08:00:00Z"},{"from":"2026-12-03T08:00:00Z","to":5}]}`, 400, "windows[1].to"},
		{"PATCH", "/v1/units/lh-school", unit, `{"location":{"lat":29.4,"lon":106.5,"alt":300}}`, 400, "location.alt"},
		{"PATCH", "/v1/units/lh-school", unit, `{"location":{"lat":"29.4","lon":106.5}}`, 400, "location.lat"},
		// Parameters.
		{"GET", "/v1/claims?limit=5000", unit, "", 400, "limit"},
		{"GET", "/v1/claims?status=done", unit, "", 400, "status"},
		{"GET", "/v1/events?since=abc", unit, "", 400, "since"},
		{"GET", "/v1/units/lh-school/items?limit=0", unit, "", 400, "limit"},
		// Rules the document states too.
		{"POST", "/v1/meetings/lh/proposals", testAdmin, `{"weights":{"text":101}}`, 400, "weights.text"},
		{"POST", "/v1/claims", unit, `{"resource":"LH-R12","demand":"LH-D01","quantity":1,"colour":"red"}`, 400, "colour"},
		{"POST", "/v1/claims/x/reject", unit, `{"side":"left"}`, 400, "side"},
		{"POST", "/v1/units/lh-school/items", unit, `{"id":"LH-D97","kind":"demand","category":"tutoring","title":"t","quantity":1,"windows":[{"from":"2026-12-01T08:00:00Z"},{"to":"2026-12-02T08:00:00Z"}]}`, 400, "windows[1].from"},
		// Authentication comes first; unknown routes are Echo's.
		{"PATCH", "/v1/units/lh-school", "", `{"name":""}`, 401, ""},
		{"GET", "/v1/claims?limit=5000", "am_wrong", "", 401, ""},
		{"GET", "/v1/nothing?limit=5000", unit, "", 404, ""},
	}
	for _, tc := range cases {
		rec := ts.do(tc.method, tc.path, tc.token, tc.body)
		var p Problem
		decodeBody(t, rec, &p)
		if rec.Code != tc.expectCode || p.Field != tc.expectField {
			t.Errorf("%s %s %s = %d %s, want %d naming %q", tc.method, tc.path, tc.body, rec.Code, rec.Body, tc.expectCode, tc.expectField)
		}
		if rec.Header().Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s %s: Content-Type %q", tc.method, tc.path, rec.Header().Get("Content-Type"))
		}
	}
	if ts.st.Seq() != seq {
		t.Error("a refused request changed the store")
	}
}

// TestOpenAPIResponses: the answers of the main routes match their schemas
// in the document (so that the document describes what is served).
func TestOpenAPIResponses(t *testing.T) {
	ts := newTestServer(t)
	d, err := loadAPIDoc()
	if err != nil {
		t.Fatal(err)
	}
	routes := documentRoutes(d)
	coord := ts.coordToken("lh")
	cases := []struct{ method, route, path, token, body string }{
		{"GET", "/healthz", "/healthz", "", ""},
		{"GET", "/readyz", "/readyz", "", ""},
		{"POST", "/v1/tokens", "/v1/tokens", testAdmin, `{"role":"unit","unit":"lh-school"}`},
		{"POST", "/v1/meetings/:alliance/proposals", "/v1/meetings/lh/proposals", coord, `{"mode":"coverage"}`},
		{"GET", "/v1/meetings/:alliance/report", "/v1/meetings/lh/report", coord, ""},
		{"GET", "/v1/rollup/:alliance", "/v1/rollup/st-lzw", ts.coordToken("st-lzw"), ""},
		{"GET", "/v1/claims", "/v1/claims?meeting=lh&limit=3", coord, ""},
		{"GET", "/v1/events", "/v1/events?limit=5", coord, ""},
		{"GET", "/v1/alliances", "/v1/alliances", coord, ""},
		{"GET", "/v1/alliances/:id", "/v1/alliances/lh", coord, ""},
		{"GET", "/v1/units", "/v1/units?limit=5", coord, ""},
		{"GET", "/v1/units/:id", "/v1/units/lh-school", coord, ""},
		{"GET", "/v1/units/:id/items", "/v1/units/lh-school/items", coord, ""},
		{"GET", "/v1/items/:id", "/v1/items/LH-D01", coord, ""},
		{"PATCH", "/v1/items/:id", "/v1/items/LH-D01", coord, `{"quantity":7}`},
		{"GET", "/v1/units/:id/projects", "/v1/units/lh-committee/projects", coord, ""},
		{"GET", "/v1/projects/:id", "/v1/projects/LH-P01", coord, ""},
		{"POST", "/v1/meetings/:alliance/escalate", "/v1/meetings/lh/escalate", ts.coordToken("st-lzw"), ""},
		{"GET", "/v1/items/:id", "/v1/items/nothing", coord, ""},
		{"GET", "/v1/claims", "/v1/claims?limit=0", coord, ""},
		{"GET", "/v1/claims", "/v1/claims", "", ""},
	}
	// A claim of fresh proposals (after the escalation above), accepted
	// by both sides.
	p := ts.propose(coord, "lh", "")
	if len(p.Claims) == 0 {
		t.Fatal("no proposals for lh")
	}
	cl := p.Claims[0]
	cases = append(cases,
		struct{ method, route, path, token, body string }{"GET", "/v1/claims/:id", "/v1/claims/" + cl.ID, coord, ""},
		struct{ method, route, path, token, body string }{"POST", "/v1/claims/:id/accept", "/v1/claims/" + cl.ID + "/accept", ts.unitToken(cl.ResourceUnit), ""},
		struct{ method, route, path, token, body string }{"POST", "/v1/claims/:id/accept", "/v1/claims/" + cl.ID + "/accept", ts.unitToken(cl.DemandUnit), ""},
	)
	for _, tc := range cases {
		rec := ts.do(tc.method, tc.path, tc.token, tc.body)
		rt := routes[tc.method+" "+tc.route]
		if rt == nil {
			t.Fatalf("%s %s is not in the document", tc.method, tc.route)
		}
		req := httptest.NewRequest(tc.method, tc.path, nil)
		in := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, Route: rt},
			Status:                 rec.Code,
			Header:                 rec.Header(),
			Body:                   io.NopCloser(strings.NewReader(rec.Body.String())),
			Options:                &openapi3filter.Options{IncludeResponseStatus: true},
		}
		if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
			t.Errorf("%s %s = %d: the answer does not match the document: %v\n%.400s", tc.method, tc.path, rec.Code, err, rec.Body)
		}
	}
}

// documentRoutes are the document's operations by Echo's route key
// ("METHOD /v1/claims/:id"), for checking answers against their schemas.
func documentRoutes(d *apiDoc) map[string]*routers.Route {
	out := map[string]*routers.Route{}
	for path, item := range d.doc.Paths.Map() {
		for method, op := range item.Operations() {
			out[method+" "+echoPath(path)] = &routers.Route{Spec: d.doc, Path: path, PathItem: item, Method: method, Operation: op}
		}
	}
	return out
}

// fileBodies are the routes that take a file (sheetFile, sheetRequest):
// the multipart fields they read, sorted.
var fileBodies = map[string][]string{
	"POST /v1/scenarios/sheet": {"file", "meeting", "name", "note", "scope"},
}

// requestTypes are the types the handlers decode each documented body
// into (bodyOf, optionalBodyOf and the few decoders of their own).
var requestTypes = map[string]reflect.Type{
	"POST /v1/tokens":                       reflect.TypeFor[service.TokenRequest](),
	"POST /v1/login-codes":                  reflect.TypeFor[service.LoginCodeRequest](),
	"POST /v1/meetings/:alliance/proposals": reflect.TypeFor[proposeRequest](),
	"POST /v1/meetings/:alliance/escalate":  reflect.TypeFor[escalateRequest](),
	"PUT /v1/meetings/:alliance/deadline":   reflect.TypeFor[deadlineRequest](),
	"POST /v1/claims":                       reflect.TypeFor[service.HandClaim](),
	"POST /v1/claims/:id/accept":            reflect.TypeFor[answerRequest](),
	"POST /v1/claims/:id/reject":            reflect.TypeFor[answerRequest](),
	"POST /v1/claims/:id/withdraw":          reflect.TypeFor[answerRequest](),
	"POST /v1/claims/:id/fulfil":            reflect.TypeFor[service.Fulfilment](),
	"POST /v1/alliances":                    reflect.TypeFor[matcher.Alliance](),
	"PATCH /v1/alliances/:id":               reflect.TypeFor[service.AlliancePatch](),
	"POST /v1/units":                        reflect.TypeFor[matcher.Unit](),
	"PATCH /v1/units/:id":                   reflect.TypeFor[service.UnitPatch](),
	"POST /v1/units/:id/items":              reflect.TypeFor[matcher.Item](),
	"PATCH /v1/items/:id":                   reflect.TypeFor[service.ItemPatch](),
	"POST /v1/units/:id/projects":           reflect.TypeFor[matcher.Project](),
	"PATCH /v1/projects/:id":                reflect.TypeFor[service.ProjectPatch](),
	"POST /v1/import":                       reflect.TypeFor[bundle.Bundle](),
	"POST /v1/scenarios":                    reflect.TypeFor[scenario.Request](),
	"POST /v1/scenarios/:id/share":          reflect.TypeFor[shareRequest](),
	"POST /v1/webhooks":                     reflect.TypeFor[notify.SubscribeRequest](),
	"POST /v1/ledger/accounts":              reflect.TypeFor[accountRequest](),
	"POST /v1/ledger/transfers":             reflect.TypeFor[service.TransferRequest](),
	"POST /v1/ledger/transfers/:id/reverse": reflect.TypeFor[service.ReverseRequest](),
	"POST /v1/ledger/rules":                 reflect.TypeFor[service.RuleRequest](),
	"PATCH /v1/ledger/rules/:id":            reflect.TypeFor[service.RulePatch](),
	"POST /v1/ledger/offers":                reflect.TypeFor[offerRequest](),
	"PATCH /v1/ledger/offers/:id":           reflect.TypeFor[service.OfferPatch](),
	"POST /v1/ledger/redemptions":           reflect.TypeFor[service.RedeemRequest](),
	"PUT /v1/ledger/claims/:id/earners":     reflect.TypeFor[earnersRequest](),
}

// TestOpenAPIRequestTypes: every body the document describes has its
// request type, and the JSON fields of each type (and of the structs it
// holds) are the properties of its schema, no more and no fewer: the
// document is not run on requests, so this is what keeps it true.
func TestOpenAPIRequestTypes(t *testing.T) {
	d, err := loadAPIDoc()
	if err != nil {
		t.Fatal(err)
	}
	withBody := map[string]bool{}
	for key, rt := range documentRoutes(d) {
		if rt.Operation.RequestBody == nil {
			continue
		}
		withBody[key] = true
		if fields, ok := fileBodies[key]; ok {
			// A file: multipart with the fields the handler reads, or
			// the file itself as the body.
			mt := rt.Operation.RequestBody.Value.Content.Get("multipart/form-data")
			if mt == nil || mt.Schema == nil {
				t.Errorf("%s: its body has no multipart/form-data schema", key)
				continue
			}
			var got []string
			for name := range mt.Schema.Value.Properties {
				got = append(got, name)
			}
			slices.Sort(got)
			if !slices.Equal(got, fields) {
				t.Errorf("%s: the document's form has %v, the handler reads %v", key, got, fields)
			}
			for _, ct := range []string{"text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"} {
				if rt.Operation.RequestBody.Value.Content.Get(ct) == nil {
					t.Errorf("%s: the document does not say it takes %s", key, ct)
				}
			}
			continue
		}
		typ, ok := requestTypes[key]
		if !ok {
			t.Errorf("%s takes a body the test does not know the type of", key)
			continue
		}
		mt := rt.Operation.RequestBody.Value.Content.Get("application/json")
		if mt == nil || mt.Schema == nil {
			t.Errorf("%s: its body has no application/json schema", key)
			continue
		}
		compareFields(t, key, "body", typ, mt.Schema.Value, map[reflect.Type]bool{})
	}
	for key := range fileBodies {
		if !withBody[key] {
			t.Errorf("%s: the document describes no body for it", key)
		}
	}
	for key := range requestTypes {
		if !withBody[key] {
			t.Errorf("%s: the document describes no body for it", key)
		}
	}
}

// compareFields compares the JSON fields of typ with the properties of
// schema at path, and the structs inside them with their schemas.
func compareFields(t *testing.T, route, path string, typ reflect.Type, schema *openapi3.Schema, seen map[reflect.Type]bool) {
	t.Helper()
	for typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	schema = merged(schema)
	switch typ.Kind() {
	case reflect.Slice, reflect.Array:
		if schema.Items != nil {
			compareFields(t, route, path+"[]", typ.Elem(), schema.Items.Value, seen)
		}
		return
	case reflect.Map:
		if ap := schema.AdditionalProperties.Schema; ap != nil {
			compareFields(t, route, path+"{}", typ.Elem(), ap.Value, seen)
		}
		return
	case reflect.Struct:
	default:
		return
	}
	if seen[typ] || typ.PkgPath() == "time" || reflect.PointerTo(typ).Implements(reflect.TypeFor[json.Unmarshaler]()) && len(schema.Properties) == 0 {
		return
	}
	seen[typ] = true
	defer delete(seen, typ)
	fields := jsonFields(typ)
	for name, f := range fields {
		prop, ok := schema.Properties[name]
		if !ok {
			t.Errorf("%s: %s.%s (%s) is not in the schema", route, path, name, typ)
			continue
		}
		compareFields(t, route, path+"."+name, f.Type, prop.Value, seen)
	}
	for name := range schema.Properties {
		if _, ok := fields[name]; !ok {
			t.Errorf("%s: the schema's %s.%s is not a field of %s", route, path, name, typ)
		}
	}
}

// merged is schema with the properties of its allOf members.
func merged(schema *openapi3.Schema) *openapi3.Schema {
	if len(schema.AllOf) == 0 {
		return schema
	}
	out := *schema
	out.Properties = maps.Clone(schema.Properties)
	if out.Properties == nil {
		out.Properties = openapi3.Schemas{}
	}
	for _, m := range schema.AllOf {
		mm := merged(m.Value)
		maps.Copy(out.Properties, mm.Properties)
		if out.Items == nil {
			out.Items = mm.Items
		}
	}
	return &out
}

// jsonFields are the fields encoding/json decodes into typ, by name.
func jsonFields(typ reflect.Type) map[string]reflect.StructField {
	out := map[string]reflect.StructField{}
	for _, f := range reflect.VisibleFields(typ) {
		tag := f.Tag.Get("json")
		if !f.IsExported() || tag == "-" || f.Anonymous && tag == "" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if name == "" {
			name = f.Name
		}
		out[name] = f
	}
	return out
}
