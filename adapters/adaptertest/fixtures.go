package adaptertest

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Expect is a fixture's <name>.expect.json (samples/README.md).
type Expect struct {
	Port      string          `json:"port"`
	File      string          `json:"file"`
	Status    int             `json:"status"`
	Direction *string         `json:"direction"`
	Lane      *string         `json:"lane"`
	Workflows []string        `json:"workflows"`
	Bureau    *string         `json:"bureau"`
	Rules     []string        `json:"rules"`
	Tasks     []ExpectTask    `json:"tasks"`
	Errors    []ExpectError   `json:"errors"`
	Warnings  []string        `json:"warnings"`
	Canonical json.RawMessage `json:"canonical"`
}

// ExpectTask is one task of the expected route; a nil Bureau is work at the
// port.
type ExpectTask struct {
	Workflow string  `json:"workflow"`
	Bureau   *string `json:"bureau"`
	Items    []int   `json:"items"`
}

// ExpectError is one expected problem; a nil Path means no element is to
// blame.
type ExpectError struct {
	Path *string `json:"path"`
	Code string  `json:"code"`
}

// Fixture is one message of a fixture directory.
type Fixture struct {
	Name string // file name without .xml
	Raw  []byte
	// Expect is nil when the fixture has no expect.json.
	Expect *Expect
}

// LoadFixtures reads every dir/*.xml but the goldens, sorted by name.
func LoadFixtures(dir string) ([]Fixture, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.xml"))
	if err != nil {
		return nil, err
	}
	sort.Strings(paths)
	var out []Fixture
	for _, p := range paths {
		if strings.HasSuffix(p, ".golden.xml") {
			continue
		}
		raw, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		f := Fixture{Name: strings.TrimSuffix(filepath.Base(p), ".xml"), Raw: raw}
		ej, err := os.ReadFile(strings.TrimSuffix(p, ".xml") + ".expect.json")
		switch {
		case errors.Is(err, os.ErrNotExist):
		case err != nil:
			return nil, err
		default:
			f.Expect = new(Expect)
			if err := json.Unmarshal(ej, f.Expect); err != nil {
				return nil, fmt.Errorf("%s.expect.json: %w", f.Name, err)
			}
		}
		out = append(out, f)
	}
	return out, nil
}
