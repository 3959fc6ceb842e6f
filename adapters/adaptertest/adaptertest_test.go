package adaptertest

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/jjj/gateway/adapters"
	"github.com/jjj/gateway/internal/customs"
)

func TestExercise(t *testing.T) {
	Exercise(t, fake{}, "testdata")
}

func TestExerciseRoutes(t *testing.T) {
	ExerciseRoutes(t, fake{}, "testdata")
}

func FuzzFake(f *testing.F) {
	Fuzz(f, fake{}, "testdata")
}

func ptr[T any](v T) *T { return &v }

// TestCheckDecodeFindsDifferences proves the suite fails an adapter that
// disagrees with expect.json, one difference at a time.
func TestCheckDecodeFindsDifferences(t *testing.T) {
	t.Parallel()
	s := setup(t, fake{}, "testdata")
	byName := map[string]Fixture{}
	for _, f := range s.fixtures {
		byName[f.Name] = f
	}
	tests := []struct {
		name    string
		fixture string
		mut     func(e *Expect)
		want    string // a substring of one finding
	}{
		{"status 422 for a valid one", "import-phones", func(e *Expect) { e.Status = 422 }, "want 422, got accepted"},
		{"status 201 for an invalid one", "invalid-two-problems", func(e *Expect) { e.Status = 201 }, "want 201, got 422"},
		{"status 400 for a 422", "invalid-two-problems", func(e *Expect) { e.Status = 400 }, "want 400 (unreadable), got invalid"},
		{"missing error", "invalid-two-problems", func(e *Expect) { e.Errors = e.Errors[:1] }, "problems (path code)"},
		{"wrong path", "invalid-two-problems", func(e *Expect) { e.Errors[0].Path = ptr("/Fake/Item[@seq='1']/@hs") }, "problems (path code)"},
		{"400 code", "invalid-doctype", func(e *Expect) { e.Errors[0].Code = "malformed_xml" }, "problems (path code)"},
		{"422 direction", "invalid-two-problems", func(e *Expect) { e.Direction = ptr("export") }, `direction = "import", want "export"`},
		{"warning", "import-phones", func(e *Expect) { e.Warnings = []string{"/Fake/Remark"} }, "unknown_element warnings"},
		{"warning missing", "export-unknown-element", func(e *Expect) { e.Warnings = nil }, "unknown_element warnings"},
		{"port ref", "import-phones", func(e *Expect) { e.Canonical = []byte(`{"portRef": "X"}`) }, `portRef = "F20261127001", want "X"`},
		{"consignee upper case", "import-phones", func(e *Expect) { e.Canonical = []byte(`{"consignee": "91130104ma0cf8n241"}`) }, "consignee ="},
		{"customs", "import-phones", func(e *Expect) { e.Canonical = []byte(`{"customs": {"declaring": "0202", "port": "0217"}}`) }, "customs.port"},
		{"trade mode absent", "import-phones", func(e *Expect) { e.Canonical = []byte(`{"tradeMode": "0110"}`) }, "tradeMode"},
		{"item count", "import-phones", func(e *Expect) { e.Canonical = []byte(`{"items": [{"seq": 1}]}`) }, "2 goods items, want 1"},
		{"item seq", "import-phones", func(e *Expect) { e.Canonical = []byte(`{"items": [{"seq": 1}, {"seq": 2}]}`) }, `items[1].seq = "3", want "2"`},
		{"item value", "import-phones", func(e *Expect) { e.Canonical = []byte(`{"items": [{"value": "432000"}, {}]}`) }, "items[0].value"},
		{"unknown canonical key", "import-phones", func(e *Expect) { e.Canonical = []byte(`{"colour": "red"}`) }, "not a value adaptertest compares"},
		{"unknown status", "import-phones", func(e *Expect) { e.Status = 500 }, "not one adaptertest knows"},
		{"other port", "import-phones", func(e *Expect) { e.Port = "tianjin" }, "expect.json is for port"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := byName[tt.fixture]
			e := *f.Expect
			e.Errors = append([]ExpectError(nil), e.Errors...)
			tt.mut(&e)
			f.Expect = &e
			_, findings := s.checkDecode(f)
			if !containsFinding(findings, tt.want) {
				t.Errorf("findings %q, want one containing %q", findings, tt.want)
			}
		})
	}
	// And the unmodified fixtures have no finding.
	for _, f := range s.fixtures {
		if f.Expect == nil {
			continue
		}
		if _, findings := s.checkDecode(f); len(findings) > 0 {
			t.Errorf("%s: %q", f.Name, findings)
		}
	}
}

func containsFinding(findings []string, want string) bool {
	for _, f := range findings {
		if strings.Contains(f, want) {
			return true
		}
	}
	return false
}

