package api

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/store"
)

// The callers of the scope tables. The sample's lh (a community under the
// street st-lzw, under the district bn-district) is the home of every
// route's owner; tw (a community of another street) is foreign.
const (
	callerOwner        = "owner"
	callerSameAlliance = "same-alliance unit"
	callerForeignUnit  = "foreign unit"
	callerForeignCoord = "foreign coordinator"
	callerParentCoord  = "parent coordinator"
	callerDeleted      = "deleted subject's token"
	callerRevoked      = "revoked token"
)

var scopeCallers = []string{callerOwner, callerSameAlliance, callerForeignUnit, callerForeignCoord, callerParentCoord, callerDeleted, callerRevoked}

// idVariant puts a foreign id (a record of tw's) and an absent id in one
// place of a request: the path or the body. Both must be refused alike.
type idVariant struct {
	field             string // the field the answer names ("" for a path id)
	foreign, absent   string // the request's path or body with the id replaced
	inPath            bool
	foreignID, nopeID string
}

// scopeRoute is one write route: the request its owner may send, who else
// may send it, and every id the request names.
type scopeRoute struct {
	name, method string
	// setup prepares the state and returns the owner's path and body.
	setup func(ts *testServer) (path, body string)
	// owner and parent return the tokens of the owner and of a
	// coordinator above the owner's alliance (may be nil: none may).
	owner, parent func(ts *testServer) string
	// ok is the owner's (and parent's) status.
	ok int
	// sameAlliance is a unit of the owner's alliance that is not the owner
	// (nil: the claim's other lh unit, after setup).
	sameAlliance func() string
	// ids builds the id variants from the owner's path and body.
	ids func(path, body string) []idVariant
	// ctype is the body's Content-Type ("": JSON).
	ctype string
}

// do sends the route's request.
func (r scopeRoute) do(ts *testServer, method, path, token, body string) *httptest.ResponseRecorder {
	ts.tb.Helper()
	if r.ctype == "" {
		return ts.do(method, path, token, body)
	}
	return ts.doAs(method, path, token, r.ctype, body)
}

// inBody replaces the JSON string value old (quoted) in body.
func inBody(field, body, old, foreign string) idVariant {
	q := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	if !strings.Contains(body, q(old)) {
		panic("no " + old + " in " + body)
	}
	const absent = "zz-absent-9"
	return idVariant{field: field, foreign: strings.Replace(body, q(old), q(foreign), 1), absent: strings.Replace(body, q(old), q(absent), 1), foreignID: foreign, nopeID: absent}
}

// inQuery replaces the query parameter name's value old.
func inQuery(path, name, old, foreign string) idVariant {
	const absent = "zz-absent-9"
	q := name + "=" + old
	if !strings.Contains(path, q) {
		panic("no " + q + " in " + path)
	}
	return idVariant{field: name, inPath: true, foreign: strings.Replace(path, q, name+"="+foreign, 1), absent: strings.Replace(path, q, name+"="+absent, 1), foreignID: foreign, nopeID: absent}
}

// inPath replaces the path segment old.
func inPath(path, old, foreign string) idVariant {
	const absent = "zz-absent-9"
	return idVariant{inPath: true, foreign: strings.Replace(path, "/"+old, "/"+foreign, 1), absent: strings.Replace(path, "/"+old, "/"+absent, 1), foreignID: foreign, nopeID: absent}
}

func unitID(id string) func() string { return func() string { return id } }

// bystander returns a unit of lh that is on neither side of *c.
func bystander(c *matcher.Claim) func() string {
	return func() string {
		for _, u := range []string{"lh-pharmacy", "lh-law", "lh-social"} {
			if u != c.ResourceUnit && u != c.DemandUnit {
				return u
			}
		}
		panic("no bystander")
	}
}

func ids(vs ...idVariant) func(string, string) []idVariant {
	return func(string, string) []idVariant { return vs }
}

