package api

import (
	"github.com/allymatch/allymatch/matcher/scenario"
	"github.com/allymatch/allymatch/matcher/service"
)

// routes registers GET /openapi.json and the /v1 routes, all behind
// bearer-token authentication: a request is authenticated first, so that
// strangers get their 401 whatever they send. The OpenAPI document
// (api/openapi.yaml) describes these routes; the tests keep the two equal.
func (s *Server) routes() {
	if _, err := loadAPIDoc(); err != nil {
		panic(err) // the embedded document is broken: TestOpenAPIDocument says where
	}
	s.e.GET("/openapi.json", s.openapi)

	v1 := s.e.Group("/v1", s.authenticate)
	v1.POST("/tokens", s.createToken)
	v1.GET("/tokens", s.listTokens)
	v1.DELETE("/tokens/:id", s.revokeToken)
	v1.POST("/login-codes", s.createLoginCode)

	v1.POST("/meetings/:alliance/proposals", s.propose)
	v1.POST("/meetings/:alliance/escalate", s.escalate)
	v1.PUT("/meetings/:alliance/deadline", s.setDeadline)
	v1.GET("/meetings/:alliance/waiting", s.meetingWaiting)
	v1.GET("/meetings/:alliance/plan", s.meetingPlan)
	v1.GET("/meetings/:alliance/report", s.report)
	v1.GET("/rollup/:alliance", s.rollup) // the district roll-up (api/rollup.go)

	v1.GET("/claims", s.listClaims)
	v1.POST("/claims", s.createClaim)
	v1.GET("/claims/:id", s.getClaim)
	v1.POST("/claims/:id/accept", s.answer(service.Accept))
	v1.POST("/claims/:id/reject", s.answer(service.Reject))
	v1.POST("/claims/:id/fulfil", s.fulfil)
	v1.POST("/claims/:id/withdraw", s.answer(service.Withdraw))

	v1.GET("/events", s.listEvents)
	v1.GET("/events/stream", s.streamEvents)

	// Webhooks (api/webhooks.go).
	v1.POST("/webhooks", s.createWebhook)
	v1.GET("/webhooks", s.listWebhooks)
	v1.GET("/webhooks/:id", s.getWebhook)
	v1.DELETE("/webhooks/:id", s.deleteWebhook)
	v1.POST("/webhooks/:id/test", s.testWebhook)
	v1.GET("/webhooks/:id/deliveries", s.listDeliveries)
	v1.POST("/webhooks/:id/deliveries/:msg/retry", s.retryDelivery)
	v1.POST("/webhooks/:id/retry", s.retryDeliveries)

	v1.GET("/alliances", s.listAlliances)
	v1.POST("/alliances", s.createAlliance)
	v1.GET("/alliances/:id", s.getAlliance)
	v1.PATCH("/alliances/:id", s.patchAlliance)
	v1.GET("/units", s.listUnits)
	v1.POST("/units", s.createUnit)
	v1.GET("/units/:id", s.getUnit)
	v1.PATCH("/units/:id", s.patchUnit)
	v1.DELETE("/units/:id", s.deleteUnit)
	v1.GET("/units/:id/waiting", s.unitWaiting)
	v1.GET("/units/:id/items", s.listItems)
	v1.POST("/units/:id/items", s.createItem)
	v1.GET("/items/:id", s.getItem)
	v1.PATCH("/items/:id", s.patchItem)
	v1.DELETE("/items/:id", s.deleteItem)
	v1.POST("/items/:id/return", s.returnItem)
	v1.GET("/units/:id/projects", s.listProjects)
	v1.POST("/units/:id/projects", s.createProject)
	v1.GET("/projects/:id", s.getProject)
	v1.PATCH("/projects/:id", s.patchProject)
	v1.DELETE("/projects/:id", s.deleteProject)
	v1.POST("/import", s.importBundle)

	// The points bank (api/ledger.go).
	s.ledgerRoutes(v1)

	// What-if scenarios, why-not and alternatives (api/scenarios.go).
	sc := &scenarios{s: s, m: scenario.NewManager()}
	sc.register(v1)
}
