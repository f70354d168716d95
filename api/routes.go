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
}