// fingerprint is what a refused request must leave as it was: the store's
// index (every record write moves it), the logins, the scenarios, the
// webhook subscriptions, the outbox and the messages with their delivery
// state.
func (ts *testServer) fingerprint() string {
	ts.tb.Helper()
	var b strings.Builder
	subs := ts.st.SideAll(store.SideWebhooks)
	for _, id := range slices.Sorted(maps.Keys(subs)) {
		b.WriteString(id + "=" + string(subs[id]) + " ")
	}
	err := ts.st.SideView(func(sd *store.Side) error {
		for _, table := range []string{store.SideOutbox, store.SideDeliveries, store.SideReminders} {
			if err := sd.Scan(table, nil, func(k, data []byte) (bool, error) {
				fmt.Fprintf(&b, "%s/%x=%s ", table, k, data)
				return true, nil
			}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		ts.tb.Fatal(err)
	}
	for _, k := range store.LoginKinds {
		logins, err := ts.st.Logins(k, nil)
		if err != nil {
			ts.tb.Fatal(err)
		}
		for _, l := range logins {
			b.WriteString(l.ID + " ")
		}
	}
	rec := ts.do(http.MethodGet, "/v1/scenarios?limit=1000", testAdmin, "")
	return b.String() + "|" + rec.Body.String() + "|" + itoa(int(ts.st.Seq()))
}

// deletedToken returns the token of a unit that was then deleted.
func (ts *testServer) deletedToken() string {
	ts.tb.Helper()
	if rec := ts.do(http.MethodPost, "/v1/units", testAdmin, `{"id":"lh-gone","name":"已撤销单位","kind":"shop","grid":"lh-g1","alliances":["lh"]}`); rec.Code != 201 {
		ts.tb.Fatalf("setup: %d %s", rec.Code, rec.Body)
	}
	tok := ts.unitToken("lh-gone")
	if rec := ts.do(http.MethodDelete, "/v1/units/lh-gone", testAdmin, ""); rec.Code != 204 {
		ts.tb.Fatalf("setup: %d %s", rec.Code, rec.Body)
	}
	return tok
}

// revokedToken returns a coordinator token of lh that was then revoked.
func (ts *testServer) revokedToken() string {
	ts.tb.Helper()
	tok := ts.coordToken("lh")
	if rec := ts.do(http.MethodDelete, "/v1/tokens/"+ts.tokenID(tok), testAdmin, ""); rec.Code != 204 {
		ts.tb.Fatalf("setup: %d %s", rec.Code, rec.Body)
	}
	return tok
}

// proposedClaimOf proposes the first of meetings that has proposals and
// returns its first claim.
func proposedClaimOf(ts *testServer, meetings ...string) matcher.Claim {
	for _, m := range meetings {
		if p := ts.propose(testAdmin, m, ""); len(p.Claims) > 0 {
			return p.Claims[0]
		}
	}
	ts.tb.Fatalf("no proposals for %v", meetings)
	return matcher.Claim{}
}

func (ts *testServer) scenario(token, body string) string {
	ts.tb.Helper()
	rec := ts.do(http.MethodPost, "/v1/scenarios", token, body)
	if rec.Code != http.StatusCreated {
		ts.tb.Fatalf("scenario %s: %d %s", body, rec.Code, rec.Body)
	}
	var out struct{ ID string }
	decodeBody(ts.tb, rec, &out)
	return out.ID
}

func scopeRoutes() []scopeRoute {
	var claim, foreignClaim matcher.Claim
	var scenarioID, otherScenario, foreignScenario, tokenID, foreignTokenID string
	var hookID, foreignHook, deadMsg, foreignMsg string
	// hooks subscribes lh's group and tw's (as the admin), and returns
	// their ids.
	hooks := func(ts *testServer, url string) (string, string) {
		return ts.webhook(testAdmin, `{"kind":"generic","url":"`+url+`/lh","alliance":"lh"}`), ts.webhook(testAdmin, `{"kind":"generic","url":"`+url+`/tw","alliance":"tw"}`)
	}
	const hookBody = `{"kind":"wecom","url":"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx","alliance":"lh","events":["proposed","overdue"]}`
	const unitHookBody = `{"kind":"dingtalk","url":"https://oapi.dingtalk.com/robot/send?access_token=abc","secret":"SEC0123456789abcdef","unit":"lh-school"}`
	answer := func(ans, side string, owner func(matcher.Claim) string, body string) scopeRoute {
		return scopeRoute{name: "POST /v1/claims/{id}/" + ans, method: http.MethodPost,
			setup: func(ts *testServer) (string, string) {
				claim, foreignClaim = proposedClaimOf(ts, "lh"), proposedClaimOf(ts, "tw", "st-shk", "ydbj", "ljtm", "nqc")
				if ans == "fulfil" {
					for _, side := range []string{"resource", "demand"} {
						if rec := ts.do(http.MethodPost, "/v1/claims/"+claim.ID+"/accept", testAdmin, `{"side":"`+side+`"}`); rec.Code != 200 {
							ts.tb.Fatalf("setup: %d %s", rec.Code, rec.Body)
						}
					}
				}
				return "/v1/claims/" + claim.ID + "/" + ans, body
			},
			owner:  func(ts *testServer) string { return ts.unitToken(owner(claim)) },
			parent: coordOwner("st-lzw"),
			ok:     200, sameAlliance: bystander(&claim),
			ids: func(path, _ string) []idVariant {
				return []idVariant{inPath(path, claim.ID, foreignClaim.ID)}
			}}
	}
	resourceUnit := func(c matcher.Claim) string { return c.ResourceUnit }
	demandUnit := func(c matcher.Claim) string { return c.DemandUnit }
	const (
		item    = `{"id":"LH-D99","kind":"demand","category":"tutoring","title":"周末作业辅导","quantity":3}`
		slot    = `{"id":"LH-D99","kind":"demand","category":"tutoring","title":"周末作业辅导","quantity":3,"project":"LH-P09"}`
		unit    = `{"id":"lh-new","name":"新成员","kind":"shop","grid":"lh-g1","alliances":["lh"]}`
		project = `{"id":"LH-P09","name":"校园开放日"}`
	)
	mk := func(ts *testServer, path, body string) {
		if rec := ts.do(http.MethodPost, path, testAdmin, body); rec.Code != 201 {
			ts.tb.Fatalf("setup %s: %d %s", path, rec.Code, rec.Body)
		}
	}
	return append([]scopeRoute{
		{name: "POST /v1/tokens (unit)", method: http.MethodPost, setup: fixed("/v1/tokens", `{"role":"unit","unit":"lh-school"}`),
			owner: coordOwner("lh"), parent: coordOwner("st-lzw"), ok: 201, sameAlliance: unitID("lh-bank"),
			ids: func(path, body string) []idVariant {
				return []idVariant{inBody("unit", body, "lh-school", "tw-company")}
			}},
		{name: "POST /v1/tokens (coordinator)", method: http.MethodPost, setup: fixed("/v1/tokens", `{"role":"coordinator","alliance":"lh"}`),
			owner: coordOwner("lh"), parent: coordOwner("st-lzw"), ok: 201, sameAlliance: unitID("lh-bank"),
			ids: func(path, body string) []idVariant { return []idVariant{inBody("alliance", body, "lh", "tw")} }},
		{name: "POST /v1/login-codes (unit)", method: http.MethodPost, setup: fixed("/v1/login-codes", `{"unit":"lh-school"}`),
			owner: coordOwner("lh"), parent: coordOwner("st-lzw"), ok: 201, sameAlliance: unitID("lh-bank"),
			ids: func(path, body string) []idVariant {
				return []idVariant{inBody("unit", body, "lh-school", "tw-company")}
			}},
		{name: "POST /v1/login-codes (coordinator)", method: http.MethodPost, setup: fixed("/v1/login-codes", `{"alliance":"lh"}`),
			owner: coordOwner("lh"), parent: coordOwner("st-lzw"), ok: 201, sameAlliance: unitID("lh-bank"),
			ids: func(path, body string) []idVariant { return []idVariant{inBody("alliance", body, "lh", "tw")} }},
		{name: "DELETE /v1/tokens/{id}", method: http.MethodDelete,
			setup: func(ts *testServer) (string, string) {
				tokenID, foreignTokenID = ts.tokenID(ts.unitToken("lh-school")), ts.tokenID(ts.unitToken("tw-company"))
				return "/v1/tokens/" + tokenID, ""
			},
			owner: coordOwner("lh"), parent: coordOwner("st-lzw"), ok: 204, sameAlliance: unitID("lh-bank"),
			ids: func(path, _ string) []idVariant { return []idVariant{inPath(path, tokenID, foreignTokenID)} }},
		{name: "POST /v1/meetings/{id}/proposals", method: http.MethodPost, setup: fixed("/v1/meetings/lh/proposals", `{"mode":"coverage"}`),
			owner: coordOwner("lh"), parent: coordOwner("st-lzw"), ok: 200, sameAlliance: unitID("lh-bank"),
			ids: func(path, _ string) []idVariant { return []idVariant{inPath(path, "lh", "tw")} }},
		{name: "POST /v1/meetings/{id}/escalate", method: http.MethodPost, setup: fixed("/v1/meetings/lh/escalate", ""),
			owner: coordOwner("lh"), parent: coordOwner("st-lzw"), ok: 200, sameAlliance: unitID("lh-bank"),
			ids: func(path, _ string) []idVariant { return []idVariant{inPath(path, "lh", "tw")} }},
		answer("accept", "resource", resourceUnit, `{"side":"resource"}`),
		answer("reject", "demand", demandUnit, `{"side":"demand","reason":"时间不合适"}`),
		answer("withdraw", "resource", resourceUnit, `{"side":"resource","reason":"资源已用完"}`),
		answer("fulfil", "demand", demandUnit, `{"side":"demand"}`),
		func() scopeRoute {
			r := answer("fulfil", "demand", demandUnit, `{"side":"demand","quantity":1}`)
			r.name += " (part)"
			return r
		}(),
		{name: "POST /v1/meetings/{id}/escalate (items)", method: http.MethodPost, setup: fixed("/v1/meetings/lh/escalate", `{"items":["LH-D10","LH-P01-S3"]}`),
			owner: coordOwner("lh"), parent: coordOwner("st-lzw"), ok: 200, sameAlliance: unitID("lh-bank"),
			ids: func(path, body string) []idVariant {
				return []idVariant{
					inPath(path, "lh", "tw"),
					inBody("items[0]", body, "LH-D10", "TW-D01"),
					inBody("items[1]", body, "LH-P01-S3", "TW-P01-S1"),
				}
			}},
		{name: "PUT /v1/meetings/{id}/deadline", method: http.MethodPut,
			setup: func(ts *testServer) (string, string) {
				proposedClaimOf(ts, "lh")
				return "/v1/meetings/lh/deadline", `{"answer_by":"` + ts.service().Now().Add(72*time.Hour).UTC().Format(time.RFC3339) + `"}`
			},
			owner: coordOwner("lh"), parent: coordOwner("st-lzw"), ok: 200, sameAlliance: unitID("lh-bank"),
			ids: func(path, _ string) []idVariant { return []idVariant{inPath(path, "lh", "tw")} }},
		{name: "POST /v1/items/{id}/return", method: http.MethodPost,
			setup: func(ts *testServer) (string, string) {
				if rec := ts.do(http.MethodPost, "/v1/meetings/lh/escalate", testAdmin, `{"items":["LH-D10"]}`); rec.Code != 200 {
					ts.tb.Fatalf("setup: %d %s", rec.Code, rec.Body)
				}
				return "/v1/items/LH-D10/return", ""
			},
			owner: coordOwner("lh"), parent: coordOwner("st-lzw"), ok: 200, sameAlliance: unitID("lh-bank"),
			ids: func(path, _ string) []idVariant { return []idVariant{inPath(path, "LH-D10", "TW-D01")} }},
		{name: "POST /v1/claims", method: http.MethodPost,
			setup: fixed("/v1/claims", `{"resource":"LH-R12","demand":"LH-D01","quantity":1,"meeting":"lh","side":"resource"}`),
			owner: unitOwner("lh-committee"), parent: coordOwner("st-lzw"), ok: 201, sameAlliance: unitID("lh-bank"),
			ids: func(path, body string) []idVariant {
				return []idVariant{
					inBody("resource", body, "LH-R12", "TW-R01"),
					inBody("demand", body, "LH-D01", "TW-D01"),
					inBody("meeting", body, "lh", "tw"),
				}
			}},
		{name: "POST /v1/alliances", method: http.MethodPost,
			setup: fixed("/v1/alliances", `{"id":"lh2","name":"新社区联盟","level":"community","lead":"lh-school","members":["lzwc-noodle"],"parent":"st-lzw"}`),
			owner: coordOwner("st-lzw"), parent: coordOwner("bn-district"), ok: 201, sameAlliance: unitID("lh-school"),
			ids: func(path, body string) []idVariant {
				return []idVariant{
					inBody("lead", body, "lh-school", "tw-company"),
					inBody("members[0]", body, "lzwc-noodle", "tw-winery"),
					inBody("parent", body, "st-lzw", "st-shk"),
				}
			}},
		{name: "PATCH /v1/alliances/{id}", method: http.MethodPatch, setup: fixed("/v1/alliances/lh", `{"lead":"lh-bank","remove":["lh-law"]}`),
			owner: coordOwner("lh"), parent: coordOwner("st-lzw"), ok: 200, sameAlliance: unitID("lh-school"),
			ids: func(path, body string) []idVariant {
				return []idVariant{
					inPath(path, "lh", "tw"),
					inBody("lead", body, "lh-bank", "tw-company"),
					inBody("remove[0]", body, "lh-law", "tw-shop"),
				}
			}},
		{name: "PATCH /v1/alliances/{id} (add, members)", method: http.MethodPatch, setup: fixed("/v1/alliances/lh", `{"members":["lh-school","lzwc-shops"],"add":["lzwc-noodle"]}`),
			owner: coordOwner("st-lzw"), parent: coordOwner("bn-district"), ok: 200, sameAlliance: unitID("lh-school"),
			ids: func(path, body string) []idVariant {
				return []idVariant{
					inPath(path, "lh", "tw"),
					inBody("members[1]", body, "lzwc-shops", "tw-shop"),
					inBody("add[0]", body, "lzwc-noodle", "tw-winery"),
				}
			}},
		{name: "POST /v1/units", method: http.MethodPost, setup: fixed("/v1/units", unit),
			owner: coordOwner("lh"), parent: coordOwner("st-lzw"), ok: 201, sameAlliance: unitID("lh-bank"),
			ids: func(path, body string) []idVariant { return []idVariant{inBody("alliances[0]", body, "lh", "tw")} }},
		{name: "PATCH /v1/units/{id}", method: http.MethodPatch, setup: fixed("/v1/units/lh-school", `{"name":"龙洲湾中学（新）"}`),
			owner: unitOwner("lh-school"), parent: coordOwner("st-lzw"), ok: 200, sameAlliance: unitID("lh-bank"),
			ids: func(path, _ string) []idVariant { return []idVariant{inPath(path, "lh-school", "tw-company")} }},
		{name: "PATCH /v1/units/{id} (alliances)", method: http.MethodPatch, setup: fixed("/v1/units/lh-school", `{"alliances":["lzwc"]}`),
			owner: coordOwner("st-lzw"), parent: coordOwner("bn-district"), ok: 200, sameAlliance: unitID("lh-school"),
			ids: func(path, body string) []idVariant {
				return []idVariant{inPath(path, "lh-school", "tw-company"), inBody("alliances[0]", body, "lzwc", "tw")}
			}},
		{name: "DELETE /v1/units/{id}", method: http.MethodDelete,
			setup: func(ts *testServer) (string, string) { mk(ts, "/v1/units", unit); return "/v1/units/lh-new", "" },
			owner: coordOwner("lh"), parent: coordOwner("st-lzw"), ok: 204, sameAlliance: unitID("lh-bank"),
			ids: func(path, _ string) []idVariant { return []idVariant{inPath(path, "lh-new", "tw-shop")} }},
		{name: "POST /v1/units/{id}/items", method: http.MethodPost, setup: fixed("/v1/units/lh-school/items", item),
			owner: unitOwner("lh-school"), parent: coordOwner("st-lzw"), ok: 201, sameAlliance: unitID("lh-bank"),
			ids: func(path, _ string) []idVariant { return []idVariant{inPath(path, "lh-school", "tw-company")} }},
		{name: "POST /v1/units/{id}/items (slot)", method: http.MethodPost,
			setup: func(ts *testServer) (string, string) {
				mk(ts, "/v1/units/lh-school/projects", project)
				return "/v1/units/lh-school/items", slot
			},
			owner: unitOwner("lh-school"), parent: coordOwner("st-lzw"), ok: 201, sameAlliance: unitID("lh-bank"),
			ids: func(path, body string) []idVariant { return []idVariant{inBody("project", body, "LH-P09", "TW-P01")} }},
		{name: "PATCH /v1/items/{id}", method: http.MethodPatch, setup: fixed("/v1/items/LH-D01", `{"quantity":7,"tags":["护学"]}`),
			owner: unitOwner("lh-school"), parent: coordOwner("st-lzw"), ok: 200, sameAlliance: unitID("lh-bank"),
			ids: func(path, _ string) []idVariant { return []idVariant{inPath(path, "LH-D01", "TW-D01")} }},
		{name: "PATCH /v1/items/{id} (slot)", method: http.MethodPatch,
			setup: func(ts *testServer) (string, string) {
				mk(ts, "/v1/units/lh-school/projects", project)
				return "/v1/items/LH-D01", `{"project":"LH-P09"}`
			},
			owner: unitOwner("lh-school"), parent: coordOwner("st-lzw"), ok: 200, sameAlliance: unitID("lh-bank"),
			ids: func(path, body string) []idVariant { return []idVariant{inBody("project", body, "LH-P09", "TW-P01")} }},
		{name: "DELETE /v1/items/{id}", method: http.MethodDelete,
			setup: func(ts *testServer) (string, string) {
				mk(ts, "/v1/units/lh-school/items", item)
				return "/v1/items/LH-D99", ""
			},
			owner: unitOwner("lh-school"), parent: coordOwner("st-lzw"), ok: 204, sameAlliance: unitID("lh-bank"),
			ids: func(path, _ string) []idVariant { return []idVariant{inPath(path, "LH-D99", "TW-D06")} }},
		{name: "POST /v1/units/{id}/projects", method: http.MethodPost, setup: fixed("/v1/units/lh-school/projects", project),
			owner: unitOwner("lh-school"), parent: coordOwner("st-lzw"), ok: 201, sameAlliance: unitID("lh-bank"),
			ids: func(path, _ string) []idVariant { return []idVariant{inPath(path, "lh-school", "tw-company")} }},
		{name: "PATCH /v1/projects/{id}", method: http.MethodPatch, setup: fixed("/v1/projects/LH-P01", `{"status":"running"}`),
			owner: unitOwner("lh-committee"), parent: coordOwner("st-lzw"), ok: 200, sameAlliance: unitID("lh-bank"),
			ids: func(path, _ string) []idVariant { return []idVariant{inPath(path, "LH-P01", "TW-P01")} }},
		{name: "DELETE /v1/projects/{id}", method: http.MethodDelete,
			setup: func(ts *testServer) (string, string) {
				mk(ts, "/v1/units/lh-school/projects", project)
				return "/v1/projects/LH-P09", ""
			},
			owner: unitOwner("lh-school"), parent: coordOwner("st-lzw"), ok: 204, sameAlliance: unitID("lh-bank"),
			ids: func(path, _ string) []idVariant { return []idVariant{inPath(path, "LH-P09", "TW-P01")} }},
		{name: "POST /v1/import", method: http.MethodPost,
			setup: fixed("/v1/import", `{"format":"allymatch.bundle/v1","units":[{"id":"lh-imp","name":"导入单位","kind":"shop","grid":"lh-g1"}]}`),
			owner: adminOwner, ok: 200, sameAlliance: unitID("lh-bank"), ids: ids()},
		{name: "POST /v1/scenarios", method: http.MethodPost,
			setup: fixed("/v1/scenarios", `{"meeting":"lh","edits":[{"op":"set_quantity","item":"LH-R12","quantity":70},{"op":"remove_unit","unit":"lh-bakery"},{"op":"set_project_status","project":"LH-P01","status":"dropped"}]}`),
			owner: coordOwner("lh"), parent: coordOwner("st-lzw"), ok: 201, sameAlliance: unitID("lh-bank"),
			ids: func(path, body string) []idVariant {
				return []idVariant{
					inBody("meeting", body, "lh", "tw"),
					inBody("edits[0].item", body, "LH-R12", "TW-R01"),
					inBody("edits[1].unit", body, "lh-bakery", "tw-shop"),
					inBody("edits[2].project", body, "LH-P01", "TW-P01"),
				}
			}},
		{name: "POST /v1/scenarios (scope)", method: http.MethodPost,
			setup: fixed("/v1/scenarios", `{"scope":["st-lzw"],"name":"龙洲湾街道护学","edits":[{"op":"set_quantity","item":"LH-R12","quantity":70},{"op":"set_unit","unit":"lh-bank","alliances":["lzwc"]}]}`),
			owner: coordOwner("st-lzw"), parent: coordOwner("bn-district"), ok: 201, sameAlliance: unitID("lh-bank"),
			ids: func(path, body string) []idVariant {
				return []idVariant{
					inBody("scope[0]", body, "st-lzw", "tw"),
					inBody("edits[0].item", body, "LH-R12", "TW-R01"),
					inBody("edits[1].unit", body, "lh-bank", "tw-shop"),
					inBody("edits[1].alliances[0]", body, "lzwc", "tw"),
				}
			}},
		{name: "POST /v1/scenarios/sheet", method: http.MethodPost, ctype: "text/csv",
			setup: fixed("/v1/scenarios/sheet?scope=st-lzw&name=%E9%BE%99%E6%B4%B2%E6%B9%BE", "操作,条目,数量,成员单位,加入联盟\n修改数量,\"LH-R12\",70,,\n修改成员单位,,,\"lh-bank\",\"lzwc\"\n"),
			owner: coordOwner("st-lzw"), parent: coordOwner("bn-district"), ok: 201, sameAlliance: unitID("lh-bank"),
			ids: func(path, body string) []idVariant {
				return []idVariant{
					inQuery(path, "scope", "st-lzw", "tw"),
					inBody("B2.item", body, "LH-R12", "TW-R01"),
					inBody("D3.unit", body, "lh-bank", "tw-shop"),
					inBody("E3.alliances[0]", body, "lzwc", "tw"),
				}
			}},
		{name: "POST /v1/scenarios/{id}/apply", method: http.MethodPost,
			setup: func(ts *testServer) (string, string) {
				scenarioID = ts.scenario(ts.coordToken("lh"), `{"meeting":"lh","edits":[{"op":"set_quantity","item":"LH-R12","quantity":70}]}`)
				foreignScenario = ts.scenario(ts.coordToken("tw"), `{"meeting":"tw","edits":[{"op":"set_quantity","item":"TW-R01","quantity":70}]}`)
				return "/v1/scenarios/" + scenarioID + "/apply", ""
			},
			owner: coordOwner("lh"), parent: coordOwner("st-lzw"), ok: 200, sameAlliance: unitID("lh-bank"),
			ids: func(path, _ string) []idVariant { return []idVariant{inPath(path, scenarioID, foreignScenario)} }},
		{name: "POST /v1/webhooks (alliance)", method: http.MethodPost, setup: fixed("/v1/webhooks", hookBody),
			owner: coordOwner("lh"), parent: coordOwner("st-lzw"), ok: 201, sameAlliance: unitID("lh-bank"),
			ids: func(path, body string) []idVariant { return []idVariant{inBody("alliance", body, "lh", "tw")} }},
		{name: "POST /v1/webhooks (unit)", method: http.MethodPost, setup: fixed("/v1/webhooks", unitHookBody),
			owner: unitOwner("lh-school"), parent: coordOwner("st-lzw"), ok: 201, sameAlliance: unitID("lh-bank"),
			ids: func(path, body string) []idVariant {
				return []idVariant{inBody("unit", body, "lh-school", "tw-company")}
			}},
		{name: "DELETE /v1/webhooks/{id}", method: http.MethodDelete,
			setup: func(ts *testServer) (string, string) {
				hookID, foreignHook = hooks(ts, "https://hooks.example")
				return "/v1/webhooks/" + hookID, ""
			},
			owner: coordOwner("lh"), parent: coordOwner("st-lzw"), ok: 204, sameAlliance: unitID("lh-bank"),
			ids: func(path, _ string) []idVariant { return []idVariant{inPath(path, hookID, foreignHook)} }},
		{name: "POST /v1/webhooks/{id}/test", method: http.MethodPost,
			setup: func(ts *testServer) (string, string) {
				hookID, foreignHook = hooks(ts, "https://hooks.example")
				return "/v1/webhooks/" + hookID + "/test", ""
			},
			owner: coordOwner("lh"), parent: coordOwner("st-lzw"), ok: 202, sameAlliance: unitID("lh-bank"),
			ids: func(path, _ string) []idVariant { return []idVariant{inPath(path, hookID, foreignHook)} }},
		{name: "POST /v1/webhooks/{id}/deliveries/{msg}/retry", method: http.MethodPost,
			setup: func(ts *testServer) (string, string) {
				down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(500) }))
				ts.tb.Cleanup(down.Close)
				hookID, foreignHook = hooks(ts, down.URL)
				deadMsg, foreignMsg = ts.deadLetter(hookID), ts.deadLetter(foreignHook)
				return "/v1/webhooks/" + hookID + "/deliveries/" + deadMsg + "/retry", ""
			},
			owner: coordOwner("lh"), parent: coordOwner("st-lzw"), ok: 202, sameAlliance: unitID("lh-bank"),
			ids: func(path, _ string) []idVariant {
				return []idVariant{inPath(path, hookID, foreignHook), inPath(path, deadMsg, foreignMsg)}
			}},
		{name: "POST /v1/webhooks/{id}/retry", method: http.MethodPost,
			setup: func(ts *testServer) (string, string) {
				down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(500) }))
				ts.tb.Cleanup(down.Close)
				hookID, foreignHook = hooks(ts, down.URL)
				ts.deadLetter(hookID)
				ts.deadLetter(foreignHook)
				return "/v1/webhooks/" + hookID + "/retry", ""
			},
			owner: coordOwner("lh"), parent: coordOwner("st-lzw"), ok: 202, sameAlliance: unitID("lh-bank"),
			ids: func(path, _ string) []idVariant { return []idVariant{inPath(path, hookID, foreignHook)} }},
		{name: "DELETE /v1/scenarios/{id}", method: http.MethodDelete,
			setup: func(ts *testServer) (string, string) {
				scenarioID = ts.scenario(ts.coordToken("lh"), `{"meeting":"lh"}`)
				foreignScenario = ts.scenario(ts.coordToken("tw"), `{"meeting":"tw"}`)
				return "/v1/scenarios/" + scenarioID, ""
			},
			owner: coordOwner("lh"), parent: coordOwner("st-lzw"), ok: 204, sameAlliance: unitID("lh-bank"),
			ids: func(path, _ string) []idVariant { return []idVariant{inPath(path, scenarioID, foreignScenario)} }},
		{name: "POST /v1/scenarios/{id}/share", method: http.MethodPost,
			setup: func(ts *testServer) (string, string) {
				scenarioID = ts.scenario(ts.coordToken("lh"), `{"meeting":"lh","edits":[{"op":"set_quantity","item":"LH-R12","quantity":70}]}`)
				foreignScenario = ts.scenario(ts.coordToken("tw"), `{"meeting":"tw"}`)
				return "/v1/scenarios/" + scenarioID + "/share", `{"shared":true}`
			},
			owner: coordOwner("lh"), parent: coordOwner("st-lzw"), ok: 200, sameAlliance: unitID("lh-bank"),
			ids: func(path, _ string) []idVariant { return []idVariant{inPath(path, scenarioID, foreignScenario)} }},
		{name: "GET /v1/scenarios/{id}", method: http.MethodGet,
			setup: func(ts *testServer) (string, string) {
				scenarioID = ts.scenario(ts.coordToken("lh"), `{"meeting":"lh","edits":[{"op":"set_quantity","item":"LH-R12","quantity":70}]}`)
				foreignScenario = ts.scenario(ts.coordToken("tw"), `{"meeting":"tw"}`)
				return "/v1/scenarios/" + scenarioID, ""
			},
			owner: coordOwner("lh"), parent: coordOwner("st-lzw"), ok: 200, sameAlliance: unitID("lh-bank"),
			ids: func(path, _ string) []idVariant { return []idVariant{inPath(path, scenarioID, foreignScenario)} }},
		{name: "GET /v1/scenarios/{id}/diff", method: http.MethodGet,
			setup: func(ts *testServer) (string, string) {
				scenarioID = ts.scenario(ts.coordToken("lh"), `{"meeting":"lh","edits":[{"op":"set_quantity","item":"LH-R12","quantity":70}]}`)
				foreignScenario = ts.scenario(ts.coordToken("tw"), `{"meeting":"tw"}`)
				return "/v1/scenarios/" + scenarioID + "/diff", ""
			},
			owner: coordOwner("lh"), parent: coordOwner("st-lzw"), ok: 200, sameAlliance: unitID("lh-bank"),
			ids: func(path, _ string) []idVariant { return []idVariant{inPath(path, scenarioID, foreignScenario)} }},
		{name: "GET /v1/scenarios/{id}/compare", method: http.MethodGet,
			setup: func(ts *testServer) (string, string) {
				scenarioID = ts.scenario(ts.coordToken("lh"), `{"meeting":"lh","edits":[{"op":"set_quantity","item":"LH-R12","quantity":70}]}`)
				otherScenario = ts.scenario(ts.coordToken("lh"), `{"meeting":"lh","edits":[{"op":"remove_unit","unit":"lh-bakery"}]}`)
				foreignScenario = ts.scenario(ts.coordToken("tw"), `{"meeting":"tw"}`)
				return "/v1/scenarios/" + scenarioID + "/compare?with=" + otherScenario, ""
			},
			owner: coordOwner("lh"), parent: coordOwner("st-lzw"), ok: 200, sameAlliance: unitID("lh-bank"),
			ids: func(path, _ string) []idVariant {
				return []idVariant{inPath(path, scenarioID, foreignScenario), inQuery(path, "with", otherScenario, foreignScenario)}
			}},
	}, ledgerScopeRoutes()...) // the points bank (ledger_scope_test.go)
}

