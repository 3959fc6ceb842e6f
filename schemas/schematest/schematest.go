// Package schematest validates XML documents against the gateway's schemas
// with xmllint (libxml2), the validator the review centre's side uses, so
// that "valid against the XSD" means the same thing in tests as in
// production. The schemas come from schemas.FS, so it works from any
// package's tests and from simulators.
//
// Every call runs one xmllint process for all its documents: starting a
// process per document would dominate the test time of an adapter with
// dozens of fixtures.
package schematest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/jjj/gateway/schemas"
)

// Xmllint is the validator's command name, looked up in PATH.
const Xmllint = "xmllint"

// Validate fails t unless every doc is valid against the schema xsdFile, a
// file name in schemas.FS (schemas.Declaration, schemas.Receipt, or a
// dialect's XSD). The failure message carries xmllint's own output, with
// documents named doc-000.xml, doc-001.xml, ... in the order given. A
// missing xmllint fails the test: validation that silently does not run is
// worse than none.
func Validate(t testing.TB, xsdFile string, docs ...[]byte) {
	t.Helper()
	if err := ValidateErr(xsdFile, docs...); err != nil {
		t.Fatal(err)
	}
}

// InvalidError reports the documents that did not validate.
type InvalidError struct {
	// Schema is the xsdFile that was validated against.
	Schema string
	// Invalid are the indexes (into the docs given) of the invalid documents.
	Invalid []int
	// Output is xmllint's output for the whole run.
	Output string
}

func (e *InvalidError) Error() string {
	return fmt.Sprintf("schematest: documents %v do not validate against %s:\n%s", e.Invalid, e.Schema, e.Output)
}

// ValidateErr is Validate for callers without a testing.TB (simulators,
// commands). It returns nil when every doc is valid, an *InvalidError when
// some are not, and another error when xmllint could not run or the schema
// does not compile. No docs is trivially valid.
func ValidateErr(xsdFile string, docs ...[]byte) error {
	return ValidateContext(context.Background(), xsdFile, docs...)
}

// ValidateContext is ValidateErr with a context that bounds the xmllint run.
func ValidateContext(ctx context.Context, xsdFile string, docs ...[]byte) error {
	if len(docs) == 0 {
		return nil
	}
	if _, err := fs.Stat(schemas.FS, xsdFile); err != nil {
		return fmt.Errorf("schematest: schema %q is not in schemas.FS: %w", xsdFile, err)
	}
	bin, err := exec.LookPath(Xmllint)
	if err != nil {
		return fmt.Errorf("schematest: xmllint is required to validate (install libxml2-utils): %w", err)
	}
	dir, err := os.MkdirTemp("", "schematest-")
	if err != nil {
		return fmt.Errorf("schematest: %w", err)
	}
	defer os.RemoveAll(dir)
	if err := writeSchemas(dir); err != nil {
		return err
	}
	args := []string{"--noout", "--nonet", "--schema", filepath.Join(dir, xsdFile)}
	for i, doc := range docs {
		name := docName(i)
		if err := os.WriteFile(filepath.Join(dir, name), doc, 0o600); err != nil {
			return fmt.Errorf("schematest: %w", err)
		}
		args = append(args, name)
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	runErr := cmd.Run()
	output := out.String()

	// xmllint says "<file> validates" for each valid document; anything else
	// (fails to validate, not well-formed, schema errors) is a failure.
	valid := make(map[int]bool, len(docs))
	for _, m := range validatesRE.FindAllStringSubmatch(output, -1) {
		n, _ := strconv.Atoi(m[1])
		valid[n] = true
	}
	var invalid []int
	for i := range docs {
		if !valid[i] {
			invalid = append(invalid, i)
		}
	}
	if len(invalid) == 0 && runErr == nil {
		return nil
	}
	var exit *exec.ExitError
	if runErr != nil && !errors.As(runErr, &exit) {
		return fmt.Errorf("schematest: run xmllint: %w", runErr)
	}
	if strings.Contains(output, "failed to compile") {
		return fmt.Errorf("schematest: schema %s does not compile:\n%s", xsdFile, output)
	}
	return &InvalidError{Schema: xsdFile, Invalid: invalid, Output: output}
}

var validatesRE = regexp.MustCompile(`(?m)^doc-(\d+)\.xml validates$`)

func docName(i int) string { return fmt.Sprintf("doc-%03d.xml", i) }

// writeSchemas copies every schema to dir, so that includes and imports by
// relative name resolve.
func writeSchemas(dir string) error {
	return fs.WalkDir(schemas.FS, ".", func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := fs.ReadFile(schemas.FS, path)
		if err != nil {
			return fmt.Errorf("schematest: %w", err)
		}
		if err := os.WriteFile(filepath.Join(dir, path), b, 0o600); err != nil {
			return fmt.Errorf("schematest: %w", err)
		}
		return nil
	})
}
