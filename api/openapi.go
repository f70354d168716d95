package api

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/labstack/echo/v4"
)

// The OpenAPI 3 document of the API, kept in the repository and served as
// JSON at GET /openapi.json. It describes the API; it does not check
// requests at run time: a body is decoded strictly once (decodeJSON) and
// checked once, by the service and the domain's Validate. The tests hold
// the document to the code: every route is in it and every operation is a
// route (TestOpenAPIRoutes), every request type's JSON fields are its
// schema's properties (TestOpenAPIRequestTypes), the answers match their
// schemas (TestOpenAPIResponses), and the requests it refuses are refused
// with the field named (TestOpenAPIValidation).
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

// openapi handles GET /openapi.json.
func (s *Server) openapi(c echo.Context) error {
	d, err := loadAPIDoc()
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, d.json)
}