// TestScopeOfEveryID: for every write route, every caller but the owner
// (and the coordinator above it) is refused with 401, 403 or 404; every
// id the request names, in the path or the body, replaced by a record
// outside the owner's scope is refused exactly as an absent id is (the
// same status and field); and nothing changes, neither records, the audit
// log, logins nor scenarios. The owner, and the parent coordinator on a
// fresh store, then succeed.
func TestScopeOfEveryID(t *testing.T) {
	for _, r := range scopeRoutes() {
		t.Run(r.name, func(t *testing.T) {
			ts := newTestServer(t)
			tokens := map[string]string{
				callerDeleted: ts.deletedToken(), // these write: before the setup
				callerRevoked: ts.revokedToken(),
			}
			path, body := r.setup(ts)
			tokens[callerSameAlliance] = ts.unitToken(r.sameAlliance())
			tokens[callerForeignUnit] = ts.unitToken("tw-company")
			tokens[callerForeignCoord] = ts.coordToken("tw")
			tokens[callerParentCoord] = ts.coordToken("lh") // the route is the admin's: a coordinator is refused
			if r.parent != nil {
				tokens[callerParentCoord] = r.parent(ts)
			}
			tokens[callerOwner] = r.owner(ts)
			before := ts.fingerprint()
			for _, who := range scopeCallers {
				if who == callerOwner || who == callerParentCoord && r.parent != nil {
					continue
				}
				rec := r.do(ts, r.method, path, tokens[who], body)
				want := []int{401, 403, 404}
				if who == callerDeleted || who == callerRevoked {
					want = []int{401}
				}
				if !containsInt(want, rec.Code) {
					t.Errorf("%s: %s %s = %d %s, want one of %v", who, r.method, path, rec.Code, rec.Body, want)
				}
				if got := ts.fingerprint(); got != before {
					t.Fatalf("%s: the refused request changed something", who)
				}
			}
			for _, v := range r.ids(path, body) {
				send := func(req string) *Problem {
					p, b := path, body
					if v.inPath {
						p = req
					} else {
						b = req
					}
					rec := r.do(ts, r.method, p, tokens[callerOwner], b)
					var out Problem
					decodeBody(t, rec, &out)
					if rec.Code != http.StatusNotFound {
						t.Errorf("owner with %s %q: %s %s %s = %d %s, want 404", v.field, req, r.method, p, b, rec.Code, rec.Body)
					}
					out.Detail = strings.ReplaceAll(strings.ReplaceAll(out.Detail, v.foreignID, "ID"), v.nopeID, "ID")
					return &out
				}
				foreign, absent := send(v.foreign), send(v.absent)
				if foreign.Status != absent.Status || foreign.Field != absent.Field || foreign.Detail != absent.Detail || foreign.Code != absent.Code {
					t.Errorf("%s: a foreign id answers %+v, an absent one %+v: the answer tells them apart", v.field, *foreign, *absent)
				}
				if !v.inPath && foreign.Field != v.field {
					t.Errorf("a foreign %s: field %q, want %q", v.field, foreign.Field, v.field)
				}
				if got := ts.fingerprint(); got != before {
					t.Fatalf("%s: a refused request changed something", v.field)
				}
			}
			if rec := r.do(ts, r.method, path, tokens[callerOwner], body); rec.Code != r.ok {
				t.Errorf("owner: %s %s = %d %s, want %d", r.method, path, rec.Code, rec.Body, r.ok)
			}
			if r.parent != nil {
				ts := newTestServer(t)
				path, body := r.setup(ts)
				if rec := r.do(ts, r.method, path, r.parent(ts), body); rec.Code != r.ok {
					t.Errorf("parent coordinator: %s %s = %d %s, want %d", r.method, path, rec.Code, rec.Body, r.ok)
				}
			}
		})
	}
}

