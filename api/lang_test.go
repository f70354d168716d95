package api

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// The problem+json detail follows Accept-Language: Chinese when the client
// prefers it, English when it asks for English or does not ask; the code,
// the field and the status never change.
func TestProblemLanguage(t *testing.T) {
	ts := newTestServer(t)
	coord := ts.coordToken("lh")
	p := ts.propose(coord, "lh", "")
	c := p.Claims[0]
	dem := ts.unitToken(c.DemandUnit)
	if rec := ts.do(http.MethodPost, "/v1/claims/"+c.ID+"/reject", dem, `{}`); rec.Code != 200 {
		t.Fatalf("reject: %d %s", rec.Code, rec.Body)
	}
	const head = `{"format":"allymatch.bundle/v1",`
	bad := head + "\n" + `"items":[{"id":"X1","unit":"lh-school","kind":"demand","category":"tutoring","title":"作业辅导","quantity":0},` + "\n" + `{"id":"X2","kind":"demand","category":"tutoring","title":"护学","quantity":1}]}`
	cases := []struct {
		name                   string
		givenMethod, givenPath string
		givenToken, givenBody  string
		givenLanguage          string
		expectCode             int
		expectBody             string
	}{
		{"a conflict in Chinese", "POST", "/v1/claims/" + c.ID + "/accept", dem, `{}`, "zh-CN,zh;q=0.9,en;q=0.8", 409,
			`{"type":"about:blank","title":"Conflict","status":409,"detail":"认领 ` + c.ID + ` 现为“已拒绝”，只有待确认的认领才能同意","code":"conflict"}`},
		{"a conflict in English", "POST", "/v1/claims/" + c.ID + "/accept", dem, `{}`, "en-GB", 409,
			`{"type":"about:blank","title":"Conflict","status":409,"detail":"claim ` + c.ID + ` is rejected; only a proposed claim can be accepted","code":"conflict"}`},
		{"a conflict, no language asked", "POST", "/v1/claims/" + c.ID + "/accept", dem, `{}`, "", 409,
			`{"type":"about:blank","title":"Conflict","status":409,"detail":"claim ` + c.ID + ` is rejected; only a proposed claim can be accepted","code":"conflict"}`},
		{"a field in Chinese", "PATCH", "/v1/items/LH-D01", ts.unitToken("lh-school"), `{"priority":9}`, "zh", 400,
			`{"type":"about:blank","title":"Bad Request","status":400,"detail":"须在 1 到 5 之间（现为 9）","code":"invalid","field":"priority"}`},
		{"an import's problems in Chinese", "POST", "/v1/import", testAdmin, bad, "zh-CN", 400,
			`{"type":"about:blank","title":"Bad Request","status":400,"detail":"共 2 个问题，第一个：body:2: items[0] (id X1): quantity: 须在 1 到 1000000000 之间（现为 0）","code":"invalid",` +
				`"problems":[{"field":"items[0].quantity","detail":"body:2: items[0] (id X1): quantity: 须在 1 到 1000000000 之间（现为 0）","code":"invalid"},` +
				`{"field":"items[1].unit","detail":"body:3: items[1] (id X2): unit: 必填","code":"invalid"}],"problems_total":2}`},
		{"not found in Chinese", "GET", "/v1/units/tw-shop", dem, "", "zh-CN", 404,
			`{"type":"about:blank","title":"Not Found","status":404,"detail":"找不到单位“tw-shop”","code":"not_found"}`},
		{"no token in Chinese", "GET", "/v1/claims", "", "", "zh-CN", 401,
			`{"type":"about:blank","title":"Unauthorized","status":401,"detail":"请发送令牌：Authorization: Bearer TOKEN"}`},
		{"a method in Chinese", "PUT", "/v1/claims", dem, "", "zh-CN", 405,
			`{"type":"about:blank","title":"Method Not Allowed","status":405,"detail":"/v1/claims 只接受 GET, POST，不接受 PUT"}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var body io.Reader
			if tc.givenBody != "" {
				body = strings.NewReader(tc.givenBody)
			}
			req := httptest.NewRequest(tc.givenMethod, tc.givenPath, body)
			if tc.givenBody != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			if tc.givenToken != "" {
				req.Header.Set("Authorization", "Bearer "+tc.givenToken)
			}
			if tc.givenLanguage != "" {
				req.Header.Set("Accept-Language", tc.givenLanguage)
			}
			rec := httptest.NewRecorder()
			ts.Handler().ServeHTTP(rec, req)
			if rec.Code != tc.expectCode || strings.TrimSpace(rec.Body.String()) != tc.expectBody {
				t.Errorf("got  %d %s\nwant %d %s", rec.Code, rec.Body, tc.expectCode, tc.expectBody)
			}
			if zh := strings.HasPrefix(tc.givenLanguage, "zh"); zh != (rec.Header().Get("Content-Language") == "zh-CN") {
				t.Errorf("Content-Language %q for Accept-Language %q", rec.Header().Get("Content-Language"), tc.givenLanguage)
			}
		})
	}
}
