package api

import "github.com/allymatch/allymatch/matcher/service"

// routes registers the /v1 routes, all behind bearer-token authentication.
func (s *Server) routes() {
	v1 := s.e.Group("/v1", s.authenticate)
	v1.POST("/tokens", s.createToken)

	v1.POST("/meetings/:alliance/proposals", s.propose)
	v1.POST("/meetings/:alliance/escalate", s.escalate)
	v1.GET("/meetings/:alliance/report", s.report)

	v1.GET("/claims", s.listClaims)
	v1.POST("/claims", s.createClaim)
	v1.GET("/claims/:id", s.getClaim)
	v1.POST("/claims/:id/accept", s.answer(service.Accept))
	v1.POST("/claims/:id/reject", s.answer(service.Reject))
	v1.POST("/claims/:id/fulfil", s.answer(service.Fulfil))
	v1.POST("/claims/:id/withdraw", s.answer(service.Withdraw))

	v1.GET("/events", s.listEvents)

	v1.GET("/alliances", s.listAlliances)
	v1.POST("/alliances", s.createAlliance)
	v1.GET("/alliances/:id", s.getAlliance)
	v1.GET("/units", s.listUnits)
	v1.POST("/units", s.createUnit)
	v1.GET("/units/:id", s.getUnit)
	v1.PATCH("/units/:id", s.patchUnit)
	v1.DELETE("/units/:id", s.deleteUnit)
	v1.GET("/units/:id/items", s.listItems)
	v1.POST("/units/:id/items", s.createItem)
	v1.GET("/items/:id", s.getItem)
	v1.PATCH("/items/:id", s.patchItem)
	v1.DELETE("/items/:id", s.deleteItem)
	v1.GET("/units/:id/projects", s.listProjects)
	v1.POST("/units/:id/projects", s.createProject)
	v1.GET("/projects/:id", s.getProject)
	v1.PATCH("/projects/:id", s.patchProject)
	v1.DELETE("/projects/:id", s.deleteProject)
	v1.POST("/import", s.importBundle)
}
