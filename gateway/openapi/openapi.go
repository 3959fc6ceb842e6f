// Package openapi serves the gateway's machine-readable contract: the
// OpenAPI 3.1 document of its HTTP API (openapi.json, embedded in the
// binary) and the XML schemas that the document and GET /v1/ports name (the
// port dialects' XSDs, and the canonical declaration and receipt exchanged
// with the review centre).
//
// openapi.json is written by hand and is the source of truth for
// integrators. It describes every route the gateway registers, and a test
// in package gateway fails when a route is registered that the document
// lacks, or the other way round, and checks real answers against it.
//
// Readings where the spec is silent:
//   - Both are served without a key, beside /healthz and /metrics: they hold
//     nothing but the published contract, an integrator reads them before it
//     has a key, and tools (code generators, xmllint, schema-aware editors)
//     fetch them by URL without headers.
//   - The document's media type is the OpenAPI Initiative's registered
//     application/vnd.oai.openapi+json with its version; a schema is
//     application/xml. Both carry a strong ETag and Cache-Control: no-cache,
//     so clients revalidate cheaply (304) and never keep a stale contract
//     across an upgrade.
package openapi

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/schemas"
)

//go:embed openapi.json
var document []byte

// MediaType is the document's content type.
const MediaType = "application/vnd.oai.openapi+json;version=3.1"

// DocumentPath is where the document is served.
const DocumentPath = "/v1/openapi.json"

// SchemaPrefix is where the schemas are served: SchemaPrefix + the file
// name GET /v1/ports gives as a port's "schema".
const SchemaPrefix = "/v1/schemas/"

// Document returns a copy of the OpenAPI document.
func Document() []byte { return bytes.Clone(document) }

// Handler serves the document (GET and HEAD, conditional requests).
func Handler() http.Handler {
	tag := etag(document)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		serve(w, r, MediaType, tag, document)
	})
}

// SchemaURL is the path a schema file is served at.
func SchemaURL(file string) string { return SchemaPrefix + file }

// Schema returns a schema file by its name (a bare file name ending in
// .xsd, as GET /v1/ports gives it). customs.CodeNotFound for any other.
func Schema(file string) ([]byte, error) {
	if file == "" || path.Base(file) != file || !strings.HasSuffix(file, ".xsd") || !fs.ValidPath(file) {
		return nil, notFound(file)
	}
	b, err := schemas.FS.ReadFile(file)
	if err != nil {
		return nil, notFound(file)
	}
	return b, nil
}

func notFound(file string) error {
	return &customs.Error{Code: customs.CodeNotFound, Message: "no schema " + file,
		Problems: []customs.Problem{{Path: "file", Code: string(customs.CodeNotFound),
			Message: "no schema " + file + " (GET /v1/ports names the dialects' schemas)"}}}
}

// ServeSchema answers GET /v1/schemas/{file} with the XSD the path value
// "file" names. It returns its error (customs.CodeNotFound) for the
// caller's error writer, so that a miss is a problem like every other.
func ServeSchema(w http.ResponseWriter, r *http.Request) error {
	b, err := Schema(r.PathValue("file"))
	if err != nil {
		return err
	}
	serve(w, r, "application/xml; charset=utf-8", etag(b), b)
	return nil
}

func serve(w http.ResponseWriter, r *http.Request, contentType, tag string, b []byte) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("ETag", tag)
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
	// No modification time: the ETag alone decides If-None-Match.
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(b))
}

func etag(b []byte) string {
	sum := sha256.Sum256(b)
	return `"` + hex.EncodeToString(sum[:16]) + `"`
}
