// Package xmllint validates XML documents against the gateway's schemas
// with xmllint (libxml2), the validator the review centre's side uses, so
// that "valid against the XSD" means the same thing in tests, in the
// review-centre simulator and in production. The schemas come from
// schemas.FS, so it works from any working directory and from the built
// binary.
//
// It is a run-time package, linked into gatewayd by the simulator; the
// test helper schemas/schematest is a thin layer over it, so that the
// binary does not link the testing package.
//
// Every call runs one xmllint process for all its documents: starting a
// process per document would dominate the time of a batch of dozens.
package xmllint

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

	"github.com/jjj/gateway/schemas"
)

// Command is the validator's command name, looked up in PATH.
const Command = "xmllint"

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
	return fmt.Sprintf("xmllint: documents %v do not validate against %s:\n%s", e.Invalid, e.Schema, e.Output)
}

// Validate checks every doc against the schema xsdFile, a file name in
// schemas.FS (schemas.Declaration, schemas.Receipt, or a dialect's XSD), in
// one xmllint run bounded by ctx. It returns nil when every doc is valid, an
// *InvalidError when some are not, and another error when xmllint could not
// run or the schema does not compile. No docs is trivially valid.
func Validate(ctx context.Context, xsdFile string, docs ...[]byte) error {
	if len(docs) == 0 {
		return nil
	}
	if _, err := fs.Stat(schemas.FS, xsdFile); err != nil {
		return fmt.Errorf("xmllint: schema %q is not in schemas.FS: %w", xsdFile, err)
	}
	bin, err := exec.LookPath(Command)
	if err != nil {
		return fmt.Errorf("xmllint: xmllint is required to validate (install libxml2-utils): %w", err)
	}
	dir, err := os.MkdirTemp("", "xmllint-")
	if err != nil {
		return fmt.Errorf("xmllint: %w", err)
	}
	defer os.RemoveAll(dir)
	if err := writeSchemas(dir); err != nil {
		return err
	}
	args := []string{"--noout", "--nonet", "--schema", filepath.Join(dir, xsdFile)}
	for i, doc := range docs {
		name := docName(i)
		if err := os.WriteFile(filepath.Join(dir, name), doc, 0o600); err != nil {
			return fmt.Errorf("xmllint: %w", err)
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
		return fmt.Errorf("xmllint: run xmllint: %w", runErr)
	}
	if strings.Contains(output, "failed to compile") {
		return fmt.Errorf("xmllint: schema %s does not compile:\n%s", xsdFile, output)
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
			return fmt.Errorf("xmllint: %w", err)
		}
		if err := os.WriteFile(filepath.Join(dir, path), b, 0o600); err != nil {
			return fmt.Errorf("xmllint: %w", err)
		}
		return nil
	})
}
