package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jjj/gateway/schemas"
	"github.com/jjj/gateway/schemas/schematest"
)

func TestTranslateFilesInOrderWithProblemsOnStderr(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "adapters", "tianjin", "testdata")
	good1 := filepath.Join(dir, "import-coal-thermal.xml")
	bad := filepath.Join(dir, "invalid-uscc-check-character.xml")
	good2 := filepath.Join(dir, "export-steel-plate.xml")
	var out, errOut bytes.Buffer
	err := runTranslate(context.Background(), []string{"--port", "tianjin", good1, bad, good2}, nil, &out, &errOut)
	if !errors.Is(err, errQuiet) {
		t.Fatalf("err %v, want a failure exit", err)
	}
	docs := bytes.Split(bytes.TrimSpace(out.Bytes()), []byte("\n"))
	if len(docs) != 2 {
		t.Fatalf("%d documents on stdout, want 2", len(docs))
	}
	if !bytes.Contains(docs[0], []byte(`portRef="`)) || !bytes.Contains(docs[0], []byte(`id="offline"`)) || !bytes.Contains(docs[0], []byte("<Route ")) {
		t.Errorf("first document: %.300s", docs[0])
	}
	if !bytes.Contains(docs[1], []byte("<Direction>export</Direction>")) {
		t.Error("files not in order")
	}
	schematest.Validate(t, schemas.Declaration, docs...)
	lines := strings.Split(strings.TrimSpace(errOut.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("stderr lines %d: %s", len(lines), errOut.String())
	}
	var p struct {
		Status int
		Port   string
		Errors []struct{ Path, Code string }
	}
	if err := json.Unmarshal([]byte(lines[0]), &p); err != nil {
		t.Fatal(err)
	}
	if p.Status != 422 || p.Port != "tianjin" || len(p.Errors) == 0 || p.Errors[0].Code != "invalid_uscc" {
		t.Errorf("problem %+v", p)
	}

	// The same file always gives the same bytes offline.
	var again bytes.Buffer
	if err := runTranslate(context.Background(), []string{"--port", "tianjin", good1}, nil, &again, &errOut); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(bytes.TrimSpace(again.Bytes()), docs[0]) {
		t.Error("offline translation is not stable")
	}
}

func TestTranslateReadsStdin(t *testing.T) {
	in := bytes.NewBufferString(`<?xml version="1.0"?><Nope/>`)
	var out, errOut bytes.Buffer
	err := runTranslate(context.Background(), []string{"--port", "beijing"}, in, &out, &errOut)
	if !errors.Is(err, errQuiet) || !strings.Contains(errOut.String(), "unknown_root") || out.Len() != 0 {
		t.Errorf("err %v stdout %q stderr %q", err, out.String(), errOut.String())
	}
}

func TestUsageErrors(t *testing.T) {
	var ue usageError
	for _, args := range [][]string{{}, {"frobnicate"}, {"translate"}, {"translate", "--port", "shanghai"}, {"serve"}, {"keys"}, {"keys", "create"}} {
		err := run(context.Background(), args)
		if !errors.As(err, &ue) {
			t.Errorf("%v: err %v, want a usage error (exit 2)", args, err)
		}
	}
}

// TestTranslateUsesCodesDir: a folder of code tables given with
// --codes-dir (CODES_DIR) replaces the embedded ones: its VERSION is the
// ruleSet of the route.
func TestTranslateUsesCodesDir(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join("..", "..", "..", "internal", "codes", "tables")
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if e.Name() == "VERSION" {
			b = []byte("2027.9\n")
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	file := filepath.Join("..", "..", "..", "adapters", "tianjin", "testdata", "import-coal-thermal.xml")
	var out, errOut bytes.Buffer
	if err := runTranslate(context.Background(), []string{"--port", "tianjin", "--codes-dir", dir, file}, nil, &out, &errOut); err != nil {
		t.Fatalf("%v: %s", err, errOut.String())
	}
	if !bytes.Contains(out.Bytes(), []byte(`ruleSet="2027.9"`)) {
		t.Errorf("the code tables of --codes-dir were not used: %.200s", out.String())
	}
}

// Offline there is no register: each citation is a warning
// document_not_checked at the citation's number, not an error, and the
// file still translates with its route.
func TestTranslateWarnsOfCitationsItCannotCheck(t *testing.T) {
	for _, tt := range []struct{ port, file, path string }{
		{"tianjin", "export-hazchem-ethyl-acetate-packaging.xml", "/DecMessage/DecLists/DecList[1]/DecGoodsLimits/DecGoodsLimit[1]/LicenceNo"},
		{"hebei", "import-grain-soybeans-permit.xml", "/BJXX/HWXX/HW[@XH='1']/XKZ[1]/@BH"},
		{"beijing", "import-special-article-level-a.xml", "/AirCargoDeclaration/Items/Item[@line='1']/Licence[1]/@number"},
	} {
		t.Run(tt.port, func(t *testing.T) {
			file := filepath.Join("..", "..", "..", "adapters", tt.port, "testdata", tt.file)
			var out, errOut bytes.Buffer
			if err := runTranslate(context.Background(), []string{"--port", tt.port, file}, nil, &out, &errOut); err != nil {
				t.Fatalf("err %v: %s", err, errOut.String())
			}
			want := `code="document_not_checked"`
			if n := strings.Count(out.String(), want); n != 1 {
				t.Errorf("%d warnings document_not_checked, want 1: %s", n, out.String())
			}
			if !strings.Contains(out.String(), `<Warning path="`+strings.ReplaceAll(tt.path, "'", "&apos;")+`" `+want) &&
				!strings.Contains(out.String(), `<Warning path="`+tt.path+`" `+want) {
				t.Errorf("no warning at %s: %s", tt.path, out.String())
			}
			if !strings.Contains(out.String(), "<Document ") || !strings.Contains(out.String(), "<Route ") {
				t.Errorf("no Document or Route: %s", out.String())
			}
			schematest.Validate(t, schemas.Declaration, bytes.TrimSpace(out.Bytes()))
		})
	}
}
