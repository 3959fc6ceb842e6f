package gateway

import (
	"net/http"

	"github.com/jjj/gateway/gateway/openapi"
)

// The machine-readable contract (issue 11), registered in routes.go:
//
//	GET /v1/openapi.json   the OpenAPI 3.1 document of this API
//	GET /v1/schemas/{file} the XSD a port's "schema" (GET /v1/ports) names,
//	                       and the canonical declaration's and receipt's
//
// Both are open (no key): see package openapi for why. They go through open
// so that they are counted in the metrics and a miss is a problem.
var openAPIDoc = openapi.Handler()

func serveOpenAPI(w http.ResponseWriter, r *http.Request) error {
	openAPIDoc.ServeHTTP(w, r)
	return nil
}
