package web

import (
	"context"
	"net/http"
	"sync"

	"github.com/allymatch/allymatch/matcher/scenario"
)

type scenariosKey struct{}

// WithScenarios returns ctx carrying the API server's scenario manager: the
// server puts it on the requests it hands to the pages, so that the what-if
// form and the API share one manager.
func WithScenarios(ctx context.Context, m *scenario.Manager) context.Context {
	return context.WithValue(ctx, scenariosKey{}, m)
}

// ownScenarios is the pages' own manager when the server gave none (the
// pages served on their own).
var ownScenarios = sync.OnceValue(scenario.NewManager)

// scenariosOf returns the scenario manager of a request.
func scenariosOf(r *http.Request) *scenario.Manager {
	if m, ok := r.Context().Value(scenariosKey{}).(*scenario.Manager); ok && m != nil {
		return m
	}
	return ownScenarios()
}
