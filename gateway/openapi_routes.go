package gateway

import (
	"net/http"

	"github.com/jjj/gateway/gateway/openapi"
)

// OpenAPIRoutes registers the machine-readable contract (issue 11):
//
//	GET /v1/openapi.json   the OpenAPI 3.1 document of this API
//	GET /v1/schemas/{file} the XSD a port's "schema" (GET /v1/ports) names,
//	                       and the canonical declaration's and receipt's
//
// Both are open (no key): see package openapi for why. They go through Open
// so that they are counted in the metrics and a miss is a problem.
func OpenAPIRoutes(mux *http.ServeMux, s *Server) {
	doc := openapi.Handler()
	mux.Handle("GET /v1/openapi.json", s.open(func(w http.ResponseWriter, r *http.Request) error {
		doc.ServeHTTP(w, r)
		return nil
	}))
	mux.Handle("GET /v1/schemas/{file}", s.open(openapi.ServeSchema))
}