func containsInt(list []int, v int) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// refused sends a request that must be refused (status want) and change
// nothing.
func (ts *testServer) refused(want int, method, path, token, body string) {
	ts.tb.Helper()
	before := ts.fingerprint()
	if rec := ts.do(method, path, token, body); rec.Code != want {
		ts.tb.Errorf("%s %s %s = %d %s, want %d", method, path, body, rec.Code, rec.Body, want)
	}
	if ts.fingerprint() != before {
		ts.tb.Errorf("%s %s %s: the refused request changed something", method, path, body)
	}
}

func (ts *testServer) ok(want int, method, path, token, body string) []byte {
	ts.tb.Helper()
	rec := ts.do(method, path, token, body)
	if rec.Code != want {
		ts.tb.Fatalf("%s %s %s = %d %s, want %d", method, path, body, rec.Code, rec.Body, want)
	}
	return rec.Body.Bytes()
}

// TestScopeInTwoSteps: the attacks that take two steps (make something
// legitimately, then use it to reach outside the scope) are refused at the
// second step, which changes nothing.
func TestScopeInTwoSteps(t *testing.T) {
	t.Run("a sub-alliance does not take over another street's units", func(t *testing.T) {
		ts := newTestServer(t)
		street := ts.coordToken("st-lzw")
		ts.ok(201, http.MethodPost, "/v1/alliances", street, `{"id":"lzw-new","name":"新联盟","level":"community","lead":"lh-school","parent":"st-lzw"}`)
		ts.refused(404, http.MethodPatch, "/v1/units/tw-company", street, `{"alliances":["lzw-new"]}`)
		ts.refused(404, http.MethodPatch, "/v1/units/lh-bank", ts.coordToken("tw"), `{"alliances":["tw"]}`)
		ts.refused(409, http.MethodPost, "/v1/units", street, `{"id":"tw-company","name":"同名单位","kind":"shop","grid":"lh-g1","alliances":["lzw-new"]}`)
		ts.refused(404, http.MethodGet, "/v1/units/tw-company/items", street, "")
		var l struct{ Items []matcher.Claim }
		json.Unmarshal(ts.ok(200, http.MethodGet, "/v1/claims?unit=tw-company", street, ""), &l)
		if len(l.Items) != 0 {
			t.Errorf("the street coordinator lists %d claims of tw-company", len(l.Items))
		}
	})
	t.Run("a hand claim is answered only by its sides and their coordinators", func(t *testing.T) {
		ts := newTestServer(t)
		var c matcher.Claim
		json.Unmarshal(ts.ok(201, http.MethodPost, "/v1/claims", ts.unitToken("lh-committee"), `{"resource":"LH-R12","demand":"LH-D01","quantity":1,"meeting":"lh"}`), &c)
		for _, tok := range []string{ts.unitToken("tw-company"), ts.coordToken("tw")} {
			ts.refused(404, http.MethodPost, "/v1/claims/"+c.ID+"/accept", tok, `{"side":"demand"}`)
			ts.refused(404, http.MethodPost, "/v1/claims/"+c.ID+"/withdraw", tok, `{"side":"resource"}`)
		}
		ts.refused(404, http.MethodPost, "/v1/claims/"+c.ID+"/accept", ts.unitToken("lh-bank"), "")
		ts.ok(200, http.MethodPost, "/v1/claims/"+c.ID+"/accept", ts.coordToken("lh"), `{"side":"demand"}`)
	})
	t.Run("a coordinator records the answers of its own units only", func(t *testing.T) {
		ts := newTestServer(t)
		// A district claim between a unit of lh and one outside st-lzw.
		c := districtClaim(ts)
		lh, other := ts.coordToken("lh"), ts.coordToken(allianceOf(ts, c.DemandUnit))
		ts.refused(403, http.MethodPost, "/v1/claims/"+c.ID+"/accept", lh, `{"side":"demand"}`)
		ts.refused(403, http.MethodPost, "/v1/claims/"+c.ID+"/reject", lh, `{"side":"demand"}`)
		ts.refused(403, http.MethodPost, "/v1/claims/"+c.ID+"/accept", other, `{"side":"resource"}`)
		ts.ok(200, http.MethodPost, "/v1/claims/"+c.ID+"/accept", lh, `{"side":"resource"}`)
		ts.ok(200, http.MethodPost, "/v1/claims/"+c.ID+"/accept", other, `{"side":"demand"}`)
	})
	t.Run("a login made in scope cannot be used or revoked from outside", func(t *testing.T) {
		ts := newTestServer(t)
		lh := ts.coordToken("lh")
		var tok tokenResponse
		json.Unmarshal(ts.ok(201, http.MethodPost, "/v1/tokens", lh, `{"role":"unit","unit":"lh-school"}`), &tok)
		ts.refused(404, http.MethodDelete, "/v1/tokens/"+tok.ID, ts.coordToken("tw"), "")
		ts.refused(404, http.MethodDelete, "/v1/tokens/"+tok.ID, ts.unitToken("lh-bank"), "")
		ts.refused(403, http.MethodPost, "/v1/tokens", tok.Token, `{"role":"unit","unit":"lh-school"}`)
		var l struct{ Items []loginView }
		json.Unmarshal(ts.ok(200, http.MethodGet, "/v1/tokens", tok.Token, ""), &l)
		if len(l.Items) != 1 || l.Items[0].ID != tok.ID {
			t.Errorf("a unit lists %+v, want its own token only", l.Items)
		}
		// The unit made by lh, given a login, deleted and made again by tw.
		ts.ok(201, http.MethodPost, "/v1/units", lh, `{"id":"lh-x","name":"新商户","kind":"shop","grid":"lh-g1","alliances":["lh"]}`)
		json.Unmarshal(ts.ok(201, http.MethodPost, "/v1/tokens", lh, `{"role":"unit","unit":"lh-x"}`), &tok)
		ts.ok(204, http.MethodDelete, "/v1/units/lh-x", lh, "")
		ts.ok(201, http.MethodPost, "/v1/units", ts.coordToken("tw"), `{"id":"lh-x","name":"塘湾新商户","kind":"shop","grid":"tw-g1","alliances":["tw"]}`)
		ts.refused(401, http.MethodGet, "/v1/units/lh-x", tok.Token, "")
		ts.refused(401, http.MethodPatch, "/v1/units/lh-x", tok.Token, `{"name":"被冒用"}`)
	})
	t.Run("a scenario made by one coordinator is not another's", func(t *testing.T) {
		ts := newTestServer(t)
		id := ts.scenario(ts.coordToken("tw"), `{"meeting":"tw","edits":[{"op":"set_quantity","item":"TW-R01","quantity":70}]}`)
		lh := ts.coordToken("lh")
		ts.refused(404, http.MethodPost, "/v1/scenarios/"+id+"/apply", lh, "")
		ts.refused(404, http.MethodDelete, "/v1/scenarios/"+id, lh, "")
		ts.refused(404, http.MethodGet, "/v1/scenarios/"+id+"/diff", lh, "")
	})
	t.Run("a shared district scenario is read within the reader's scope", func(t *testing.T) {
		ts := newTestServer(t)
		const scope = `"scope":["bn-district","bn-water"]`
		a := ts.scenario(testAdmin, `{`+scope+`,"edits":[{"op":"set_quantity","item":"LH-D02","quantity":5},{"op":"set_quantity","item":"LZWC-D02","quantity":3}]}`)
		b := ts.scenario(testAdmin, `{`+scope+`,"edits":[{"op":"set_quantity","item":"LH-D02","quantity":2},{"op":"set_quantity","item":"LZWC-D02","quantity":1}]}`)
		for _, id := range []string{a, b} {
			ts.ok(200, http.MethodPost, "/v1/scenarios/"+id+"/share", testAdmin, `{"shared":true}`)
		}
		lh := ts.coordToken("lh")
		for _, path := range []string{"/v1/scenarios/" + a, "/v1/scenarios/" + a + "/diff", "/v1/scenarios/" + a + "/compare?with=" + b, "/v1/scenarios?limit=10"} {
			body := string(ts.ok(200, http.MethodGet, path, lh, ""))
			if !strings.Contains(body, `"partial":true`) || !strings.Contains(body, "LH-D02") || strings.Contains(body, "LZWC") || strings.Contains(body, "lzwc-") {
				t.Errorf("lh's coordinator reads %s: %.1500s", path, body)
			}
			if whole := string(ts.ok(200, http.MethodGet, path, testAdmin, "")); !strings.Contains(whole, "LZWC-D02") || strings.Contains(whole, `"partial"`) {
				t.Errorf("the admin reads %s: %.1500s", path, whole)
			}
		}
	})
}