func TestCompareRoute(t *testing.T) {
	t.Parallel()
	route := &customs.Route{
		Lane:      customs.LaneDestinationInspection,
		Workflows: []customs.Workflow{customs.WorkflowHazchem, customs.WorkflowCoal},
		Bureau:    "130100",
		Tasks: []customs.Task{
			{Workflow: customs.WorkflowHazchem, Items: []int{2}},
			{Workflow: customs.WorkflowCoal, Bureau: "130100", Items: []int{1, 3}},
		},
		Reasons: []customs.Reason{
			{Rule: "coal.joint_supervision", Item: 1},
			{Rule: "coal.joint_supervision", Item: 3},
			{Rule: "hazchem.port_inspection", Item: 2},
		},
	}
	want := func() *Expect {
		return &Expect{
			Lane: ptr("destination_inspection"), Workflows: []string{"coal", "hazchem"}, Bureau: ptr("130100"),
			Rules: []string{"hazchem.port_inspection", "coal.joint_supervision"},
			Tasks: []ExpectTask{
				{Workflow: "coal", Bureau: ptr("130100"), Items: []int{1, 3}},
				{Workflow: "hazchem", Items: []int{2}},
			},
		}
	}
	if f := compareRoute(want(), route); len(f) > 0 {
		t.Fatalf("equal routes differ: %q", f)
	}
	tests := []struct {
		name string
		mut  func(e *Expect)
		want string
	}{
		{"lane", func(e *Expect) { e.Lane = ptr("release") }, "lane ="},
		{"workflow", func(e *Expect) { e.Workflows = []string{"coal"} }, "workflows ="},
		{"bureau null", func(e *Expect) { e.Bureau = nil }, "bureau ="},
		{"rule missing", func(e *Expect) { e.Rules = e.Rules[:1] }, "rules ="},
		{"rule extra", func(e *Expect) { e.Rules = append(e.Rules, "food.post_entry_supervision") }, "rules ="},
		{"task bureau", func(e *Expect) { e.Tasks[1].Bureau = ptr("130100") }, "tasks"},
		{"task items", func(e *Expect) { e.Tasks[0].Items = []int{1} }, "tasks"},
		{"task missing", func(e *Expect) { e.Tasks = e.Tasks[:1] }, "tasks"},
	}
	for _, tt := range tests {
		e := want()
		tt.mut(e)
		if f := compareRoute(e, route); !containsFinding(f, tt.want) {
			t.Errorf("%s: findings %q, want one containing %q", tt.name, f, tt.want)
		}
	}
}

// misbehaving adapters, each breaking one rule checkAny enforces.
type misbehaving struct {
	fake
	decode func(raw []byte) (*customs.Declaration, error)
}

func (m misbehaving) Decode(raw []byte) (*customs.Declaration, error) { return m.decode(raw) }

func TestCheckAnyFindsMisbehaviour(t *testing.T) {
	t.Parallel()
	valid := []byte(`<?xml version="1.0"?><Fake ref="F1" dir="import" declaring="0202" port="0202"><Party role="consignee" uscc="91130104MA0CF8N241"/><Party role="declarant" uscc="91130104MA0CF8N241"/><Transport mode="sea"/><Item seq="1" hs="8517130000" qty="1" unit="007" value="1" currency="USD" origin="JPN"/></Fake>`)
	calls := 0
	tests := []struct {
		name   string
		decode func(raw []byte) (*customs.Declaration, error)
		want   string
	}{
		{"panic", func([]byte) (*customs.Declaration, error) { panic("boom") }, "panic: boom"},
		{"plain error", func([]byte) (*customs.Declaration, error) { return nil, errors.New("eof") }, "not *customs.Error"},
		{"wrong code", func([]byte) (*customs.Declaration, error) {
			return nil, customs.Errorf(customs.CodeInternal, "oops")
		}, "refused with code internal"},
		{"no problems", func([]byte) (*customs.Declaration, error) {
			return nil, customs.Errorf(customs.CodeUnreadable, "bad")
		}, "refused with no problem"},
		{"empty problem code", func([]byte) (*customs.Declaration, error) {
			return nil, &customs.Error{Code: customs.CodeUnreadable, Problems: []customs.Problem{{Path: "/x"}}}
		}, "has no code"},
		{"not deterministic", func(raw []byte) (*customs.Declaration, error) {
			d, err := fake{}.Decode(raw)
			calls++
			d.Goods[0].Name = strings.Repeat("x", calls)
			return d, err
		}, "decoding twice"},
	}
	for _, tt := range tests {
		s := setup(t, misbehaving{decode: tt.decode}, "testdata")
		if got := s.checkAny(valid); !strings.Contains(got, tt.want) {
			t.Errorf("%s: checkAny = %q, want it to contain %q", tt.name, got, tt.want)
		}
	}
	s := setup(t, fake{}, "testdata")
	if got := s.checkAny(valid); got != "" {
		t.Errorf("fake: checkAny = %q", got)
	}
}

func TestLoadFixtures(t *testing.T) {
	t.Parallel()
	fs, err := LoadFixtures("testdata")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range fs {
		if strings.HasSuffix(f.Name, ".golden") {
			t.Errorf("golden %s loaded as a fixture", f.Name)
		}
		names = append(names, f.Name)
		if (f.Expect == nil) != (f.Name == "seed-malformed-no-expect") {
			t.Errorf("%s: expect loaded = %v", f.Name, f.Expect != nil)
		}
	}
	if len(names) != 6 {
		t.Errorf("fixtures = %q, want 6", names)
	}
}

var _ adapters.Adapter = misbehaving{}

func TestHostile(t *testing.T) {
	valid, err := os.ReadFile("testdata/import-phones.xml")
	if err != nil {
		t.Fatal(err)
	}
	Hostile(t, fake{}, valid)
}
