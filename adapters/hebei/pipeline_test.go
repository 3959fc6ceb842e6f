package hebei_test

import (
	"slices"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/jjj/gateway/adapters/adaptertest"
	"github.com/jjj/gateway/internal/customs"
)

// TestPipeline runs edited messages through the whole translation (adapter,
// routing's validation half, Validate): each fault must be reported once,
// with api.md's code, at its path, and nothing else.
func TestPipeline(t *testing.T) {
	tr, err := adaptertest.NewTranslator(newAdapter(t))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		edits []edit
		want  []string
	}{
		{"base passes", nil, nil},
		// An invalid packing group is wrong, not missing: invalid_enum only,
		// as Tianjin's DangPackType and Beijing's @packingGroup.
		{"invalid packing group is not also missing", []edit{{"<BZLB>II</BZLB>", "<BZLB>IV</BZLB>"}}, []string{
			item1 + "/WXP/BZLB invalid_enum",
		}},
		{"absent packing group is missing", []edit{{"<BZLB>II</BZLB>", "<BZLB/>"}}, []string{
			item1 + "/WXP/BZLB hazchem.declaration_incomplete",
		}},
		{"owner by name only passes", []edit{{`<XFDW DM="911302081047632562"`, `<XFDW`}}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			raw := encode(t, build(t, c.edits), simplifiedchinese.GBK)
			_, err := tr.Decode(customs.PortHebei, raw)
			var got []string
			for _, p := range customs.ProblemsOf(err) {
				got = append(got, p.Path+" "+p.Code)
			}
			slices.Sort(got)
			want := slices.Sorted(slices.Values(c.want))
			if !slices.Equal(got, want) {
				t.Errorf("problems\n got %q\nwant %q", got, want)
			}
		})
	}
}