// districtClaim stores a proposal of the district meeting between a
// resource of an lh unit and a demand of a unit outside st-lzw (the first
// compatible open pair), as the solver would.
func districtClaim(ts *testServer) matcher.Claim {
	ts.tb.Helper()
	sn := ts.st.Snapshot()
	for res := range sn.Items() {
		if res.Kind != matcher.Resource || res.Status != matcher.ItemOpen || !strings.HasPrefix(res.Unit, "lh-") {
			continue
		}
		for dem := range sn.Items() {
			if dem.Kind != matcher.Demand || dem.Status != matcher.ItemOpen || strings.HasPrefix(dem.Unit, "lh-") ||
				strings.HasPrefix(dem.Unit, "lzw") || !sn.Vocab.Compatible(res.Category, dem.Category) {
				continue
			}
			now := time.Now().UTC()
			c := matcher.Claim{ID: "bn-district.test.1", Resource: res.ID, Demand: dem.ID, ResourceUnit: res.Unit, DemandUnit: dem.Unit,
				Quantity: 1, Origin: matcher.OriginSolver, Status: matcher.ClaimProposed, Meeting: "bn-district", Created: now, Updated: now}
			if _, err := ts.st.Update(context.Background(), "system", "test.claim", nil, func(tx *store.Tx) error { return tx.PutClaim(c) }); err != nil {
				ts.tb.Fatal(err)
			}
			return c
		}
	}
	ts.tb.Fatal("no compatible pair between lh and the rest of the district")
	return matcher.Claim{}
}

// allianceOf returns the first alliance unit belongs to.
func allianceOf(ts *testServer, unit string) string {
	for a := range ts.st.Snapshot().AlliancesOf(unit) {
		return a.ID
	}
	ts.tb.Fatalf("unit %s belongs to no alliance", unit)
	return ""
}
