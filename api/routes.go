package api

// routes registers the /v1 routes, all behind bearer-token authentication.
func (s *Server) routes() {
	v1 := s.e.Group("/v1", s.authenticate)
	v1.POST("/tokens", s.createToken)
}
