package openapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/jjj/gateway/gateway/openapi"
	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/schemas"
)

// TestDocumentIsValidOpenAPI31 loads the document with kin-openapi and
// validates it as OpenAPI 3.1 (JSON Schema 2020-12 for its schemas), with
// every error reported at once.
func TestDocumentIsValidOpenAPI31(t *testing.T) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(openapi.Document())
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if !doc.IsOpenAPI31OrLater() || doc.OpenAPI != "3.1.0" {
		t.Fatalf("openapi %q, want 3.1.0", doc.OpenAPI)
	}
	if err := doc.Validate(context.Background(), openapi3.EnableMultiError(), openapi3.EnableSchemaPatternValidation()); err != nil {
		var me openapi3.MultiError
		if errors.As(err, &me) {
			for _, e := range me {
				t.Error(e)
			}
			return
		}
		t.Fatal(err)
	}
}

// TestHandlerServesTheDocument: the registered media type, an ETag that
// answers a revalidation with 304, and the document byte for byte.
func TestHandlerServesTheDocument(t *testing.T) {
	h := openapi.Handler()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", openapi.DocumentPath, nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
	if got := rec.Header().Get("Content-Type"); got != "application/vnd.oai.openapi+json;version=3.1" {
		t.Errorf("Content-Type %q", got)
	}
	if got := rec.Body.String(); got != string(openapi.Document()) {
		t.Errorf("body is not the document (%d bytes)", len(got))
	}
	var doc struct {
		OpenAPI string         `json:"openapi"`
		Paths   map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil || doc.OpenAPI != "3.1.0" || len(doc.Paths) == 0 {
		t.Errorf("body does not read as the document: %v %q %d paths", err, doc.OpenAPI, len(doc.Paths))
	}
	tag := rec.Header().Get("ETag")
	if !strings.HasPrefix(tag, `"`) || len(tag) < 10 {
		t.Fatalf("ETag %q", tag)
	}
	req := httptest.NewRequest("GET", openapi.DocumentPath, nil)
	req.Header.Set("If-None-Match", tag)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusNotModified || rec.Body.Len() != 0 {
		t.Errorf("revalidation: %d with %d bytes, want 304 and none", rec.Code, rec.Body.Len())
	}
}

// TestServeSchema serves every XSD of package schemas by its bare name,
// and nothing else: not a path, not another kind of file, not a name that
// climbs out.
func TestServeSchema(t *testing.T) {
	files, err := schemas.FS.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	served := 0
	for _, f := range files {
		want, err := schemas.FS.ReadFile(f.Name())
		if err != nil {
			t.Fatal(err)
		}
		rec := serveSchema(t, f.Name())
		if rec.Code != http.StatusOK || rec.Body.String() != string(want) {
			t.Errorf("%s: %d, %d bytes of %d", f.Name(), rec.Code, rec.Body.Len(), len(want))
			continue
		}
		if ct := rec.Header().Get("Content-Type"); ct != "application/xml; charset=utf-8" {
			t.Errorf("%s: Content-Type %q", f.Name(), ct)
		}
		if openapi.SchemaURL(f.Name()) != "/v1/schemas/"+f.Name() {
			t.Errorf("SchemaURL(%s) = %s", f.Name(), openapi.SchemaURL(f.Name()))
		}
		served++
	}
	if served < 5 {
		t.Errorf("served %d schemas; the three dialects and the review centre's two are expected", served)
	}
	for _, name := range []string{"", "nope.xsd", "schemas.go", "../schemas/tianjin-decmessage.xsd", "./tianjin-decmessage.xsd",
		"tianjin-decmessage.xsd/", "/tianjin-decmessage.xsd", "TIANJIN-DECMESSAGE.XSD", "tianjin-decmessage"} {
		_, err := openapi.Schema(name)
		if customs.ErrorCodeOf(err) != customs.CodeNotFound {
			t.Errorf("Schema(%q): %v, want not_found", name, err)
		}
	}
}

func serveSchema(t *testing.T, name string) *httptest.ResponseRecorder {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/schemas/{file}", func(w http.ResponseWriter, r *http.Request) {
		if err := openapi.ServeSchema(w, r); err != nil {
			http.Error(w, err.Error(), http.StatusNotFound)
		}
	})
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", "/v1/schemas/"+name, nil))
	return rec
}
